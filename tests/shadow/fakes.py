"""Fake provider batch outputs in the providers' documented result schemas, made from the
request files advisor wrote: what a user downloads after a batch ran (no network).

OpenAI (platform.openai.com/docs/guides/batch, "the output file"): one line per request,
`{"id": "batch_req_...", "custom_id", "response": {"status_code": 200, "request_id",
"body": <chat.completion>}, "error": null}`; failed requests go to the error file with
`"response": null, "error": {"code", "message"}`.
Anthropic (docs.anthropic.com Message Batches, "retrieving batch results"): one line per request,
`{"custom_id", "result": {"type": "succeeded", "message": <Message>}}`, or type "errored" with
`"error": {"type": "error", "error": {"type", "message"}}`, "canceled" or "expired".
"""

from __future__ import annotations

import json
from pathlib import Path


def openai_success(custom_id: str, model: str, text: str, k: int = 0) -> dict:
    return {
        "id": f"batch_req_{k:06d}",
        "custom_id": custom_id,
        "response": {
            "status_code": 200,
            "request_id": f"req_{k:06d}",
            "body": {
                "id": f"chatcmpl-{k:06d}",
                "object": "chat.completion",
                "created": 1711652795,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 22, "completion_tokens": 2, "total_tokens": 24},
                "system_fingerprint": "fp_3ba",
            },
        },
        "error": None,
    }


def openai_error(custom_id: str, code: str = "server_error", k: int = 0) -> dict:
    return {
        "id": f"batch_req_{k:06d}",
        "custom_id": custom_id,
        "response": None,
        "error": {"code": code, "message": "The request could not be processed."},
    }


def anthropic_success(custom_id: str, model: str, text: str, k: int = 0) -> dict:
    return {
        "custom_id": custom_id,
        "result": {
            "type": "succeeded",
            "message": {
                "id": f"msg_{k:024d}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 11, "output_tokens": 36},
            },
        },
    }


def anthropic_errored(custom_id: str) -> dict:
    return {
        "custom_id": custom_id,
        "result": {
            "type": "errored",
            "error": {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
            },
        },
    }


def anthropic_expired(custom_id: str) -> dict:
    return {"custom_id": custom_id, "result": {"type": "expired"}}


def requests_in(folder: Path) -> list[tuple[str, str, str]]:
    """(custom_id, model, user message) of every request advisor wrote into `folder`."""
    out = []
    for path in sorted(folder.glob("openai_batch.*.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            out.append((r["custom_id"], r["body"]["model"], r["body"]["messages"][-1]["content"]))
    anthropic = folder / "anthropic_batch.json"
    if anthropic.exists():
        for r in json.loads(anthropic.read_text())["requests"]:
            out.append((r["custom_id"], r["params"]["model"], r["params"]["messages"][-1]["content"]))
    return out


def answer_all(folder: Path, out: Path, reply, *, fail=frozenset(), expire=frozenset()) -> list[Path]:
    """Write out/openai_output.jsonl and out/anthropic_results.jsonl answering every request in
    `folder` with reply(custom_id, model, message); ids in `fail` error, in `expire` expire."""
    out.mkdir(parents=True, exist_ok=True)
    openai_lines, anthropic_lines = [], []
    openai_ids = set()
    for path in folder.glob("openai_batch.*.jsonl"):
        openai_ids |= {json.loads(line)["custom_id"] for line in path.read_text().splitlines()}
    for k, (cid, model, message) in enumerate(requests_in(folder)):
        if cid in openai_ids:
            if cid in fail:
                row = openai_error(cid, k=k)
            elif cid in expire:
                row = openai_error(cid, code="batch_expired", k=k)
            else:
                row = openai_success(cid, model, reply(cid, model, message), k)
            openai_lines.append(row)
        else:
            if cid in fail:
                row = anthropic_errored(cid)
            elif cid in expire:
                row = anthropic_expired(cid)
            else:
                row = anthropic_success(cid, model, reply(cid, model, message), k)
            anthropic_lines.append(row)
    written = []
    for name, rows in (("openai_output.jsonl", openai_lines), ("anthropic_results.jsonl", anthropic_lines)):
        if rows:
            (out / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
            written.append(out / name)
    return written
