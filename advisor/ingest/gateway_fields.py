"""Field access shared by the gateway readers (litellm_logs, langfuse, helicone, otel_genai,
openai_batch, openai_responses, braintrust).

A record is one exported call as a dict: a JSON object, or a CSV row whose cells are text
(nested objects such as LiteLLM's `metadata` or Langfuse's `usageDetails` are JSON text in a
CSV cell, so `dig` parses them on the way down). Values are returned raw where validation
should see them (a malformed token count is reported by ingest, not replaced).
"""

from __future__ import annotations

import json
import math

Row = dict[str, object]
FAILED = "_failed"  # key of a row that is a failed request (value: why), counted apart


def clean(value: object) -> object:
    """None for missing values (None, NaN, empty or blank text); the value otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def as_obj(value: object) -> object:
    """A JSON object or array given as text (a CSV cell) parsed; anything else unchanged."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def dig(record: object, *keys: str) -> object:
    """record[k1][k2]... through objects (JSON text included); None where a step is missing."""
    value: object = record
    for key in keys:
        value = as_obj(value)
        if not isinstance(value, dict):
            return None
        value = clean(value.get(key))
    return value


def first(*values: object) -> object:
    """The first value that is not missing."""
    for v in values:
        if clean(v) is not None:
            return v
    return None


def number(value: object) -> float | None:
    """A count as a float, or None when missing or not a number (validation then reports it)."""
    value = clean(value)
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def total(*values: object) -> object:
    """The sum of the counts that are present; the first raw value when one is not a number."""
    present = [v for v in values if clean(v) is not None]
    if not present:
        return None
    nums = [number(v) for v in present]
    if any(n is None for n in nums):
        return next(v for v, n in zip(present, nums) if n is None)
    return sum(n for n in nums if n is not None)


def keys_of(record: dict) -> set[str]:
    return {k for k, v in record.items() if clean(v) is not None}
