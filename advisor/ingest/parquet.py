"""Parquet file -> RawTable with schema column names (pyarrow reads only the mapped columns).

Text columns are checked for UTF-8 (pyarrow does not on read); ids stored as numbers become
their text, as in a CSV.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest.readers import RawTable, id_text, no_rows_error, one_line, read_bytes, rename_for


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
        rename, ignored = rename_for(file, columns, mapping)
        table = pf.read(columns=list(rename)) if rename else pf.read(columns=[])
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError.at(
            file,
            expected="a readable Parquet file",
            found=f"a damaged or different file ({one_line(exc)})",
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
    _check_timestamp_column(file, table, rename)
    frame = table.to_pandas() if rename else pd.DataFrame(index=range(table.num_rows))
    if len(frame) == 0:
        raise no_rows_error(file)
    frame = frame.rename(columns=rename)
    for dst in frame.columns:
        if dst in schema.STR_COLUMNS and not pd.api.types.is_string_dtype(frame[dst]):
            frame[dst] = frame[dst].astype(object).where(frame[dst].notna()).map(id_text, na_action="ignore")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawTable(file, frame, rows, "row", ignored)


# What pandas (nanosecond timestamps) can hold: about 1677-09-22 to 2262-04-11.
_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def _check_timestamp_column(file: str, table, rename: dict[str, str]) -> None:
    """A time of day without a date, or a date pandas cannot hold (year 9999), is refused here,
    naming the first such row, instead of being dated today or failing inside pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    source = next((src for src, dst in rename.items() if dst == schema.TIMESTAMP), None)
    if source is None:
        return
    col = table.column(source)
    if pa.types.is_time(col.type):
        raise InputError.at(
            file,
            column=source,
            expected="a date and time (timestamp)",
            found=f"a time of day without a date ({col.type})",
            fix="Export the full timestamp of each call, or --map timestamp= to a column that has one.",
        )
    if not (pa.types.is_timestamp(col.type) or pa.types.is_date(col.type)):
        return
    as_us = pc.cast(col, pa.timestamp("us")) if pa.types.is_date(col.type) else col
    unit_type = pa.timestamp(as_us.type.unit, tz=as_us.type.tz)
    low = pa.scalar(_NS_MIN.ceil("s").to_pydatetime(), unit_type)
    high = pa.scalar(_NS_MAX.floor("s").to_pydatetime(), unit_type)
    outside = pc.or_(pc.less(as_us, low), pc.greater(as_us, high))
    bad = np.flatnonzero(outside.to_numpy(zero_copy_only=False) == True)  # noqa: E712 (nulls are None)
    if bad.size:
        raise InputError.at(
            file,
            row=int(bad[0]) + 1,
            column=source,
            expected="a date between 1677 and 2262",
            found=str(col[int(bad[0])]),
            fix="Fix the timestamp (a placeholder such as 9999-12-31 is not a call time) or remove the row.",
        )
