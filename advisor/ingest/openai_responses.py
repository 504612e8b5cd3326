"""OpenAI Responses API objects (one per line, or an array) -> rows.

A Response object: {"id": "resp_...", "object": "response", "created_at": <epoch s>,
"status": "completed" | "failed" | "incomplete" | ..., "model": ..., "usage": {"input_tokens",
"input_tokens_details": {"cached_tokens"}, "output_tokens", "output_tokens_details":
{"reasoning_tokens"}}}. Reasoning tokens are part of output_tokens and billed as output.
A "failed" response is a failed request; "incomplete" ones were billed and are calls.
"""

from __future__ import annotations

from advisor.ingest.gateway_fields import FAILED, Row
from advisor.ingest.openai_batch import usage_row

NAME = "OpenAI Responses API"


def matches(record: dict) -> bool:
    return record.get("object") == "response" and "created_at" in record


def to_row(record: dict) -> Row:
    row = usage_row(record)
    row["provider"] = "openai"
    if record.get("status") in ("failed", "cancelled"):
        row[FAILED] = f"failed request (status {record.get('status')!r})"
    return row
