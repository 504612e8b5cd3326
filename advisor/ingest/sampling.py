"""Logs larger than memory: log files -> a sampled QueryLog that keeps whole conversations.

    sample_points(keys, seed) -> float64 in [0, 1)          (pure: where each key falls)
    sample_keys(conversation_ids, file, rows) -> str keys    (pure: conversation, else row)
    load_sampled_log(paths, fraction=, max_rows=, seed=, mapping=, skip_bad_rows=) -> QueryLog

A call is kept when the hash point of its key is below a threshold. The key is the
conversation id, so a conversation is kept or dropped whole (history, turns and cost per
conversation stay intact); a row without a conversation id is keyed by its file and row.
`fraction` sets the threshold directly. `max_rows` bounds memory: the files are streamed in
chunks and, whenever more than `max_rows` rows are held, the threshold drops to the hash
point that leaves at most `max_rows` (a bottom-k sample). Either way every conversation is
kept with probability equal to the final threshold, which is the `sample_fraction` the
cost model divides monthly figures by.

The kept rows are written, unchanged, to temporary files of the same format and read by
`advisor.ingest.load_log`, so a sample is validated exactly like a full log; messages and
the `_source_file` / `_source_row` columns are mapped back to the original files and rows.
Rows left out of the sample are not validated.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import math
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import ConfigError, InputError
from advisor.core.schema import QueryLog

CHUNK_ROWS = 100_000  # rows read at a time; memory is max_rows + one chunk


# ------------------------------------------------------------------------------ pure parts


def _hash_key(seed: int) -> str:
    # pandas' SipHash takes a 16-byte key; derive it from the seed so samples differ by seed.
    return hashlib.sha256(str(int(seed)).encode()).hexdigest()[:16]


def sample_points(keys: np.ndarray, seed: int) -> np.ndarray:
    """Each key's position in [0, 1): SipHash of the key under a seed-derived key, top 53 bits.

    Deterministic across runs and machines; equal keys get equal points.
    """
    keys = np.asarray(keys, dtype=object)
    if len(keys) == 0:
        return np.zeros(0)
    h = pd.util.hash_array(keys, hash_key=_hash_key(seed), categorize=False)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def has_conversation(conversation_ids: np.ndarray | None, n: int) -> np.ndarray:
    """Which rows carry a conversation id (not missing, not empty)."""
    if conversation_ids is None:
        return np.zeros(n, dtype=bool)
    ids = pd.Series(conversation_ids, dtype=object)
    return (ids.notna() & (ids.fillna("").astype(str) != "")).to_numpy()


def sample_keys(conversation_ids: np.ndarray | None, file: str, rows: np.ndarray) -> np.ndarray:
    """ "c:<conversation id>" where there is one, else "r:<file>:<row>" (the row on its own)."""
    out = (f"r:{file}:" + pd.Series(rows, dtype=np.int64).astype(str)).to_numpy(dtype=object)
    has = has_conversation(conversation_ids, len(rows))
    if has.any():
        ids = pd.Series(np.asarray(conversation_ids, dtype=object)[has], dtype=object).astype(str)
        out[has] = ("c:" + ids).to_numpy(dtype=object)
    return out


def bottom_k_threshold(points: np.ndarray, max_rows: int) -> float:
    """The largest threshold that keeps at most `max_rows` of `points` (strictly below it)."""
    if len(points) <= max_rows:
        return 1.0
    return float(np.partition(points, max_rows)[max_rows])


# ------------------------------------------------------------------------------ streaming


@dataclasses.dataclass
class _Part:
    file_index: int
    payload: Any  # DataFrame (CSV), pyarrow RecordBatch (Parquet) or object array of lines (JSONL)
    points: np.ndarray
    rows: np.ndarray
    take: Callable[[Any, np.ndarray], Any]


class _Kept:
    """The rows kept so far and the current threshold (it only ever decreases)."""

    def __init__(self, threshold: float, max_rows: int | None):
        self.threshold = threshold
        self.max_rows = max_rows
        self.parts: list[_Part] = []
        self.n = 0

    def add(self, part: _Part) -> None:
        mask = part.points < self.threshold
        if mask.any():
            self.parts.append(_filtered(part, mask))
            self.n += int(mask.sum())
        if self.max_rows is not None and self.n > self.max_rows:
            self.threshold = min(
                self.threshold, bottom_k_threshold(np.concatenate([p.points for p in self.parts]), self.max_rows)
            )
            self.parts = [_filtered(p, p.points < self.threshold) for p in self.parts]
            self.parts = [p for p in self.parts if len(p.rows)]
            self.n = sum(len(p.rows) for p in self.parts)


def _filtered(part: _Part, mask: np.ndarray) -> _Part:
    return dataclasses.replace(
        part, payload=part.take(part.payload, mask), points=part.points[mask], rows=part.rows[mask]
    )


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _conversation_source(columns: list[str], mapping: dict[str, str] | None) -> str | None:
    from advisor.ingest.mapping import resolve_columns

    try:
        rename = resolve_columns(columns, mapping)
    except KeyError:
        return None  # a mapped column is missing: load_log reports it on the sample
    return next((src for src, dst in rename.items() if dst == schema.CONVERSATION_ID), None)


def _csv_chunks(path: Path, sep: str, mapping, skip_bad_rows: bool) -> Iterator[tuple[Any, Any, np.ndarray]]:
    # Every value as the exact text of the file, so the sample file says what the log said.
    kwargs: dict[str, Any] = dict(
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8-sig",
        chunksize=CHUNK_ROWS,
        compression="gzip" if _is_gzip(path) else None,
    )
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


def _jsonl_chunks(path: Path, mapping) -> Iterator[tuple[Any, Any, np.ndarray]]:
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
            except ValueError:
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


def _parquet_chunks(path: Path, mapping) -> Iterator[tuple[Any, Any, np.ndarray]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = gzip.open(path, "rb") if _is_gzip(path) else str(path)
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


def _take_frame(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return frame.loc[mask]


def _take_batch(batch, mask: np.ndarray):
    import pyarrow as pa

    return batch.filter(pa.array(mask))


def _take_lines(lines: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return lines[mask]


def _write(fmt: str, parts: list[_Part], out: Path, sep: str) -> None:
    if fmt in ("csv", "tsv"):
        pd.concat([p.payload for p in parts]).to_csv(out, index=False, sep=sep)
    elif fmt == "jsonl":
        out.write_bytes(b"\n".join(line for p in parts for line in p.payload) + b"\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_batches([p.payload for p in parts]), out)


# ------------------------------------------------------------------------------ the entry point


def check_sample_options(fraction: float | None, max_rows: int | None) -> None:
    if fraction is not None and (
        isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1
    ):
        raise ConfigError.setting("sample_fraction", "a number in (0, 1]", fraction)
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
        raise ConfigError.setting("max_rows", "an integer >= 1", max_rows)


def load_sampled_log(
    paths,
    *,
    fraction: float | None = None,
    max_rows: int | None = None,
    seed: int = 0,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
) -> QueryLog:
    """Stream the log files and load a conversation sample of them as a QueryLog.

    fraction: keep this share of conversations. max_rows: keep at most this many rows
    (memory bound). With neither, or when nothing had to be left out, this is load_log.
    The result's `sample_fraction` is the share kept; a warning states the sample size and
    how it widens intervals.
    """
    from advisor.ingest import load_log

    check_sample_options(fraction, max_rows)
    if (fraction is None or fraction == 1) and max_rows is None:
        return load_log(paths, mapping=mapping, skip_bad_rows=skip_bad_rows)
    from advisor.ingest.readers import format_of, list_files

    files = list_files(paths)
    kept = _Kept(float(fraction or 1.0), max_rows)
    n_seen = n_with_conv = 0
    formats: list[str | None] = []
    for i, path in enumerate(files):
        fmt = format_of(path)
        formats.append(fmt)
        if fmt in ("csv", "tsv"):
            chunks, take = _csv_chunks(path, "\t" if fmt == "tsv" else ",", mapping, skip_bad_rows), _take_frame
        elif fmt == "jsonl":
            chunks, take = _jsonl_chunks(path, mapping), _take_lines
        elif fmt == "parquet":
            chunks, take = _parquet_chunks(path, mapping), _take_batch
        else:
            return load_log(paths, mapping=mapping, skip_bad_rows=skip_bad_rows)  # names the unsupported file
        for payload, conv, rows in chunks:
            keys = sample_keys(conv, str(path), rows)
            n_with_conv += int(has_conversation(conv, len(rows)).sum())
            n_seen += len(rows)
            kept.add(_Part(i, payload, sample_points(keys, seed), rows, take))
    if kept.threshold >= 1.0:
        return load_log(files, mapping=mapping, skip_bad_rows=skip_bad_rows)
    if kept.n == 0:
        raise InputError.at(
            ", ".join(map(str, files)),
            expected="at least one call in the sample",
            found=f"none of {n_seen:,} rows at a sample fraction of {kept.threshold:.3g}",
            fix="Raise --sample-fraction or --max-rows.",
        )
    log = _load_kept(files, formats, kept, mapping, skip_bad_rows)
    by = (
        "by conversation"
        if n_with_conv == n_seen
        else "by row (no conversation_id)"
        if n_with_conv == 0
        else "by conversation; rows without conversation_id by row"
    )
    f = kept.threshold
    note = (
        f"Analysed a {f:.1%} sample ({log.n_calls:,} of {n_seen:,} calls, {by}, seed {seed}): monthly figures "
        f"are scaled by 1/{f:.4g}, and intervals of volume-driven figures widen by about 1/sqrt(f) = "
        f"{1 / math.sqrt(f):.2f}x compared with analysing the whole log."
    )
    return dataclasses.replace(log, warnings=(note,) + log.warnings, sample_fraction=f)


def _load_kept(files: list[Path], formats: list, kept: _Kept, mapping, skip_bad_rows: bool) -> QueryLog:
    from advisor.ingest import load_log

    with tempfile.TemporaryDirectory(prefix="advisor-sample-") as tmp:
        tmp_files: list[Path] = []
        origin: dict[str, tuple[Path, np.ndarray, str]] = {}
        for i, path in enumerate(files):
            parts = [p for p in kept.parts if p.file_index == i]
            if not parts:
                continue
            fmt = formats[i]
            out = Path(tmp) / f"{i:05d}-{path.name.removesuffix('.gz')}"
            _write(fmt, parts, out, "\t" if fmt == "tsv" else ",")
            tmp_files.append(out)
            origin[str(out)] = (path, np.concatenate([p.rows for p in parts]), fmt)
        try:
            log = load_log(tmp_files, mapping=mapping, skip_bad_rows=skip_bad_rows)
        except InputError as exc:
            raise type(exc)(_translate(str(exc), origin)) from None
    frame = log.frame.copy()
    tmp_of_row = frame[schema.SOURCE_FILE].astype(str).to_numpy()
    tmp_rows = frame[schema.SOURCE_ROW].to_numpy(dtype=np.int64)
    files_out = np.empty(len(frame), dtype=object)
    rows_out = np.empty(len(frame), dtype=np.int64)
    for tmp_name, (path, rows, _fmt) in origin.items():
        sel = tmp_of_row == tmp_name
        files_out[sel] = str(path)
        rows_out[sel] = rows[tmp_rows[sel] - 1]
    frame[schema.SOURCE_FILE] = pd.Categorical(files_out)
    frame[schema.SOURCE_ROW] = rows_out
    warnings = tuple(_translate(w, origin) for w in log.warnings)
    return dataclasses.replace(log, frame=frame, sources=tuple(str(f) for f in files), warnings=warnings)


def _translate(message: str, origin: dict[str, tuple[Path, np.ndarray, str]]) -> str:
    """Name the original file and row in a message about a sample file."""
    for tmp_name, (path, rows, fmt) in origin.items():

        def where(m: re.Match) -> str:
            out = str(path)
            for unit, n in re.findall(r", (line|row) (\d+)", m.group(1) or ""):
                n = int(n)
                if unit == "line" and fmt in ("csv", "tsv"):
                    # CSV line 1 is the header; data row k sits on line k + 1 (no multi-line fields).
                    orig = rows[n - 2] + 1 if 2 <= n <= len(rows) + 1 else None
                else:
                    orig = rows[n - 1] if 1 <= n <= len(rows) else None
                out += f", {unit} {orig}" if orig is not None else ""
            return out

        message = re.sub(re.escape(tmp_name) + r"((?:, (?:line|row) \d+)*)", where, message)
    return message
