"""Files -> raw tables with schema column names: file listing, bytes, CSV and Parquet.

CSV goes through pandas' C parser, Parquet through pyarrow (only the mapped columns are
read); both may be gzip-compressed. JSONL lives in jsonl.py, the OpenAI chat layout in
openai_chat.py. Every table carries the 1-based row (CSV/Parquet) or line (JSONL) of each
record so that later errors can point at it.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
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
    return files


def format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic number, not only by name)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError.at(
                str(path),
                expected="a complete gzip file",
                found=f"a damaged one ({_short(exc)})",
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


def _not_utf8(file: str, data: bytes) -> InputError:
    line, found = _decode_error_line(data)
    return InputError.at(
        file,
        line=line,
        expected="UTF-8 text",
        found=f"undecodable bytes ({found})",
        fix="Re-save the file as UTF-8 (for example: iconv -f latin1 -t utf-8).",
    )


def _rename_for(
    file: str, columns: list[str], mapping: dict[str, str] | None
) -> tuple[dict[str, str], tuple[str, ...]]:
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


def _str_dtypes(rename: dict[str, str]) -> dict[str, type]:
    # Text columns stay text even when they look numeric (ids like 00123 keep their zeros).
    return {src: str for src, dst in rename.items() if dst in schema.STR_COLUMNS}


def _no_rows(file: str, skipped: Counter[str] | None = None) -> InputError:
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


# --------------------------------------------------------------------------------------- CSV

_LINE_IN_MSG = re.compile(r"line (\d+)")
_SAW_IN_MSG = re.compile(r"saw (\d+)")


def read_csv(path: Path, mapping: dict[str, str] | None, skip_bad_rows: bool, sep: str = ",") -> RawTable:
    file = str(path)
    data = read_bytes(path)
    if is_blank(data):
        raise InputError.at(
            file, expected="a header line and data rows", found="an empty file", fix="Check that the export finished."
        )
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader([first.decode("utf-8")], delimiter=sep))
    except UnicodeDecodeError:
        raise _not_utf8(file, data) from None
    except (csv.Error, StopIteration):
        header = []
    header = [h.lstrip() for h in header]  # as skipinitialspace does
    rename, ignored = _rename_for(file, header, mapping)
    skipped: Counter[str] = Counter()
    rows = None
    # No usecols: with it pandas silently drops extra fields of a malformed line.
    kwargs = dict(sep=sep, dtype=_str_dtypes(rename), encoding="utf-8", skipinitialspace=True, low_memory=False)
    try:
        try:
            frame = pd.read_csv(io.BytesIO(data), **kwargs)
        except pd.errors.ParserError as exc:
            if not skip_bad_rows:
                m = _LINE_IN_MSG.search(str(exc))
                saw = _SAW_IN_MSG.search(str(exc))
                found = f"{saw.group(1)} fields" if saw else _short(str(exc).split("C error: ")[-1]).rstrip(".")
                raise InputError.at(
                    file,
                    line=int(m.group(1)) if m else None,
                    expected=f"{len(header)} fields per line as in the header",
                    found=found,
                    fix=SKIP_FIX,
                ) from None
            frame, rows, skipped = _read_csv_skipping(data, header, sep)
    except InputError:
        raise
    except UnicodeDecodeError:
        raise _not_utf8(file, data) from None
    except pd.errors.EmptyDataError:
        raise InputError.at(
            file, expected="a header line and data rows", found="no columns", fix="Check that the export finished."
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError.at(file, expected="well-formed CSV", found=_short(exc).rstrip("."), fix=SKIP_FIX) from None
    except ValueError as exc:  # e.g. a header pandas cannot use
        raise InputError.at(
            file,
            expected="a CSV header naming the columns",
            found=_short(exc).rstrip("."),
            fix="Check the header line.",
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas silently turns the first field into an index when every line has more
        # fields than the header; that shifts every column by one.
        n_fields = len(header) + frame.index.nlevels
        raise InputError.at(
            file,
            line=2,
            expected=f"{len(header)} fields per line as in the header",
            found=f"{n_fields} fields on every line",
            fix="Fix the header or the delimiter.",
        )
    if rows is None:
        rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    cut = _cut_off_fields(data, len(header), sep)
    if cut is not None and len(frame):
        # pandas fills a short last line with empty values; when the file also lacks its
        # final newline the line was most likely cut mid-value (123 read as 12).
        if not skip_bad_rows:
            raise InputError.at(
                file,
                row=int(rows[-1]),
                expected=f"{len(header)} fields per line as in the header",
                found=f"{cut} fields in the last line, which has no line end (the file looks cut off)",
                fix=SKIP_FIX,
            )
        frame, rows = frame.iloc[:-1], rows[:-1]
        skipped["cut-off last line"] += 1
    if len(frame) == 0:
        raise _no_rows(file, skipped)
    frame = frame[[c for c in frame.columns if c in rename]].rename(columns=rename).reset_index(drop=True)
    return RawTable(file, frame, rows, "row", ignored, dict(skipped))


def _cut_off_fields(data: bytes, n_header: int, sep: str) -> int | None:
    """Field count of a last line that has no line end and too few fields, else None."""
    if data.endswith(b"\n"):
        return None
    last = data.rsplit(b"\n", 1)[-1]
    try:
        fields = next(csv.reader([last.decode("utf-8", errors="replace")], delimiter=sep))
    except (csv.Error, StopIteration):
        return None
    return len(fields) if 0 < len(fields) < n_header else None


def _read_csv_skipping(data: bytes, header: list[str], sep: str) -> tuple[pd.DataFrame, np.ndarray, Counter[str]]:
    """Slow path under --skip-bad-rows: the csv module, so skipped lines are counted and the
    kept rows keep their true numbers (pandas' python engine can do neither)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter=sep, skipinitialspace=True)
    next(reader, None)
    records, rows = [], []
    skipped: Counter[str] = Counter()
    number = 0
    for record in reader:
        if not record or all(not f.strip() for f in record):
            continue  # blank line, as pandas skips them
        number += 1
        if len(record) > len(header):
            skipped["wrong number of fields"] += 1
            continue
        records.append(record + [""] * (len(header) - len(record)))
        rows.append(number)
    frame = pd.DataFrame(records, columns=header, dtype=object).replace("", np.nan)
    return frame, np.asarray(rows, dtype=np.int64), skipped


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------- Parquet


def read_parquet(path: Path, mapping: dict[str, str] | None) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = str(path)
    data = read_bytes(path)
    if len(data) < 64 and not data.strip():
        raise InputError.at(
            file, expected="a Parquet file", found="an empty file", fix="Check that the export finished."
        )
    try:
        pf = pq.ParquetFile(io.BytesIO(data))
        columns = pf.schema_arrow.names
        rename, ignored = _rename_for(file, columns, mapping)
        table = pf.read(columns=list(rename)) if rename else pf.read(columns=[])
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError.at(
            file,
            expected="a readable Parquet file",
            found=f"a damaged or different file ({_short(exc)})",
            fix="Re-export the file, or give it the extension of its real format.",
        ) from None
    del data
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            try:
                col.validate(full=True)  # pyarrow does not check UTF-8 on read
            except pa.ArrowException:
                raise InputError.at(
                    file,
                    column=name,
                    expected="UTF-8 text",
                    found="undecodable bytes",
                    fix="Re-export the file with UTF-8 strings.",
                ) from None
    frame = table.to_pandas() if rename else pd.DataFrame(index=range(table.num_rows))
    if len(frame) == 0:
        raise _no_rows(file)
    frame = frame.rename(columns=rename)
    for dst in frame.columns:
        if dst in schema.STR_COLUMNS and not pd.api.types.is_string_dtype(frame[dst]):
            frame[dst] = frame[dst].astype(object).where(frame[dst].notna()).map(_text, na_action="ignore")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawTable(file, frame, rows, "row", ignored)


def _short(exc: object, limit: int = 160) -> str:
    """An exception's (or a message's) text on one line, cut to a readable length."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
