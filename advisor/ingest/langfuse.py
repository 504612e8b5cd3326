"""Langfuse generations -> rows: the UI's CSV export of observations (`inputUsage`,
`outputUsage`, `totalUsage`, `usageDetails` as JSON text), and the JSON / JSONL exports
(public API `GET /api/public/observations`, blob-storage export) with `usageDetails`.

Langfuse's SDK integrations split usage into keys: `input` is the uncached part and
`input_cached_tokens` / `input_cache_read` ... the cached part; `output` excludes
`output_reasoning_tokens`. `inputUsage` / `outputUsage` are Langfuse's sums of every
`input*` / `output*` key, so totals are those sums; the cached count is the `input_*` key
that names a cache read. Observations at `level` ERROR are failed requests.
"""

from __future__ import annotations

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, as_obj, dig, first, keys_of, total

NAME = "Langfuse generations"

_USAGE_KEYS = ("usageDetails", "usage_details", "usage")
_CACHE_READ = ("input_cached_tokens", "input_cache_read", "cache_read_input_tokens", "input_cache_read_tokens")


def matches(record: dict) -> bool:
    keys = keys_of(record)
    trace = "traceId" in keys or "trace_id" in keys
    return trace and bool(keys & {"inputUsage", "usageDetails", "usage_details", "usage", "promptTokens"})


def _details(record: dict) -> dict:
    for key in _USAGE_KEYS:
        value = as_obj(record.get(key))
        if isinstance(value, dict) and value:
            return value
    return {}


def _sum(details: dict, prefix: str, legacy: str) -> object:
    parts = [v for k, v in details.items() if k == prefix or k.startswith(prefix + "_")]
    return total(*parts) if parts else details.get(legacy)


def to_row(record: dict) -> Row:
    details = _details(record)
    inp = first(record.get("inputUsage"), _sum(details, "input", "promptTokens"), record.get("promptTokens"))
    out = first(record.get("outputUsage"), _sum(details, "output", "completionTokens"), record.get("completionTokens"))
    cached = first(*(details.get(k) for k in _CACHE_READ))
    row: Row = {
        schema.TIMESTAMP: first(record.get("startTime"), record.get("start_time")),
        schema.MODEL: first(record.get("model"), record.get("providedModelName"), record.get("provided_model_name")),
        schema.INPUT_TOKENS: inp,
        schema.OUTPUT_TOKENS: out,
        schema.CACHED_INPUT_TOKENS: cached,
        schema.USER_ID: first(record.get("userId"), record.get("user_id")),
        schema.CONVERSATION_ID: first(record.get("sessionId"), record.get("session_id")),
        schema.COST_USD: first(
            record.get("totalCost"), record.get("calculatedTotalCost"), dig(record, "costDetails", "total")
        ),
    }
    level = record.get("level")
    if isinstance(level, str) and level.strip().upper() == "ERROR":
        row[FAILED] = "failed request (level ERROR)"
    return row
