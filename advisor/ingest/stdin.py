"""`-` as a log path (standard input), and each file read once however it was named.

Standard input is spooled to a temporary file named by what its first bytes look like
(`{` or `[`: JSON/JSONL, else CSV), so every reader works on it unchanged; the file lives in
the process's temp folder and is removed at exit.
"""

from __future__ import annotations

import atexit
import dataclasses
import gzip
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisor.core.errors import InputError
from advisor.ingest.readers import RawTable

STDIN = "-"
STDIN_NAME = "<stdin>"  # how messages name standard input
_SPOOLED: set[str] = set()


def _spool() -> Path:
    data = sys.stdin.buffer.read()
    head = gzip.decompress(data)[:64] if data[:2] == b"\x1f\x8b" else data[:64]
    suffix = ".jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else ".csv"
    fd, name = tempfile.mkstemp(prefix="advisor-stdin-", suffix=suffix + (".gz" if data[:2] == b"\x1f\x8b" else ""))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    atexit.register(lambda: Path(name).unlink(missing_ok=True))
    _SPOOLED.add(name)
    return Path(name)


def is_spooled(path: Path) -> bool:
    """Whether `path` is this process's spooled copy of standard input."""
    return str(path) in _SPOOLED


def stdin_table(path: Path, table: RawTable) -> RawTable:
    """The table named <stdin> (in warnings and row locations) when it came from standard input."""
    if str(path) not in _SPOOLED:
        return table
    warnings = tuple(w.replace(str(path), STDIN_NAME) for w in table.warnings)
    return dataclasses.replace(table, file=STDIN_NAME, warnings=warnings)


@contextmanager
def stdin_named(path: Path) -> Iterator[None]:
    """Errors about the spooled copy of standard input name <stdin>, not the temporary file."""
    try:
        yield
    except InputError as exc:
        if str(path) not in _SPOOLED:
            raise
        raise type(exc)(str(exc).replace(str(path), STDIN_NAME)) from None


def stdin_paths(paths):
    """`paths` with `-` replaced by a spooled copy of standard input (read once)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if STDIN not in [str(p) for p in items]:
        return paths
    spooled = _spool()
    return [spooled if str(p) == STDIN else p for p in items]


def unique_files(files: list[Path]) -> list[Path]:
    """Each file once, in first-seen order (a folder and a file inside it, or a path given twice)."""
    seen: set[Path] = set()
    out: list[Path] = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
