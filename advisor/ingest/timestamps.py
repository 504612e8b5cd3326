"""Timestamps of any common shape -> UTC datetime64[ns].

Accepts ISO 8601 strings with or without a zone (mixed zones allowed), other date strings
pandas can read, epoch numbers in seconds, milliseconds, microseconds or nanoseconds, and
datetime columns from Parquet. Everything is vectorized; only strings that ISO 8601 parsing
rejects go through pandas' slower mixed-format parser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Epoch magnitude -> unit. 1e11 s is the year 5138 and 1e11 ms is 1973, so a value's size
# tells its unit for any date after 1973 (logs of LLM calls are all after 2020).
_NS_PER_UNIT = ((1e11, 1_000_000_000), (1e14, 1_000_000), (1e17, 1_000), (np.inf, 1))
_ZONE_SUFFIX = r"(?:[zZ]|[+-]\d\d:?\d\d|UTC|GMT)\s*$"
_NUMBER = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"

# Timestamps outside this window are read errors (a wrong unit, a typo), not LLM calls.
_EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
_LATEST = pd.Timestamp("2100-01-01", tz="UTC")


@dataclass(frozen=True)
class ParsedTimestamps:
    values: pd.Series  # datetime64[ns, UTC]; NaT where missing or bad
    missing: np.ndarray  # bool: no value at all
    bad: np.ndarray  # bool: a value that is not a readable time
    naive_rows: int  # rows read as UTC because they had no zone


def _from_epoch(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epoch numbers (float64, NaN allowed) -> (int64 ns since epoch, ok mask)."""
    mag = np.abs(numbers)
    factor = np.select([mag < lim for lim, _ in _NS_PER_UNIT], [f for _, f in _NS_PER_UNIT], default=1)
    with np.errstate(invalid="ignore", over="ignore"):
        ns = numbers * factor
    ok = np.isfinite(ns) & (np.abs(ns) < 9.2e18)
    return np.where(ok, ns, 0).astype(np.int64), ok


def _matches(strings: pd.Series, pattern: str) -> np.ndarray:
    """Regex match per string; pyarrow's RE2 is ~20x faster than pandas' per-row regex."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(strings.array if isinstance(strings.dtype, pd.StringDtype) else strings.astype("string").array)
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False).astype(bool)


def _in_window(ts: pd.Series) -> np.ndarray:
    return ((ts >= _EARLIEST) & (ts < _LATEST)).to_numpy(dtype=bool, na_value=False)


def parse_timestamps(raw: pd.Series) -> ParsedTimestamps:
    """Parse one column; never raises for bad values, it marks them instead."""
    index = raw.index
    n = len(raw)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        ts = raw.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        missing = raw.isna().to_numpy()
        return ParsedTimestamps(ts, missing, ~missing & ~_in_window(ts), 0)
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        ts = raw.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
        missing = raw.isna().to_numpy()
        inside = _in_window(ts)
        return ParsedTimestamps(ts, missing, ~missing & ~inside, int((~missing & inside).sum()))

    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        text = raw.astype("string").str.strip()
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
        text = text.mask(missing)
        numbers = np.full(n, np.nan)
        numeric = ~missing & _matches(text.fillna(""), _NUMBER)
        if numeric.any():  # to_numeric on 1 M ISO strings that all fail costs ~1 s: only try numbers
            numbers[numeric] = pd.to_numeric(text[numeric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_bool_dtype(raw.dtype):
        missing = raw.isna().to_numpy()
        bad = ~missing
        return ParsedTimestamps(pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]"), missing, bad, 0)
    else:
        text = None
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(numbers)

    ns = np.zeros(n, dtype=np.int64)
    good = np.zeros(n, dtype=bool)
    is_number = ~np.isnan(numbers)
    if is_number.any():
        epoch_ns, ok = _from_epoch(numbers)
        use = is_number & ok
        ns[use] = epoch_ns[use]
        good |= use
    naive = np.zeros(n, dtype=bool)
    if text is not None:
        todo = ~missing & ~is_number
        if todo.any():
            strings = text[todo]
            parsed = pd.to_datetime(strings, utc=True, format="ISO8601", errors="coerce")
            retry = parsed.isna().to_numpy()
            if retry.any():
                # Non-ISO strings ("11/29/2026 10:00", "Sun, 29 Nov 2026 ...") go through the
                # slow mixed parser, only for the rows that need it.
                again = pd.to_datetime(strings[retry], utc=True, format="mixed", errors="coerce")
                parsed = parsed.copy()
                parsed[retry] = again
            ok = parsed.notna().to_numpy()
            positions = np.flatnonzero(todo)
            ns[positions[ok]] = parsed[ok].to_numpy(dtype="datetime64[ns]").view(np.int64)
            good[positions[ok]] = True
            naive[positions] = ~_matches(strings, _ZONE_SUFFIX)
    values = pd.Series(ns.view("datetime64[ns]"), index=index).dt.tz_localize("UTC")
    values = values.where(good)
    good &= _in_window(values)
    values = values.where(good)
    bad = ~missing & ~good
    return ParsedTimestamps(values, missing, bad, int((naive & good).sum()))
