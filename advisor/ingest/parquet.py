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
    frame = table.to_pandas() if rename else pd.DataFrame(index=range(table.num_rows))
    if len(frame) == 0:
        raise no_rows_error(file)
    frame = frame.rename(columns=rename)
    for dst in frame.columns:
        if dst in schema.STR_COLUMNS and not pd.api.types.is_string_dtype(frame[dst]):
            frame[dst] = frame[dst].astype(object).where(frame[dst].notna()).map(id_text, na_action="ignore")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return RawTable(file, frame, rows, "row", ignored)
