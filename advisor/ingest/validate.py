"""Raw values -> typed schema columns, with every bad value found and located.

Input: the concatenated raw frame (schema column names, provenance columns). Output: the
typed frame plus the rows to drop by reason. Each check is vectorized and yields a mask;
the caller raises on the first bad row or, under --skip-bad-rows, drops and counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.ingest.messages import query_from_messages
from advisor.ingest.timestamps import parse_timestamps

MAX_TOKENS_PER_CALL = 10_000_000  # no model takes 10 M tokens in one call: a unit or parse error
# No model's context window holds 16 Mi characters of text (about 4 M tokens): a longer field is a
# file read wrongly (an unclosed quote swallowing the rest of the file) or not a log at all.
MAX_TEXT_CHARS = 16 * 2**20
# Token counts that may be derived from text when the log lacks them.
_TEXT_FOR = {schema.INPUT_TOKENS: schema.QUERY, schema.OUTPUT_TOKENS: schema.RESPONSE}
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


@dataclass(frozen=True)
class Problem:
    """Rows of one column that fail one check."""

    reason: str  # short, for the skipped-rows summary ("negative input_tokens")
    column: str
    mask: np.ndarray  # bool over the frame's rows
    expected: str


@dataclass(frozen=True)
class Normalized:
    frame: pd.DataFrame
    problems: tuple[Problem, ...]
    naive_timestamps: int  # rows whose timestamp had no zone (read as UTC)
    counted_input_rows: int  # rows whose input_tokens were counted from `query`
    counted_output_rows: int  # rows whose output_tokens were counted from `response`


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float values, missing mask, not-a-number mask) of a column."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        missing = raw.isna().to_numpy()
        return np.full(len(raw), np.nan), missing, ~missing
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        text = raw.astype("string").str.strip()
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
        # Booleans inside object columns would read as 0/1; they are not counts.
        is_bool = (
            raw.map(lambda v: isinstance(v, (bool, np.bool_)), na_action="ignore").to_numpy(dtype=bool, na_value=False)
            if raw.dtype == object
            else np.zeros(len(raw), dtype=bool)
        )
        values = pd.to_numeric(text.mask(missing), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values[is_bool] = np.nan
    else:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        missing = raw.isna().to_numpy()
    values = np.array(values, dtype=float)  # a writable copy: callers fill gaps in place
    bad = ~missing & np.isnan(values)
    return values, missing, bad


def _int_column(
    frame: pd.DataFrame, col: str, required: bool, problems: list[Problem], fill_from: str | None = None
) -> int:
    """Check a count column; fill missing counts from `fill_from` text. Returns rows filled."""
    values, missing, bad = _numbers(frame[col])
    filled = 0
    if fill_from is not None and fill_from in frame.columns:
        from advisor.core.tokens import count_tokens

        texts = frame[fill_from]
        fill = missing & texts.notna().to_numpy()  # text columns are typed before counts
        if fill.any():
            values[fill] = count_tokens(texts[fill])
            missing = missing & ~fill
            filled = int(fill.sum())
    if required:
        problems.append(Problem(f"missing {col}", col, missing, "a whole number"))
    problems.append(Problem(f"{col} not a number", col, bad, "a whole number"))
    with np.errstate(invalid="ignore"):
        problems.append(Problem(f"{col} not finite", col, np.isinf(values), "a finite whole number"))
        problems.append(Problem(f"negative {col}", col, values < 0, "a number >= 0"))
        if col != schema.TURN:
            problems.append(
                Problem(
                    f"{col} above 10 M",
                    col,
                    values > MAX_TOKENS_PER_CALL,
                    f"at most {MAX_TOKENS_PER_CALL:,} tokens per call",
                )
            )
        fractional = np.isfinite(values) & (values != np.round(values))
    problems.append(Problem(f"{col} not whole", col, fractional, "a whole number"))
    # Floats until bad rows are gone; cast_ints() makes them int64 afterwards.
    frame[col] = np.where(np.isfinite(values), values, np.nan)
    return filled


def cast_ints(frame: pd.DataFrame) -> pd.DataFrame:
    """int64 for complete count columns, nullable Int64 where an optional count is missing."""
    for col in schema.INT_COLUMNS:
        if col in frame.columns:
            values = frame[col]
            # Values above 2**53 were rejected (> 10 M tokens), so the float->int cast is exact.
            frame[col] = values.astype(np.int64) if values.notna().all() else values.round().astype("Int64")
    return frame


def _float_column(frame: pd.DataFrame, col: str, problems: list[Problem]) -> None:
    values, _missing, bad = _numbers(frame[col])
    problems.append(Problem(f"{col} not a number", col, bad, "a number"))
    with np.errstate(invalid="ignore"):
        problems.append(Problem(f"{col} not finite", col, np.isinf(values), "a finite number"))
        if col == schema.QUALITY or col.startswith(schema.QUALITY_PREFIX):
            problems.append(Problem(f"{col} outside 0..1", col, (values < 0) | (values > 1), "a score from 0 to 1"))
        elif col == schema.COST_USD:
            problems.append(Problem(f"negative {col}", col, values < 0, "a cost >= 0"))
    frame[col] = np.where(np.isfinite(values), values, np.nan)


def _bool_column(frame: pd.DataFrame, col: str, problems: list[Problem]) -> None:
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw.dtype):
        frame[col] = raw.astype("boolean")
        return
    text = raw.astype("string").str.strip().str.lower()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
    is_true = text.isin(_TRUE).to_numpy(dtype=bool, na_value=False)
    is_false = text.isin(_FALSE).to_numpy(dtype=bool, na_value=False)
    problems.append(Problem(f"{col} not true/false", col, ~missing & ~is_true & ~is_false, "true or false"))
    out = pd.array(is_true, dtype="boolean")
    out[missing | ~(is_true | is_false)] = pd.NA
    frame[col] = out


# pandas 3's default text dtype keeps NaN for missing values and stores strings in Arrow
# buffers (no Python object per row); pandas 2's "str" would turn NaN into "nan", so there
# text stays object.
_PANDAS_STR = int(pd.__version__.split(".")[0]) >= 3


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("str") if _PANDAS_STR else values.astype(object)


def _str_column(frame: pd.DataFrame, col: str, required: bool, problems: list[Problem]) -> None:
    raw = frame[col]
    text = raw.astype("str") if _PANDAS_STR else raw.astype(object).where(raw.notna())
    if required:
        stripped = text.astype("string").str.strip()
        missing = (stripped.isna() | (stripped == "")).to_numpy(dtype=bool, na_value=True)
        problems.append(Problem(f"missing {col}", col, missing, "a non-empty value"))
        text = _as_text(stripped).where(~missing)
    lengths = text.str.len().to_numpy(dtype=float, na_value=0.0)
    problems.append(
        Problem(
            f"{col} over {MAX_TEXT_CHARS // 2**20} Mi characters",
            col,
            lengths > MAX_TEXT_CHARS,
            f"a text of at most {MAX_TEXT_CHARS:,} characters (more than any model's context window; "
            "a longer one is usually an unclosed quote)",
        )
    )
    frame[col] = text


def normalize(frame: pd.DataFrame) -> Normalized:
    """Type every known column in place of the raw values; collect the problems found."""
    problems: list[Problem] = []
    out = frame.copy(deep=False)  # columns are replaced, not written into: raw stays intact
    ts = parse_timestamps(out[schema.TIMESTAMP])
    problems.append(Problem(f"missing {schema.TIMESTAMP}", schema.TIMESTAMP, ts.missing, "a date and time"))
    problems.append(
        Problem(
            f"unreadable {schema.TIMESTAMP}",
            schema.TIMESTAMP,
            ts.bad,
            "an ISO 8601 time or epoch seconds/milliseconds between 2000 and 2100",
        )
    )
    out[schema.TIMESTAMP] = ts.values  # same RangeIndex; to_numpy() would box 1 M Timestamps
    if schema.QUERY in out.columns:
        # A gateway's `messages` (mapped or found as the query): its last user message is the query.
        out[schema.QUERY] = query_from_messages(out[schema.QUERY])
    counted = {schema.INPUT_TOKENS: 0, schema.OUTPUT_TOKENS: 0}
    # Text columns are typed first: token counts may be filled from them.
    ordered = sorted(out.columns, key=lambda c: c not in schema.STR_COLUMNS)
    for col in ordered:
        if col in (schema.TIMESTAMP, schema.SOURCE_FILE, schema.SOURCE_ROW):
            continue
        if col in schema.INT_COLUMNS:
            counted_rows = _int_column(out, col, col in schema.REQUIRED, problems, _TEXT_FOR.get(col))
            if col in counted:
                counted[col] = counted_rows
        elif col in schema.FLOAT_COLUMNS or col.startswith(schema.QUALITY_PREFIX):
            _float_column(out, col, problems)
        elif col in schema.BOOL_COLUMNS:
            _bool_column(out, col, problems)
        elif col in schema.STR_COLUMNS:
            _str_column(out, col, col in schema.REQUIRED, problems)
    problems.append(_parts_within_input(out))
    return Normalized(
        out,
        tuple(p for p in problems if p.mask.any()),
        ts.naive_rows,
        counted[schema.INPUT_TOKENS],
        counted[schema.OUTPUT_TOKENS],
    )


def _parts_within_input(frame: pd.DataFrame) -> Problem:
    """system_tokens and history_tokens are parts of input_tokens: together at most the whole.
    A row where they exceed it would be priced one way and analysed another."""
    parts = [c for c in (schema.SYSTEM_TOKENS, schema.HISTORY_TOKENS) if c in frame.columns]
    if not parts or schema.INPUT_TOKENS not in frame.columns:
        return Problem("", schema.INPUT_TOKENS, np.zeros(len(frame), dtype=bool), "")
    total = np.nan_to_num(sum(frame[c].to_numpy(dtype=float, na_value=np.nan) for c in parts))
    whole = frame[schema.INPUT_TOKENS].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        over = total > whole
    return Problem(
        f"{' + '.join(parts)} above input_tokens",
        parts[0],
        over,
        f"{' + '.join(parts)} at most input_tokens (they are parts of it)",
    )
