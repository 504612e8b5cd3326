"""Read-only access to an analysis result as its JSON dict: AnalysisResult | dict -> dict parts.

Reports, the run store, reconcile and export all work from `AnalysisResult.to_dict()` (the
versioned JSON) rather than the dataclasses, so they keep working when the pipeline adds
fields and can render a run loaded back from the database. Missing parts come back as None
and the caller says "not available".
"""

from __future__ import annotations

from typing import Any

from advisor.core.jsonable import to_jsonable
from advisor.core.redact import neutral_segment_names


def as_result_dict(result: Any) -> dict[str, Any]:
    """The JSON dict of an AnalysisResult, or the dict itself."""
    if not isinstance(result, dict):
        to_dict = getattr(result, "to_dict", None)
        if to_dict is None:
            raise TypeError(f"expected an AnalysisResult or its to_dict(), got {type(result).__name__}")
        result = to_dict()
    return neutral_segment_names(to_jsonable(result))


def get_path(data: Any, *keys: str | int, default: Any = None) -> Any:
    """data[k1][k2]... or `default` when any step is missing or None."""
    current = data
    for key in keys:
        if isinstance(current, dict):
            if key not in current:
                return default
            current = current[key]
        elif isinstance(current, list) and isinstance(key, int) and -len(current) <= key < len(current):
            current = current[key]
        else:
            return default
        if current is None:
            return default
    return current


def recommendations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The ranked recommendation list (the pipeline may wrap it as {"items": [...]})."""
    recs = result.get("recommendations")
    if isinstance(recs, dict):
        recs = recs.get("items") or recs.get("recommendations")
    return [r for r in (recs or []) if isinstance(r, dict)]


def findings(result: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = get_path(result, "findings", name)
    return found if isinstance(found, dict) else None


def stability_verdict(result: dict[str, Any]) -> str | None:
    return get_path(result, "findings", "capacity", "stability", "verdict")
