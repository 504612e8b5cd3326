"""Log files -> QueryLog (validated, normalized, one row per LLM call, sorted by time).

    load_log(paths, mapping=None, skip_bad_rows=False) -> QueryLog

Reads CSV, JSONL, Parquet (plain or .gz), folders of them, and OpenAI chat-completions
JSONL; maps gateway column names onto the schema; types and checks every value; fills
missing token counts from text; infers the provider from the model name. Bad input is an
InputError naming file, row or line, column, expectation, finding and fix, or, with
skip_bad_rows, rows skipped and counted by reason. Nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.core.schema import QueryLog, SkippedRows
from advisor.core.tokens import DEFAULT_ENCODING
from advisor.ingest import gateway
from advisor.ingest.csv_table import read_csv
from advisor.ingest.json_depth import MAX_JSON_DEPTH, blank_lines, too_deep_lines
from advisor.ingest.jsonl import first_object, read_jsonl
from advisor.ingest.mapping import is_schema_column
from advisor.ingest.parquet import read_parquet
from advisor.ingest.providers import infer_providers
from advisor.ingest.readers import RawTable, format_of, list_files, read_bytes
from advisor.ingest.stdin import is_spooled, stdin_named, stdin_paths, stdin_table, unique_files
from advisor.ingest.validate import Problem, cast_ints, normalize

__all__ = ["load_log"]

_TEXT_SOURCE = {schema.INPUT_TOKENS: schema.QUERY, schema.OUTPUT_TOKENS: schema.RESPONSE}


def _read_one(path: Path, mapping: dict[str, str] | None, skip_bad_rows: bool) -> RawTable:
    fmt = format_of(path)
    if fmt is None:
        raise InputError.at(
            str(path),
            expected="a .csv, .tsv, .jsonl, .ndjson, .json or .parquet file (optionally .gz)",
            found=f"the extension {''.join(path.suffixes) or '(none)'!r}",
            fix="Rename the file to the extension of its format, or convert it to CSV.",
        )
    if fmt in ("csv", "tsv"):
        found = None if mapping else gateway.from_csv(path, "\t" if fmt == "tsv" else ",")
        if found is not None:
            return found
        return read_csv(path, mapping, skip_bad_rows, sep="\t" if fmt == "tsv" else ",")
    if fmt == "parquet":
        return read_parquet(path, mapping)
    data = _shallow_enough(path, read_bytes(path), skip_bad_rows)
    found = None if mapping else gateway.from_json(str(path), data)
    if found is not None:
        return found
    head = first_object(data)
    if head is not None:
        from advisor.ingest.openai_chat import is_chat_record, read_openai_chat

        if is_chat_record(head):
            return read_openai_chat(path, data, skip_bad_rows)
    return read_jsonl(path, mapping, skip_bad_rows, data=data)


def _shallow_enough(path: Path, data: bytes, skip_bad_rows: bool) -> bytes:
    """Refuse (or blank, when skipping) JSON lines nested past MAX_JSON_DEPTH before a parser
    that would crash on them sees them."""
    deep = too_deep_lines(data)
    if not deep:
        return data
    if not skip_bad_rows:
        raise InputError.at(
            str(path),
            line=deep[0],
            expected=f"a JSON object nested at most {MAX_JSON_DEPTH} levels deep",
            found="deeper nesting",
            fix="Fix or remove the line, or use --skip-bad-rows to skip such lines.",
        )
    return blank_lines(data, deep)


def _check_required(table: RawTable) -> None:
    present = set(table.frame.columns)
    for col in schema.REQUIRED:
        if col in present or _TEXT_SOURCE.get(col) in present:
            continue
        found = list(table.ignored) or sorted(present)
        hint = f" or a {_TEXT_SOURCE[col]} text column to count from" if col in _TEXT_SOURCE else ""
        raise InputError.at(
            table.file,
            column=col,
            expected=f"a {col} column{hint}",
            found=f"no such column (unmapped columns: {', '.join(repr(c) for c in found[:12]) or 'none'})",
            fix=f"Map the column with --map {col}=<your column>.",
        )


def _found(value: object) -> str:
    if (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, str) and not value.strip())
    ):
        return "an empty value"
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_error(
    problems: tuple[Problem, ...], raw: pd.DataFrame, units: dict[str, str], every_row_bad: bool = False
) -> InputError:
    """The error for the earliest bad row in file order (the one a user would look at first)."""
    best: tuple[int, Problem] | None = None
    for p in problems:
        pos = int(np.flatnonzero(p.mask)[0])
        if best is None or pos < best[0]:
            best = (pos, p)
    assert best is not None, "called with at least one problem"
    pos, p = best
    file = str(raw[schema.SOURCE_FILE].iat[pos])
    number = int(raw[schema.SOURCE_ROW].to_numpy()[pos])
    where = {units.get(file, "row"): number}
    if every_row_bad:
        fix = "Every row has a problem like this one: check the file's format and the --map column mapping."
    else:
        fix = "Fix the value, or use --skip-bad-rows to skip such rows."
    return InputError.at(
        file, **where, column=p.column, expected=p.expected, found=_found(raw[p.column].iat[pos]), fix=fix
    )


# Record identifiers no analysis reads (request, trace, span ids...): nothing to map them to.
_IDENTIFIER = re.compile(r"(^|[_.\-])(id|uuid|guid|key)$|^(request|trace|span|call|event|log|run)[_.\-]?id", re.I)


def _ignored_warning(file: str, ignored: list[str]) -> str:
    """Which columns were left out; a mapping is suggested only for those that could hold a schema column."""

    def shown(cols: list[str]) -> str:
        return ", ".join(repr(c) for c in cols[:8]) + (", ..." if len(cols) > 8 else "")

    ids = [c for c in ignored if _IDENTIFIER.search(c)]
    rest = [c for c in ignored if c not in ids]
    parts = []
    if rest:
        parts.append(
            f"ignored {len(rest)} column(s) that map to no schema column: {shown(rest)} "
            "(if one holds a schema column, map it with --map <schema column>=<your column>)"
        )
    if ids:
        parts.append(f"ignored {len(ids)} record identifier column(s) no analysis reads: {shown(ids)}")
    return f"{file}: " + "; ".join(parts) + "."


def _warnings(tables: list[RawTable], norm, skipped: Counter[str], total_rows: int) -> list[str]:
    """What the user should know about how the log was read; nothing is left out silently."""
    warnings: list[str] = []
    for t in tables:
        warnings.extend(t.warnings)
        if t.ignored:
            warnings.append(_ignored_warning(t.file, list(t.ignored)))
    tokenizer = f"the offline {DEFAULT_ENCODING} tokenizer (bpe-openai)"
    for t in tables:
        if t.counted_rows:
            warnings.append(
                f"{t.file}: token counts missing from usage in {t.counted_rows} row(s) were counted "
                f"from the message text with {tokenizer}."
            )
    if norm.counted_input_rows:
        warnings.append(
            f"input_tokens counted from the query text in {norm.counted_input_rows} row(s) with "
            f"{tokenizer}; system prompt and history are not in the log, so these undercount input."
        )
    if norm.counted_output_rows:
        warnings.append(
            f"output_tokens counted from the response text in {norm.counted_output_rows} row(s) with {tokenizer}."
        )
    if norm.naive_timestamps:
        warnings.append(f"{norm.naive_timestamps} timestamp(s) had no time zone and were read as UTC.")
    if skipped:
        n = sum(skipped.values())
        reasons = ", ".join(f"{r} ({k})" for r, k in skipped.most_common())
        warnings.append(f"Skipped {n} of {total_rows} rows: {reasons}.")
    return warnings


def _read_tables(files: list[Path], mapping, skip_bad_rows: bool, read_map) -> list[RawTable]:
    """Each file read and checked; read_map (the Ray engine's) reads them side by side, and
    standard input is always read here."""
    reader = partial(_read_one, mapping=mapping, skip_bad_rows=skip_bad_rows)
    parallel = read_map is not None and len(files) > 1 and not any(is_spooled(p) for p in files)
    raws = list(read_map(reader, files)) if read_map is not None and parallel else None
    tables: list[RawTable] = []
    for i, path in enumerate(files):
        with stdin_named(path):
            table = stdin_table(path, raws[i] if raws is not None else reader(path))
            _check_required(table)
        tables.append(table)
    return tables


def load_log(
    paths,
    *,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    read_map: Callable[[Callable[[Path], RawTable], list[Path]], Iterable[RawTable]] | None = None,
) -> QueryLog:
    """Read, map, validate and normalize log files into one QueryLog.

    paths: a file, a folder, or a list of them. mapping: {schema column: your column}, as
    from parse_mapping / mapping_from_config. skip_bad_rows: drop and count bad rows instead
    of raising on the first one. read_map: a parallel `map` reading the files (one per file).
    """
    for target in mapping or {}:
        if not is_schema_column(target):
            raise InputError(
                f"mapping: expected a schema column as key ({', '.join(schema.KNOWN)}, or "
                f"quality__<model>), found {target!r}. Use e.g. {{'timestamp': 'created_at'}}."
            )
    files = unique_files(list_files(stdin_paths(paths)))
    tables = _read_tables(files, mapping, skip_bad_rows, read_map)

    units = {t.file: t.unit for t in tables}
    frames = []
    for t in tables:
        f = t.frame
        f[schema.SOURCE_FILE] = t.file
        f[schema.SOURCE_ROW] = t.rows
        frames.append(f)
    raw = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0].reset_index(drop=True)
    del frames
    for col, text_col in _TEXT_SOURCE.items():
        if col not in raw.columns and text_col in raw.columns:
            raw[col] = np.nan
    raw[schema.SOURCE_FILE] = raw[schema.SOURCE_FILE].astype("category")
    total_rows = len(raw) + sum(sum(t.skipped.values()) for t in tables)

    norm = normalize(raw)
    frame = norm.frame
    skipped: Counter[str] = Counter()
    for t in tables:
        skipped.update(t.skipped)
    if norm.problems:
        bad = np.zeros(len(frame), dtype=bool)
        for p in norm.problems:
            # Each row is counted under its first problem so the counts add up to the rows dropped.
            new = p.mask & ~bad
            if new.any():
                skipped[p.reason] += int(new.sum())
            bad |= p.mask
        if not skip_bad_rows or bad.all():
            raise _first_error(norm.problems, raw, units, every_row_bad=bool(bad.all()))
        frame = frame.loc[~bad]
    del raw

    warnings = _warnings(tables, norm, skipped, total_rows)
    frame = cast_ints(frame)
    frame, provider_warnings = infer_providers(frame)
    warnings.extend(provider_warnings)
    frame = frame.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)
    front = [c for c in schema.KNOWN if c in frame.columns]
    rest = [c for c in frame.columns if c not in front]
    frame = frame[front + rest]
    return QueryLog(
        frame=frame,
        sources=tuple(t.file for t in tables),
        warnings=tuple(warnings),
        skipped=SkippedRows(count=sum(skipped.values()), by_reason=dict(skipped)),
        tokens_counted_from_text=bool(
            norm.counted_input_rows or norm.counted_output_rows or any(t.counted_rows for t in tables)
        ),
    )
