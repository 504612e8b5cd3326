"""40-call logs written in each gateway's and tracer's own export schema.

Field names follow the tools' own schemas (from their source and docs, as known to the
author; see advisor/ingest/<format>.py for each): LiteLLM `LiteLLM_SpendLogs`, Langfuse
observations, Helicone requests, OpenTelemetry GenAI semantic conventions (OTLP/JSON,
Python SDK `span.to_json()`), OpenAI Batch output and Responses objects, Braintrust spans.
Every file also holds FAILED failed requests, which must be counted apart and not priced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

OPENAI = (("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("o4-mini", "openai"))
# deepseek-chat: priced by time of day (off-peak 16:30-00:30 UTC); the calls span both.
MIXED = (*OPENAI, ("claude-sonnet-4-5", "anthropic"), ("deepseek-chat", "deepseek"))
N_CALLS = 40
FAILED = 2


@dataclass(frozen=True)
class Call:
    time: datetime
    model: str
    provider: str
    input: int  # all input tokens, cached included
    cached: int
    output: int  # reasoning included
    reasoning: int
    failed: bool = False


def calls(models=MIXED, seed: int = 18) -> list[Call]:
    rng = np.random.default_rng(seed)
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    out = []
    for i in range(N_CALLS + FAILED):
        model, provider = models[int(rng.integers(len(models)))]
        inp = int(rng.integers(200, 6000))
        cached = int(rng.integers(0, inp // 2)) if rng.random() < 0.5 else 0
        output = int(rng.integers(20, 900))
        reasoning = int(rng.integers(0, output)) if model.startswith("o") else 0
        when = start + timedelta(minutes=17 * i, seconds=int(rng.integers(60)), microseconds=123000)
        out.append(Call(when, model, provider, inp, cached, output, reasoning, failed=i in (7, 29)))
    return out


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _ns(t: datetime) -> str:
    return str(int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000)


def litellm(c: Call, i: int) -> dict:
    usage = {
        "prompt_tokens": c.input,
        "completion_tokens": c.output,
        "total_tokens": c.input + c.output,
        "prompt_tokens_details": {"cached_tokens": c.cached, "audio_tokens": None},
        "completion_tokens_details": {"reasoning_tokens": c.reasoning},
    }
    meta = {"user_api_key": "hashed", "usage_object": usage, "status": "failure" if c.failed else "success"}
    if c.failed:
        meta["error_information"] = {"error_class": "RateLimitError", "error_code": "429"}
    return {
        "request_id": f"chatcmpl-{i:04d}",
        "call_type": "acompletion",
        "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
        "spend": 0.0 if c.failed else 0.001,
        "total_tokens": 0 if c.failed else c.input + c.output,
        "prompt_tokens": 0 if c.failed else c.input,
        "completion_tokens": 0 if c.failed else c.output,
        "startTime": _iso(c.time),
        "endTime": _iso(c.time + timedelta(seconds=2)),
        "completionStartTime": _iso(c.time + timedelta(seconds=1)),
        "model": c.model,
        "model_id": "a1b2",
        "model_group": c.model,
        "custom_llm_provider": c.provider,
        "api_base": "https://api.example.com/v1",
        "user": "default_user_id",
        "metadata": meta,
        "cache_hit": "False",
        "cache_key": "Cache OFF",
        "request_tags": [],
        "team_id": None,
        "end_user": f"user-{i % 5}",
        "requester_ip_address": "",
        "session_id": f"sess-{i % 9}",
        "status": "failure" if c.failed else "success",
    }


def langfuse(c: Call, i: int) -> dict:
    usage = {
        "input": c.input - c.cached,
        "input_cached_tokens": c.cached,
        "output": c.output - c.reasoning,
        "output_reasoning_tokens": c.reasoning,
        "total": c.input + c.output,
    }
    return {
        "id": f"obs-{i}",
        "traceId": f"trace-{i % 9}",
        "type": "GENERATION",
        "name": "chat",
        "startTime": _iso(c.time),
        "endTime": _iso(c.time + timedelta(seconds=2)),
        "model": c.model,
        "modelParameters": {"temperature": 0.2},
        "level": "ERROR" if c.failed else "DEFAULT",
        "statusMessage": "429 rate limited" if c.failed else None,
        "usageDetails": {} if c.failed else usage,
        "costDetails": {},
        "inputUsage": 0 if c.failed else c.input,
        "outputUsage": 0 if c.failed else c.output,
        "totalUsage": 0 if c.failed else c.input + c.output,
        "userId": f"user-{i % 5}",
        "sessionId": f"sess-{i % 9}",
    }


def helicone(c: Call, i: int) -> dict:
    return {
        "request_id": f"req-{i}",
        "request_created_at": c.time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "request_model": c.model,
        "response_model": c.model,
        "provider": c.provider.upper(),
        "prompt_tokens": c.input,
        "completion_tokens": c.output,
        "prompt_cache_write_tokens": 0,
        "prompt_cache_read_tokens": c.cached,
        "total_tokens": c.input + c.output,
        "response_status": 500 if c.failed else 200,
        "request_user_id": f"user-{i % 5}",
        "delay_ms": 1200,
    }


def otel_attrs(c: Call, i: int) -> dict:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": c.provider,
        "gen_ai.request.model": c.model,
        "gen_ai.response.model": c.model,
        "gen_ai.usage.input_tokens": c.input,
        "gen_ai.usage.output_tokens": c.output,
        "gen_ai.usage.cache_read.input_tokens": c.cached,
        "gen_ai.conversation.id": f"sess-{i % 9}",
    }


def otlp_span(c: Call, i: int) -> dict:
    def value(v):
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    return {
        "traceId": f"{i:032x}",
        "spanId": f"{i:016x}",
        "name": f"chat {c.model}",
        "kind": 3,
        "startTimeUnixNano": _ns(c.time),
        "endTimeUnixNano": _ns(c.time + timedelta(seconds=2)),
        "attributes": [{"key": k, "value": value(v)} for k, v in otel_attrs(c, i).items()],
        "status": {"code": 2, "message": "rate limited"} if c.failed else {},
    }


def sdk_span(c: Call, i: int) -> dict:
    return {
        "name": f"chat {c.model}",
        "context": {"trace_id": f"0x{i:032x}", "span_id": f"0x{i:016x}", "trace_state": "[]"},
        "kind": "SpanKind.CLIENT",
        "parent_id": None,
        "start_time": _iso(c.time),
        "end_time": _iso(c.time + timedelta(seconds=2)),
        "status": {"status_code": "ERROR" if c.failed else "UNSET"},
        "attributes": otel_attrs(c, i),
        "events": [],
        "links": [],
        "resource": {"attributes": {"service.name": "chatbot"}, "schema_url": ""},
    }


def openai_body(c: Call, i: int, responses: bool) -> dict:
    if responses:
        usage = {
            "input_tokens": c.input,
            "input_tokens_details": {"cached_tokens": c.cached},
            "output_tokens": c.output,
            "output_tokens_details": {"reasoning_tokens": c.reasoning},
            "total_tokens": c.input + c.output,
        }
        status = "failed" if c.failed else "completed"
        return {
            "id": f"resp_{i}",
            "object": "response",
            "created_at": int(c.time.timestamp()),
            "status": status,
            "model": c.model,
            "output": [],
            "usage": None if c.failed else usage,
        }
    usage = {
        "prompt_tokens": c.input,
        "completion_tokens": c.output,
        "total_tokens": c.input + c.output,
        "prompt_tokens_details": {"cached_tokens": c.cached},
        "completion_tokens_details": {"reasoning_tokens": c.reasoning},
    }
    message = {"role": "assistant", "content": "ok"}
    return {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "created": int(c.time.timestamp()),
        "model": c.model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage,
    }


def batch_line(c: Call, i: int) -> dict:
    if c.failed:
        return {
            "id": f"batch_req_{i}",
            "custom_id": f"request-{i}",
            "response": None,
            "error": {
                "code": "batch_expired",
                "message": "This request could not be executed before the completion window expired.",
            },
        }
    return {
        "id": f"batch_req_{i}",
        "custom_id": f"request-{i}",
        "response": {"status_code": 200, "request_id": f"req_{i}", "body": openai_body(c, i, False)},
        "error": None,
    }


def braintrust(c: Call, i: int) -> dict:
    start = c.time.timestamp()
    return {
        "id": f"ev-{i}",
        "span_id": f"span-{i}",
        "root_span_id": f"root-{i % 9}",
        "span_parents": [f"root-{i % 9}"],
        "created": _iso(c.time),
        "project_id": "p1",
        "log_id": "g",
        "input": [{"role": "user", "content": "hi"}],
        "output": [{"role": "assistant", "content": "ok"}],
        "error": "RateLimitError: 429" if c.failed else None,
        "metadata": {"model": c.model, "provider": c.provider, "temperature": 0},
        "metrics": {
            "start": start,
            "end": start + 2,
            "prompt_tokens": c.input,
            "completion_tokens": c.output,
            "tokens": c.input + c.output,
            "prompt_cached_tokens": c.cached,
            "completion_reasoning_tokens": c.reasoning,
        },
        "span_attributes": {"name": "Chat Completion", "type": "llm"},
    }


def _flat(record: dict, sep: str = ".") -> dict:
    return pd.json_normalize(record, sep=sep).iloc[0].to_dict()


def _jsonl(path: Path, recs) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))


def write_all(folder: Path) -> dict[str, tuple[Path, list[Call]]]:
    """Every format's file in `folder`: name -> (path, the calls it holds, failed ones included)."""
    mixed, oai = calls(MIXED), calls(OPENAI, seed=19)
    # Batch calls without cached reads: how OpenAI bills a cache hit inside a batch differs by
    # model, so the batch file tests the batch discount alone.
    batch = [replace(c, cached=0) for c in oai]
    out: dict[str, tuple[Path, list[Call]]] = {}

    def put(name: str, file: str, cs: list[Call], text: str) -> None:
        (folder / file).write_text(text)
        out[name] = (folder / file, cs)

    lit = [litellm(c, i) for i, c in enumerate(mixed)]
    put(
        "LiteLLM SpendLogs CSV",
        "litellm_spendlogs.csv",
        mixed,
        pd.DataFrame([{**r, "metadata": json.dumps(r["metadata"]), "request_tags": "[]"} for r in lit]).to_csv(
            index=False
        ),
    )
    put("LiteLLM /spend/logs JSON", "litellm_spend_logs.json", mixed, json.dumps(lit, indent=2))
    put(
        "LiteLLM /spend/logs/v2",
        "litellm_spend_logs_v2.json",
        mixed,
        json.dumps({"data": lit, "total": len(lit), "page": 1, "page_size": 50, "total_pages": 1}),
    )
    lf = [langfuse(c, i) for i, c in enumerate(mixed)]
    put(
        "Langfuse generations CSV",
        "langfuse_generations.csv",
        mixed,
        pd.DataFrame(
            [
                {**r, "usageDetails": json.dumps(r["usageDetails"]), "costDetails": "{}", "modelParameters": "{}"}
                for r in lf
            ]
        ).to_csv(index=False),
    )
    put("Langfuse JSON", "langfuse_observations.json", mixed, json.dumps({"data": lf, "meta": {"page": 1}}))
    _jsonl(folder / "langfuse_blob.jsonl", lf)
    out["Langfuse blob-storage JSONL"] = (folder / "langfuse_blob.jsonl", mixed)
    hl = [helicone(c, i) for i, c in enumerate(mixed)]
    put("Helicone CSV", "helicone_requests.csv", mixed, pd.DataFrame(hl).to_csv(index=False))
    _jsonl(folder / "helicone_requests.jsonl", hl)
    out["Helicone JSONL"] = (folder / "helicone_requests.jsonl", mixed)
    otlp = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "chatbot"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "opentelemetry.instrumentation.openai"},
                        "spans": [otlp_span(c, i) for i, c in enumerate(mixed)],
                    }
                ],
            }
        ]
    }
    put("OTel OTLP JSON", "otel_otlp.json", mixed, json.dumps(otlp))
    sdk = [sdk_span(c, i) for i, c in enumerate(mixed)]
    put("OTel SDK JSON", "otel_sdk.json", mixed, json.dumps(sdk))
    put("OTel console exporter", "otel_console.json", mixed, "".join(json.dumps(s, indent=4) + "\n" for s in sdk))
    flat = [
        {
            **{k: v for k, v in _flat(s).items() if not k.startswith("attributes.")},
            "start_time_unix_nano": _ns(c.time),
            **{f"attributes.{k}": v for k, v in otel_attrs(c, i).items()},
        }
        for i, (c, s) in enumerate(zip(mixed, sdk))
    ]
    for row in flat:
        del row["start_time"]
    put("OTel flat CSV", "otel_spans.csv", mixed, pd.DataFrame(flat).to_csv(index=False))
    _jsonl(folder / "openai_batch_output.jsonl", [batch_line(c, i) for i, c in enumerate(batch)])
    out["OpenAI Batch output JSONL"] = (folder / "openai_batch_output.jsonl", batch)
    _jsonl(folder / "openai_responses.jsonl", [openai_body(c, i, True) for i, c in enumerate(oai)])
    out["OpenAI Responses API JSONL"] = (folder / "openai_responses.jsonl", oai)
    bt = [braintrust(c, i) for i, c in enumerate(mixed)]
    _jsonl(folder / "braintrust_logs.jsonl", bt)
    out["Braintrust JSONL"] = (folder / "braintrust_logs.jsonl", mixed)
    put("Braintrust fetch {events}", "braintrust_fetch.json", mixed, json.dumps({"events": bt, "cursor": None}))
    return out
