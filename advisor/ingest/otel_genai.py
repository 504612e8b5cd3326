"""OpenTelemetry GenAI spans -> rows, in the four shapes a trace export takes:

- OTLP JSON (collector file exporter, `/v1/traces` payloads): resourceSpans -> scopeSpans ->
  spans, attributes as [{"key": ..., "value": {"stringValue" | "intValue" | ...}}],
  startTimeUnixNano as a string, status.code 2 (or "STATUS_CODE_ERROR") for errors;
- the Python SDK's JSON (`span.to_json()`, what the console exporter prints, pretty-printed
  and concatenated): attributes as a flat object, start_time as ISO text,
  status.status_code "ERROR";
- flat CSV (one span per row): `attributes.gen_ai.*` columns, start_time_unix_nano.

Semantic conventions (gen_ai.*): request/response model, gen_ai.provider.name (formerly
gen_ai.system), gen_ai.usage.input_tokens (all input, cached included),
gen_ai.usage.output_tokens, gen_ai.usage.cache_read.input_tokens (formerly
gen_ai.usage.cache_read_input_tokens), gen_ai.conversation.id. Spans without a model and
token usage (HTTP, tool or agent spans) are not calls and are left out.
"""

from __future__ import annotations

from advisor.core import schema
from advisor.ingest.gateway_fields import FAILED, Row, as_obj, clean, first

NAME = "OpenTelemetry GenAI spans"
_ATTR_PREFIX = "attributes."
_PROVIDERS = {
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gemini": "google",
    "aws.bedrock": "aws",
    "az.ai.inference": "azure",
    "azure.ai.openai": "azure",
    "xai": "x-ai",
    "mistral_ai": "mistral",
}


def _value(v: object) -> object:
    """An OTLP AnyValue ({"intValue": "12"}, {"stringValue": "x"}, ...) as a plain value."""
    if isinstance(v, dict) and len(v) == 1:
        ((kind, inner),) = v.items()
        if kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
            return inner
    return v


def attributes(record: dict) -> dict:
    """The span's attributes as one flat dict, whatever the export shape."""
    attrs = as_obj(record.get("attributes"))
    out: dict = {}
    if isinstance(attrs, list):  # OTLP: key/value list
        out = {a.get("key"): _value(a.get("value")) for a in attrs if isinstance(a, dict)}
    elif isinstance(attrs, dict):
        out = dict(attrs)
    for key, v in record.items():  # flat CSV: attributes.gen_ai.request.model
        if isinstance(key, str) and key.startswith(_ATTR_PREFIX):
            out.setdefault(key[len(_ATTR_PREFIX) :], v)
    return out


def matches(record: dict) -> bool:
    attrs = attributes(record)
    return any(isinstance(k, str) and k.startswith("gen_ai.") for k in attrs) and (
        any(k in record for k in ("startTimeUnixNano", "start_time_unix_nano", "start_time", "startTime"))
    )


def is_call(record: dict) -> bool:
    attrs = attributes(record)
    model = first(attrs.get("gen_ai.response.model"), attrs.get("gen_ai.request.model"))
    return (
        model is not None
        and clean(attrs.get("gen_ai.usage.input_tokens", attrs.get("gen_ai.usage.prompt_tokens"))) is not None
    )


def _error(record: dict) -> bool:
    status = as_obj(record.get("status"))
    code = None
    if isinstance(status, dict):
        code = first(status.get("code"), status.get("status_code"))
    code = first(code, record.get("status.code"), record.get("status_code"), record.get("status.status_code"))
    return str(code).strip().upper() in ("2", "ERROR", "STATUS_CODE_ERROR")


def to_row(record: dict) -> Row:
    attrs = attributes(record)
    provider = first(attrs.get("gen_ai.provider.name"), attrs.get("gen_ai.system"))
    if isinstance(provider, str):
        provider = _PROVIDERS.get(provider.lower(), provider.lower())
    row: Row = {
        schema.TIMESTAMP: first(
            record.get("startTimeUnixNano"),
            record.get("start_time_unix_nano"),
            record.get("start_time"),
            record.get("startTime"),
        ),
        schema.MODEL: first(attrs.get("gen_ai.response.model"), attrs.get("gen_ai.request.model")),
        schema.PROVIDER: provider,
        schema.INPUT_TOKENS: first(attrs.get("gen_ai.usage.input_tokens"), attrs.get("gen_ai.usage.prompt_tokens")),
        schema.OUTPUT_TOKENS: first(
            attrs.get("gen_ai.usage.output_tokens"), attrs.get("gen_ai.usage.completion_tokens")
        ),
        schema.CACHED_INPUT_TOKENS: first(
            attrs.get("gen_ai.usage.cache_read.input_tokens"),
            attrs.get("gen_ai.usage.cache_read_input_tokens"),
            attrs.get("gen_ai.usage.input_tokens.cached"),
        ),
        schema.CONVERSATION_ID: first(attrs.get("gen_ai.conversation.id"), attrs.get("session.id")),
        schema.USER_ID: first(attrs.get("user.id"), attrs.get("enduser.id")),
    }
    if _error(record):
        row[FAILED] = "failed request (span status ERROR)"
    return row
