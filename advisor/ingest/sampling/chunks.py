"""Log files -> chunks of raw rows with their conversation ids, and the kept rows so far.

    csv_chunks / jsonl_chunks / parquet_chunks(path, mapping, ...) -> (payload, ids, rows) per chunk
    Kept(threshold, max_rows).add(Part) -> the rows under the (only decreasing) threshold

Files are read CHUNK_ROWS rows at a time and kept unparsed (a DataFrame of strings, a pyarrow
RecordBatch, or raw JSONL lines), so memory is max_rows + one chunk.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest.mapping import resolve_columns
from advisor.ingest.sampling.keys import bottom_k_threshold

CHUNK_ROWS = 100_000  # rows read at a time; memory is max_rows + one chunk


@dataclasses.dataclass
class Part:
    file_index: int
    payload: Any  # DataFrame (CSV), pyarrow RecordBatch (Parquet) or object array of lines (JSONL)
    points: np.ndarray
    rows: np.ndarray
    take: Callable[[Any, np.ndarray], Any]


class Kept:
    """The rows kept so far and the current threshold (it only ever decreases)."""

    def __init__(self, threshold: float, max_rows: int | None):
        self.threshold = threshold
        self.max_rows = max_rows
        self.parts: list[Part] = []
        self.n = 0

    def add(self, part: Part) -> None:
        mask = part.points < self.threshold
        if mask.any():
            self.parts.append(filtered(part, mask))
            self.n += int(mask.sum())
        if self.max_rows is not None and self.n > self.max_rows:
            self.threshold = min(
                self.threshold, bottom_k_threshold(np.concatenate([p.points for p in self.parts]), self.max_rows)
            )
            self.parts = [filtered(p, p.points < self.threshold) for p in self.parts]
            self.parts = [p for p in self.parts if len(p.rows)]
            self.n = sum(len(p.rows) for p in self.parts)


def filtered(part: Part, mask: np.ndarray) -> Part:
    return dataclasses.replace(
        part, payload=part.take(part.payload, mask), points=part.points[mask], rows=part.rows[mask]
    )


def readable(path: Path, chunks: Iterator[tuple[Any, Any, np.ndarray]]) -> Iterator[tuple[Any, Any, np.ndarray]]:
    """The chunks of one file; a truncated or damaged gzip stream is one clean InputError."""
    try:
        yield from chunks
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError.at(
            str(path),
            expected="a complete gzip file",
            found=f"a damaged or truncated one ({' '.join(str(exc).split())[:120]})",
            fix="Re-export or re-compress the file.",
        ) from None


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _conversation_source(columns: list[str], mapping: dict[str, str] | None) -> str | None:
    try:
        rename = resolve_columns(columns, mapping)
    except KeyError:
        return None  # a mapped column is missing: load_log reports it on the sample
    return next((src for src, dst in rename.items() if dst == schema.CONVERSATION_ID), None)


def csv_chunks(path: Path, sep: str, mapping, skip_bad_rows: bool) -> Iterator[tuple[Any, Any, np.ndarray]]:
    # Every value as the exact text of the file, so the sample file says what the log said.
    kwargs: dict[str, Any] = {
        "sep": sep,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "encoding": "utf-8-sig",
        "chunksize": CHUNK_ROWS,
        "compression": "gzip" if _is_gzip(path) else None,
    }
    if skip_bad_rows:
        kwargs.update(engine="python", on_bad_lines="skip")
    start = 0
    conv = None
    try:
        for chunk in pd.read_csv(path, **kwargs):
            if start == 0:
                conv = _conversation_source([c.lstrip() for c in chunk.columns], mapping)
            chunk.columns = [c.lstrip() for c in chunk.columns]
            rows = np.arange(start + 1, start + len(chunk) + 1, dtype=np.int64)
            start += len(chunk)
            yield chunk, (chunk[conv].to_numpy(dtype=object) if conv else None), rows
    except pd.errors.EmptyDataError:
        return  # load_log names the empty file when nothing is sampled from it
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError.at(
            str(path),
            line=int(m.group(1)) if m else None,
            expected="well-formed CSV",
            found=" ".join(str(exc).split())[:160],
            fix="Fix the file, or use --skip-bad-rows to skip such lines.",
        ) from None


def _flat_get(obj: Any, dotted: str) -> Any:
    # JSONL nesting is read as dotted names ("usage.prompt_tokens"), as ingest does.
    if isinstance(obj, dict) and dotted in obj:
        return obj[dotted]
    head, _, rest = dotted.partition(".")
    if rest and isinstance(obj, dict) and isinstance(obj.get(head), dict):
        return _flat_get(obj[head], rest)
    return None


def _flat_keys(obj: dict, prefix: str = "") -> Iterator[str]:
    for k, v in obj.items():
        if isinstance(v, dict):
            yield from _flat_keys(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def jsonl_chunks(path: Path, mapping) -> Iterator[tuple[Any, Any, np.ndarray]]:
    opener = gzip.open if _is_gzip(path) else open
    conv_by_keys: dict[frozenset[str], str | None] = {}
    lines: list[bytes] = []
    ids: list[Any] = []
    numbers: list[int] = []
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            conv_id = None
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError):
                obj = None  # kept or dropped by its row; load_log names or counts it if sampled
            if isinstance(obj, dict):
                keys = frozenset(_flat_keys(obj))
                if keys not in conv_by_keys:
                    conv_by_keys[keys] = _conversation_source(sorted(keys), mapping)
                src = conv_by_keys[keys]
                value = _flat_get(obj, src) if src else None
                conv_id = None if value is None or isinstance(value, (dict, list)) else str(value)
            lines.append(raw)
            ids.append(conv_id)
            numbers.append(number)
            if len(lines) >= CHUNK_ROWS:
                yield np.array(lines, dtype=object), np.array(ids, dtype=object), np.array(numbers, dtype=np.int64)
                lines, ids, numbers = [], [], []
    if lines:
        yield np.array(lines, dtype=object), np.array(ids, dtype=object), np.array(numbers, dtype=np.int64)


def parquet_chunks(path: Path, mapping) -> Iterator[tuple[Any, Any, np.ndarray]]:
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(gzip.open(path, "rb")) if _is_gzip(path) else str(path)
        yield from _parquet_batches(path, source, mapping)


def _parquet_batches(path: Path, source: Any, mapping) -> Iterator[tuple[Any, Any, np.ndarray]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(source)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError.at(
            str(path),
            expected="a readable Parquet file",
            found=f"a damaged or different file ({' '.join(str(exc).split())[:120]})",
            fix="Re-export the file, or give it the extension of its real format.",
        ) from None
    conv = _conversation_source(pf.schema_arrow.names, mapping)
    start = 0
    for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
        rows = np.arange(start + 1, start + batch.num_rows + 1, dtype=np.int64)
        start += batch.num_rows
        ids = None
        if conv:
            col = batch.column(pf.schema_arrow.names.index(conv)).to_pandas()
            ids = col.astype(object).where(col.notna()).map(_id_text, na_action="ignore").to_numpy(dtype=object)
        yield batch, ids, rows


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 123.0 from a float column is the id "123", as in a CSV
    return str(value)


def take_frame(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return frame.loc[mask]


def take_batch(batch, mask: np.ndarray):
    import pyarrow as pa

    return batch.filter(pa.array(mask))


def take_lines(lines: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return lines[mask]


def write_part_file(fmt: str, parts: list[Part], out: Path, sep: str) -> None:
    if fmt in ("csv", "tsv"):
        pd.concat([p.payload for p in parts]).to_csv(out, index=False, sep=sep)
    elif fmt == "jsonl":
        out.write_bytes(b"\n".join(line for p in parts for line in p.payload) + b"\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_batches([p.payload for p in parts]), out)


# ------------------------------------------------------------------------------ the entry point
