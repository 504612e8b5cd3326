"""Helicone request exports -> rows: the dashboard's CSV export and the JSONL export of
requests (Helicone's `HeliconeRequest` fields): request_id, request_created_at, request_model /
response_model / model, provider, prompt_tokens (cached reads included, as the provider
reports them), completion_tokens, prompt_cache_read_tokens, prompt_cache_write_tokens,
response_status (HTTP code), request_user_id, costUSD / cost.

Helicone stores times in UTC (ClickHouse DateTime64) and exports them without a zone; they
are read as UTC on purpose, so they do not raise the "no time zone" warning.
"""

from __future__ import annotations

import re

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, dig, first, keys_of, number

NAME = "Helicone requests"
_HAS_ZONE = re.compile(r"(?:[zZ]|[+-]\d\d:?\d\d|UTC|GMT)\s*$")


def matches(record: dict) -> bool:
    keys = keys_of(record)
    return "request_created_at" in keys or ("request_id" in keys and "prompt_cache_read_tokens" in record)


def _utc(value: object) -> object:
    if isinstance(value, str) and number(value) is None and not _HAS_ZONE.search(value):
        return value.strip() + "Z"
    return value


def to_row(record: dict) -> Row:
    row: Row = {
        schema.TIMESTAMP: _utc(first(record.get("request_created_at"), record.get("created_at"))),
        schema.MODEL: first(record.get("response_model"), record.get("model"), record.get("request_model")),
        schema.PROVIDER: first(record.get("provider")),
        schema.INPUT_TOKENS: record.get("prompt_tokens"),
        schema.OUTPUT_TOKENS: record.get("completion_tokens"),
        schema.CACHED_INPUT_TOKENS: record.get("prompt_cache_read_tokens"),
        schema.USER_ID: first(record.get("request_user_id"), record.get("user_id")),
        schema.CONVERSATION_ID: first(
            dig(record, "request_properties", "Helicone-Session-Id"), record.get("session_id")
        ),
        schema.COST_USD: first(record.get("costUSD"), record.get("cost")),
    }
    if isinstance(row[schema.PROVIDER], str):
        row[schema.PROVIDER] = str(row[schema.PROVIDER]).lower()
    status = number(first(record.get("response_status"), record.get("status")))
    if status is not None and not 200 <= status < 300:
        row[FAILED] = f"failed request (HTTP {int(status)})"
    return row
