"""Exports of LLM gateways and tracers -> RawTable, recognised by their fields (no --map).

One module per format turns a record into schema columns: litellm_logs, langfuse, helicone,
otel_genai, openai_batch, openai_responses, braintrust. Each has NAME, matches(record) and
to_row(record), and optionally is_call(record) for exports that also hold spans that are not
model calls. Failed requests are counted apart (reported as skipped rows, never priced).
"""

from __future__ import annotations

import gzip
import io
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.ingest import (
    braintrust,
    helicone,
    langfuse,
    litellm_logs,
    openai_batch,
    openai_responses,
    otel_genai,
)
from advisor.ingest.gateway_fields import FAILED, clean
from advisor.ingest.gateway_json import records as json_records
from advisor.ingest.readers import RawTable, id_text, no_rows_error

FORMATS: tuple[ModuleType, ...] = (
    braintrust,
    otel_genai,
    openai_batch,
    openai_responses,
    litellm_logs,
    langfuse,
    helicone,
)
_SNIFF = 20  # records looked at to recognise a format
FAILED_REASON = "failed request (not priced)"


def detect(records: list) -> ModuleType | None:
    for record in records[:_SNIFF]:
        if isinstance(record, dict):
            for fmt in FORMATS:
                if fmt.matches(record):
                    return fmt
    return None


def build_table(file: str, fmt: ModuleType, records: list, numbers: list[int], unit: str) -> RawTable:
    rows: list[dict] = []
    kept: list[int] = []
    skipped: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    not_calls = 0
    for record, number in zip(records, numbers):
        if not isinstance(record, dict):
            skipped["not a JSON object"] += 1
            continue
        if hasattr(fmt, "is_call") and not fmt.is_call(record):
            not_calls += 1
            continue
        row = fmt.to_row(record)
        why = row.pop(FAILED, None)
        if why is not None:
            skipped[FAILED_REASON] += 1
            failures[str(why)] += 1
            continue
        rows.append({k: clean(v) for k, v in row.items()})
        kept.append(number)
    if not rows:
        raise no_rows_error(file, skipped or Counter({"not an LLM call": not_calls}))
    frame = pd.DataFrame(rows).dropna(axis=1, how="all")
    for col in frame.columns:
        if col in schema.STR_COLUMNS:
            frame[col] = frame[col].astype(object).map(id_text, na_action="ignore")
    warnings = [f"{file}: read as {fmt.NAME} ({len(rows)} call(s))."]
    if failures:
        detail = ", ".join(f"{why}: {k}" for why, k in failures.most_common())
        warnings.append(f"{file}: {sum(failures.values())} failed request(s) counted apart, not priced ({detail}).")
    if not_calls:
        warnings.append(f"{file}: {not_calls} record(s) without a model and token usage (not LLM calls) left out.")
    return RawTable(file, frame, np.asarray(kept, dtype=np.int64), unit, (), dict(skipped), 0, tuple(warnings))


_HEAD = 1 << 20  # bytes decoded to recognise a format: a big JSONL file is not decoded twice
_WHOLE = 256 << 20  # a first document longer than the head (an envelope) is parsed up to this size


def _first_records(data: bytes) -> list:
    """The records of the file's first JSON document, or [] when it is not JSON."""
    head = data[:_HEAD].decode("utf-8", errors="ignore")
    try:
        return json_records(head, limit=1)[0]
    except ValueError:
        if len(data) <= _HEAD or len(data) > _WHOLE:
            return []
    try:
        return json_records(data.decode("utf-8"), limit=1)[0]
    except ValueError:
        return []


def from_json(file: str, data: bytes) -> RawTable | None:
    """The table when `data` is a gateway export in JSON, JSONL or concatenated JSON; else None."""
    fmt = detect(_first_records(data))
    if fmt is None:
        return None
    try:
        records, numbers, unit = json_records(data.decode("utf-8"))
    except ValueError:
        return None  # the line-by-line reader names the broken line or byte
    return build_table(file, fmt, records, numbers, unit)


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with path.open("rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(size)
    except (OSError, EOFError):
        return b""


def from_csv(path: Path, sep: str) -> RawTable | None:
    """The table when the CSV/TSV file is a gateway export (recognised by its header); else None."""
    from advisor.ingest.readers import read_bytes

    head = _head(path)
    try:
        sample = pd.read_csv(io.BytesIO(head), sep=sep, dtype=str, keep_default_na=False, nrows=_SNIFF)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    fmt = detect(sample.to_dict("records"))
    if fmt is None:
        return None
    try:
        frame = pd.read_csv(io.BytesIO(read_bytes(path)), sep=sep, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError):
        return None  # the CSV reader names the bad row
    records = frame.to_dict("records")
    return build_table(str(path), fmt, records, list(range(1, len(records) + 1)), "row")
