"""The one conversion of advisor's values to plain JSON values."""

from __future__ import annotations

import dataclasses
import math
from pathlib import PurePath
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: dataclasses to dicts (fields named `per_call_*`, or with
    `metadata={"json": False}`, left out: they stay in memory), tuples to lists, numpy scalars and arrays to Python, NaN and
    infinities to None (strict JSON has neither), paths to strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("per_call_") and f.metadata.get("json", True)
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, PurePath):
        return str(value)
    tolist = getattr(value, "tolist", None)  # numpy scalar or array
    if callable(tolist):
        return to_jsonable(tolist())
    return str(value)


def dumps_strict(value: Any, **kwargs: Any) -> str:
    """Strict JSON text (RFC 8259): NaN and infinities become null, as in to_jsonable."""
    import json

    return json.dumps(to_jsonable(value), allow_nan=False, **kwargs)
