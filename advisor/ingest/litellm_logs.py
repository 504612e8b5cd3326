"""LiteLLM proxy spend logs -> rows: the `LiteLLM_SpendLogs` table as CSV (UI/DB export),
`GET /spend/logs` (a JSON array) and `GET /spend/logs/v2` (`{"data": [...]}`; the envelope is
opened by gateway_json).

Field names as in LiteLLM's schema.prisma (`LiteLLM_SpendLogs`): request_id, call_type,
spend, prompt_tokens, completion_tokens, startTime, model, custom_llm_provider, user,
end_user, session_id, status, metadata (JSON: `usage_object` with prompt_tokens_details /
completion_tokens_details, `additional_usage_values`, `status`, `error_information`).
`prompt_tokens` includes cached tokens (LiteLLM reports usage the OpenAI way).
"""

from __future__ import annotations

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, dig, first, keys_of

NAME = "LiteLLM spend logs"

# LiteLLM's provider names -> genai-prices provider ids, where they differ.
PROVIDERS = {
    "vertex_ai": "google",
    "vertex_ai_beta": "google",
    "gemini": "google",
    "bedrock": "aws",
    "bedrock_converse": "aws",
    "azure_ai": "azure",
    "xai": "x-ai",
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    "mistralai": "mistral",
}


def matches(record: dict) -> bool:
    keys = keys_of(record)
    return "request_id" in keys and "startTime" in keys and ("spend" in keys or "call_type" in keys)


def _cached(record: dict) -> object:
    for root in ("usage_object", "additional_usage_values"):
        value = first(
            dig(record, "metadata", root, "prompt_tokens_details", "cached_tokens"),
            dig(record, "metadata", root, "cache_read_input_tokens"),
        )
        if value is not None:
            return value
    return None


def _failed(record: dict) -> str | None:
    status = first(record.get("status"), dig(record, "metadata", "status"))
    if isinstance(status, str) and status.strip().lower() not in ("success", "succeeded", "ok"):
        return f"failed request (status {status.strip()!r})"
    if dig(record, "metadata", "error_information", "error_class") is not None:
        return "failed request (error_information)"
    return None


def to_row(record: dict) -> Row:
    provider = first(record.get("custom_llm_provider"))
    if isinstance(provider, str):
        provider = PROVIDERS.get(provider.strip().lower(), provider)
    row: Row = {
        schema.TIMESTAMP: record.get("startTime"),
        schema.MODEL: first(record.get("model"), record.get("model_group")),
        schema.PROVIDER: provider,
        schema.INPUT_TOKENS: record.get("prompt_tokens"),
        schema.OUTPUT_TOKENS: record.get("completion_tokens"),
        schema.CACHED_INPUT_TOKENS: _cached(record),
        schema.USER_ID: first(record.get("end_user"), record.get("user")),
        schema.CONVERSATION_ID: first(record.get("session_id"), dig(record, "metadata", "session_id")),
        schema.COST_USD: record.get("spend"),
    }
    why = _failed(record)
    if why is not None:
        row[FAILED] = why
    return row
