"""Paths -> files and bytes, and what every reader shares: the RawTable it returns, column
renaming, and the one-line errors for undecodable or empty files.

The readers themselves: csv_table.py (CSV/TSV), parquet.py, jsonl.py, openai_chat.py. Every
table carries the 1-based row (CSV/Parquet) or line (JSONL) of each record so that later
errors can point at it.
"""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest.mapping import resolve_columns

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
SKIP_FIX = "Fix the file, or use --skip-bad-rows to skip such rows."


@dataclass(frozen=True)
class RawTable:
    """One file's records, columns renamed to schema names, values not yet validated."""

    file: str
    frame: pd.DataFrame
    rows: np.ndarray  # int64, 1-based row or line of each record
    unit: str  # "row" or "line": what `rows` counts
    ignored: tuple[str, ...] = ()  # source columns nothing maps to
    skipped: dict[str, int] = field(default_factory=dict)  # unreadable records by reason
    counted_rows: int = 0  # rows whose token counts were derived from text here
    warnings: tuple[str, ...] = ()


def list_files(paths: str | Path | list[str | Path] | tuple[str | Path, ...]) -> list[Path]:
    """Expand the given paths; a folder contributes its supported files in sorted order."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise InputError("load_log: expected at least one log file or folder, found none. Pass a path.")
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            # Hidden files (".~lock.x.csv#", macOS "._x.csv") are editor or OS droppings, not logs.
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and format_of(f) is not None
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise InputError.at(
                    str(p),
                    expected="a folder holding .csv, .jsonl or .parquet files (optionally .gz)",
                    found="no such files",
                    fix="Point at the log files or a folder that holds them.",
                )
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise InputError.at(
                str(p), expected="an existing log file or folder", found="nothing at that path", fix="Check the path."
            )
    return _once_each(files)


def _once_each(files: list[Path]) -> list[Path]:
    """The same file named twice (or reached through a folder, a symlink or another spelling)
    is read once: counting its calls twice would double every monthly figure."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for f in files:
        st = f.stat()
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


# A whole log is read into memory; past this many bytes of text (after gunzip) advisor asks
# for the streamed, sampled path instead, which holds only the sample (docs/reliability.md).
MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024


def gunzip_bounded(path: Path, data: bytes, limit: int | None = None) -> bytes:
    """gunzip `data`, refusing output past `limit` bytes (a 2 MB file can expand to GBs).

    A first pass only counts (64 MiB at a time, output dropped), so a file that expands too
    far is refused without ever holding its text; a file within the limit is then inflated
    once, at its final size."""
    limit = MAX_WHOLE_FILE_BYTES if limit is None else limit
    total, rest = 0, data
    while rest:
        inflate = zlib.decompressobj(wbits=31)  # gzip members, one after another
        while rest and not inflate.eof:
            total += len(inflate.decompress(rest, 64 * 2**20))
            if total > limit:
                raise InputError.at(
                    str(path),
                    expected=f"at most {limit // 2**20:,} MiB of text once decompressed",
                    found="more",
                    fix="Use --sample-fraction or --max-rows (streamed, memory-bounded) or split the file.",
                )
            rest = inflate.unconsumed_tail
        if not inflate.eof:
            raise EOFError("the compressed stream ends before its end marker (truncated)")
        rest = inflate.unused_data
    return gzip.decompress(data)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic number, not only by name)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip_bounded(path, data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError.at(
                str(path),
                expected="a complete gzip file",
                found=f"a damaged one ({one_line(exc)})",
                fix="Re-export or re-compress the file.",
            ) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark.
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError.at(
                str(path),
                expected="UTF-16 text after a UTF-16 byte-order mark",
                found=f"undecodable bytes at byte {exc.start}",
                fix="Re-save the file as UTF-8.",
            ) from None
    return data.removeprefix(b"\xef\xbb\xbf")


def is_blank(data: bytes) -> bool:
    """Only whitespace? Looks at the head first, so a big file is not copied by strip()."""
    return not data[:1024].strip() and not data.strip()


def _decode_error_line(data: bytes) -> tuple[int, str]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return line, data[exc.start : exc.start + 4].hex(" ")
    return 1, "?"


def not_utf8_error(file: str, data: bytes) -> InputError:
    line, found = _decode_error_line(data)
    return InputError.at(
        file,
        line=line,
        expected="UTF-8 text",
        found=f"undecodable bytes ({found})",
        fix="Re-save the file as UTF-8 (for example: iconv -f latin1 -t utf-8).",
    )


def rename_for(file: str, columns: list[str], mapping: dict[str, str] | None) -> tuple[dict[str, str], tuple[str, ...]]:
    try:
        rename = resolve_columns(columns, mapping)
    except KeyError as exc:
        source = exc.args[0]
        target = next(t for t, s in (mapping or {}).items() if s == source)
        raise InputError.at(
            file,
            column=source,
            expected=f"the column you mapped to {target}",
            found=f"no such column (columns: {_names(columns)})",
            fix=f"Fix the mapping {target}={source}.",
        ) from None
    counts = Counter(columns)
    for source in rename:
        if counts[source] > 1:
            raise InputError.at(
                file,
                column=source,
                expected="each column name once",
                found=f"{counts[source]} columns named {source!r}",
                fix="Rename or remove the duplicates.",
            )
    ignored = tuple(c for c in dict.fromkeys(columns) if c not in rename)
    return rename, ignored


def _names(columns: list[str], limit: int = 12) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "") if columns else "none"


def str_dtypes(rename: dict[str, str]) -> dict[str, type]:
    # Text columns stay text even when they look numeric (ids like 00123 keep their zeros).
    return {src: str for src, dst in rename.items() if dst in schema.STR_COLUMNS}


def no_rows_error(file: str, skipped: Counter[str] | None = None) -> InputError:
    if skipped:
        reasons = ", ".join(f"{r} ({k})" for r, k in skipped.most_common())
        return InputError.at(
            file,
            expected="at least one readable row",
            found=f"none: every row was skipped ({reasons})",
            fix="Check the file's format.",
        )
    return InputError.at(
        file,
        expected="a header and at least one data row",
        found="only the header",
        fix="Export the log again with its rows.",
    )


def id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def one_line(exc: object, limit: int = 160) -> str:
    """An exception's (or a message's) text on one line, cut to a readable length."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
