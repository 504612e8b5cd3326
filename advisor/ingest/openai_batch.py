"""OpenAI Batch API output JSONL -> rows, priced at batch rates (`is_batch`).

Each line (as in OpenAI's Batch guide): {"id": "batch_req_...", "custom_id": ...,
"response": {"status_code": 200, "request_id": ..., "body": <chat completion or
Responses object>}, "error": null}. A line with an `error`, or a status code other than 2xx,
is a failed request. The output has no request time; the body's `created` (chat
completions) or `created_at` (Responses) is when the call ran.
"""

from __future__ import annotations

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, dig, first, number

NAME = "OpenAI Batch API output"


def matches(record: dict) -> bool:
    # An output line joined with its request (`body.messages`) goes to openai_chat, which
    # keeps the messages' text and also marks it is_batch.
    return (
        "custom_id" in record
        and not isinstance(dig(record, "body", "messages"), list)
        and isinstance(record.get("response"), dict | None)
        and (isinstance(dig(record, "response", "body"), dict) or record.get("error") is not None)
    )


def usage_row(body: object) -> Row:
    """Schema columns from a chat-completions or Responses body (`usage` in either naming)."""
    usage = dig(body, "usage")
    return {
        schema.TIMESTAMP: first(dig(body, "created"), dig(body, "created_at")),
        schema.MODEL: dig(body, "model"),
        schema.INPUT_TOKENS: first(dig(usage, "prompt_tokens"), dig(usage, "input_tokens")),
        schema.OUTPUT_TOKENS: first(dig(usage, "completion_tokens"), dig(usage, "output_tokens")),
        schema.CACHED_INPUT_TOKENS: first(
            dig(usage, "prompt_tokens_details", "cached_tokens"), dig(usage, "input_tokens_details", "cached_tokens")
        ),
        schema.USER_ID: first(dig(body, "user"), dig(body, "safety_identifier")),
    }


def to_row(record: dict) -> Row:
    row = usage_row(dig(record, "response", "body"))
    row[schema.PROVIDER] = "openai"
    row[schema.IS_BATCH] = True
    status = number(dig(record, "response", "status_code"))
    if record.get("error") is not None or (status is not None and not 200 <= status < 300):
        code = dig(record, "error", "code")
        row[FAILED] = f"failed request ({code or f'HTTP {int(status or 0)}'})"
    return row
