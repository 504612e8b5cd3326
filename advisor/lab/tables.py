"""Reading the lab's training and evaluation CSVs: a file with named columns, or one line
saying which file or column is missing and what to pass instead."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advisor.core.errors import InputError


def read_table(
    path: Path, columns: Sequence[str], *, what: str, expected_columns: str, fix_missing: str, fix_columns: str
) -> Any:
    """The CSV at `path` as a frame that has every one of `columns`."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError.at(str(path), expected=what, found="no such file", fix=fix_missing)
    frame = pd.read_csv(path)
    for column in columns:
        if column not in frame.columns:
            raise InputError.at(
                str(path),
                column=column,
                expected=expected_columns,
                found=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
                fix=fix_columns,
            )
    return frame
