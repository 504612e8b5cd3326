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
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import ConfigError, InputError
from advisor.core.schema import QueryLog
from advisor.core.tempdirs import TEMP_PREFIX
from advisor.ingest.load import load_log
from advisor.ingest.readers import format_of, list_files
from advisor.ingest.sampling.chunks import (
    Kept,
    Part,
    csv_chunks,
    jsonl_chunks,
    parquet_chunks,
    readable,
    take_batch,
    take_frame,
    take_lines,
    write_part_file,
)
from advisor.ingest.sampling.keys import has_conversation, sample_keys, sample_points


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
    read_map: Any = None,
) -> QueryLog:
    """Stream the log files and load a conversation sample of them as a QueryLog.

    fraction: keep this share of conversations. max_rows: keep at most this many rows
    (memory bound). With neither, or when nothing had to be left out, this is load_log.
    The result's `sample_fraction` is the share kept; a warning states the sample size and
    how it widens intervals.
    """
    check_sample_options(fraction, max_rows)
    if (fraction is None or fraction == 1) and max_rows is None:
        return load_log(paths, mapping=mapping, skip_bad_rows=skip_bad_rows, read_map=read_map)

    files = list_files(paths)
    kept = Kept(float(fraction or 1.0), max_rows)
    n_seen = n_with_conv = 0
    formats: list[str | None] = []
    take: Callable[[Any, np.ndarray], Any]
    for i, path in enumerate(files):
        fmt = format_of(path)
        formats.append(fmt)
        if fmt in ("csv", "tsv"):
            chunks, take = csv_chunks(path, "\t" if fmt == "tsv" else ",", mapping, skip_bad_rows), take_frame
        elif fmt == "jsonl":
            chunks, take = jsonl_chunks(path, mapping), take_lines
        elif fmt == "parquet":
            chunks, take = parquet_chunks(path, mapping), take_batch
        else:
            return load_log(paths, mapping=mapping, skip_bad_rows=skip_bad_rows)  # names the unsupported file
        for payload, conv, rows in readable(path, chunks):
            keys = sample_keys(conv, str(path), rows)
            n_with_conv += int(has_conversation(conv, len(rows)).sum())
            n_seen += len(rows)
            kept.add(Part(i, payload, sample_points(keys, seed), rows, take))
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


# Sample files hold raw query text. They live in a private (0700) temporary folder removed
# on return, on error and on SIGTERM/Ctrl-C (the CLI turns both into a clean exit); a folder
# left by a process killed with SIGKILL is removed by the next sampled run.
_ORPHAN = re.compile(rf"^{TEMP_PREFIX}(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphans() -> None:
    import shutil

    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{TEMP_PREFIX}*"):
        match = _ORPHAN.match(folder.name)
        if match and folder.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _load_kept(files: list[Path], formats: list, kept: Kept, mapping, skip_bad_rows: bool) -> QueryLog:
    _remove_orphans()
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        tmp_files: list[Path] = []
        origin: dict[str, tuple[Path, np.ndarray, str]] = {}
        for i, path in enumerate(files):
            parts = [p for p in kept.parts if p.file_index == i]
            if not parts:
                continue
            fmt = formats[i]
            out = Path(tmp) / f"{i:05d}-{path.name.removesuffix('.gz')}"
            write_part_file(fmt, parts, out, "\t" if fmt == "tsv" else ",")
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
        message = re.sub(re.escape(tmp_name) + r"((?:, (?:line|row) \d+)*)", _original_place(path, rows, fmt), message)
    return message


def _original_place(path: Path, rows: np.ndarray, fmt: str) -> Callable[[re.Match], str]:
    """A re.sub replacement: the original file, and the original line or row of each one named."""

    def where(m: re.Match) -> str:
        out = str(path)
        for unit, text in re.findall(r", (line|row) (\d+)", m.group(1) or ""):
            n = int(text)
            if unit == "line" and fmt in ("csv", "tsv"):
                # CSV line 1 is the header; data row k sits on line k + 1 (no multi-line fields).
                orig = rows[n - 2] + 1 if 2 <= n <= len(rows) + 1 else None
            else:
                orig = rows[n - 1] if 1 <= n <= len(rows) else None
            out += f", {unit} {orig}" if orig is not None else ""
        return out

    return where
