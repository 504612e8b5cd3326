"""CSV/TSV file -> RawTable with schema column names (pandas' C parser; gzip allowed).

A malformed line is an InputError naming the line, or, with skip_bad_rows, a skipped and
counted row; a last line cut off mid-value is caught, not read as a short value.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.core.errors import InputError
from advisor.ingest.readers import (
    SKIP_FIX,
    RawTable,
    is_blank,
    no_rows_error,
    not_utf8_error,
    one_line,
    read_bytes,
    rename_for,
    str_dtypes,
)

_LINE_IN_MSG = re.compile(r"line (\d+)")
_SAW_IN_MSG = re.compile(r"saw (\d+)")


def read_csv(path: Path, mapping: dict[str, str] | None, skip_bad_rows: bool, sep: str = ",") -> RawTable:
    file = str(path)
    data = read_bytes(path)
    if is_blank(data):
        raise InputError.at(
            file, expected="a header line and data rows", found="an empty file", fix="Check that the export finished."
        )
    header = _header(file, data, sep)
    rename, ignored = rename_for(file, header, mapping)
    frame, rows, skipped = _parse(file, data, header, rename, sep=sep, skip_bad_rows=skip_bad_rows)
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
        raise no_rows_error(file, skipped)
    frame = frame[[c for c in frame.columns if c in rename]].rename(columns=rename).reset_index(drop=True)
    return RawTable(file, frame, rows, "row", ignored, dict(skipped))


def _header(file: str, data: bytes, sep: str) -> list[str]:
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader([first.decode("utf-8")], delimiter=sep))
    except UnicodeDecodeError:
        raise not_utf8_error(file, data) from None
    except (csv.Error, StopIteration):
        header = []
    return [h.lstrip() for h in header]  # as skipinitialspace does


def _parse(
    file: str, data: bytes, header: list[str], rename: dict[str, str], *, sep: str, skip_bad_rows: bool
) -> tuple[pd.DataFrame, np.ndarray | None, Counter[str]]:
    """The frame pandas reads (rows None: numbered 1..n), or, when a line is malformed and
    skip_bad_rows is set, the slow path's frame with its true row numbers and skip counts."""
    skipped: Counter[str] = Counter()
    rows: np.ndarray | None = None
    # No usecols: with it pandas silently drops extra fields of a malformed line.
    kwargs: dict[str, Any] = {
        "sep": sep,
        "dtype": str_dtypes(rename),
        "encoding": "utf-8",
        "skipinitialspace": True,
        "low_memory": False,
    }
    try:
        try:
            frame = pd.read_csv(io.BytesIO(data), **kwargs)
        except pd.errors.ParserError as exc:
            if not skip_bad_rows:
                m = _LINE_IN_MSG.search(str(exc))
                saw = _SAW_IN_MSG.search(str(exc))
                found = f"{saw.group(1)} fields" if saw else one_line(str(exc).split("C error: ")[-1]).rstrip(".")
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
        raise not_utf8_error(file, data) from None
    except pd.errors.EmptyDataError:
        raise InputError.at(
            file, expected="a header line and data rows", found="no columns", fix="Check that the export finished."
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError.at(file, expected="well-formed CSV", found=one_line(exc).rstrip("."), fix=SKIP_FIX) from None
    except ValueError as exc:  # e.g. a header pandas cannot use
        raise InputError.at(
            file,
            expected="a CSV header naming the columns",
            found=one_line(exc).rstrip("."),
            fix="Check the header line.",
        ) from None
    return frame, rows, skipped


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
