"""Braintrust logs -> rows: JSONL of span records (project logs export, `btql` output) and the
fetch API's `{"events": [...]}` envelope (opened by gateway_json).

A span record (Braintrust's logs schema): id, span_id, root_span_id, created (ISO),
input, output, error, metadata (`model`, `provider`, user ids ...), metrics (`start` /
`end` in epoch seconds, `prompt_tokens` (cached included), `completion_tokens`,
`prompt_cached_tokens`, `completion_reasoning_tokens`), span_attributes (`type`: "llm" for
a model call). Only llm spans with token metrics are calls; a span with an `error` is a
failed request.
"""

from __future__ import annotations

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, clean, dig, first

NAME = "Braintrust logs"


def matches(record: dict) -> bool:
    return "span_id" in record and "root_span_id" in record and ("metrics" in record or "metadata" in record)


def is_call(record: dict) -> bool:
    kind = dig(record, "span_attributes", "type")
    tokens = dig(record, "metrics", "prompt_tokens")
    return (kind in (None, "llm")) and tokens is not None


def to_row(record: dict) -> Row:
    row: Row = {
        schema.TIMESTAMP: first(dig(record, "metrics", "start"), record.get("created")),
        schema.MODEL: dig(record, "metadata", "model"),
        schema.PROVIDER: dig(record, "metadata", "provider"),
        schema.INPUT_TOKENS: dig(record, "metrics", "prompt_tokens"),
        schema.OUTPUT_TOKENS: dig(record, "metrics", "completion_tokens"),
        schema.CACHED_INPUT_TOKENS: dig(record, "metrics", "prompt_cached_tokens"),
        schema.USER_ID: first(dig(record, "metadata", "user_id"), dig(record, "metadata", "user")),
        schema.CONVERSATION_ID: first(dig(record, "metadata", "session_id"), record.get("root_span_id")),
    }
    if clean(record.get("error")) is not None:
        row[FAILED] = "failed request (span error)"
    return row
