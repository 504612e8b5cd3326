"""The providers' batch output files -> one BatchResult per custom_id.

OpenAI (output file and error file, JSON Lines): `{"id", "custom_id", "response": {"status_code",
"request_id", "body": {... "choices": [{"message": {"content"}}]}} | null, "error": {"code",
"message"} | null}`; requests the 24-hour window did not reach come back in the error file
with code `batch_expired` (`batch_cancelled` when the batch was cancelled).
Anthropic (results, JSON Lines): `{"custom_id", "result": {"type": "succeeded", "message":
{... "content": [{"type": "text", "text"}]}}}` or type `errored` (with `error`), `canceled`,
`expired`. The format is recognised per line, so files of both providers can be passed together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from advisor.core.errors import InputError

SUCCEEDED, ERRORED, EXPIRED, CANCELED = "succeeded", "errored", "expired", "canceled"
_FIX = (
    "Pass the files downloaded from the provider: OpenAI's batch output or error file, or "
    "Anthropic's batch results (.jsonl), unchanged."
)
_OPENAI_CODES = {"batch_expired": EXPIRED, "batch_cancelled": CANCELED, "batch_canceled": CANCELED}


@dataclass(frozen=True)
class BatchResult:
    custom_id: str
    status: str  # succeeded | errored | expired | canceled
    text: str | None  # the answer text when succeeded (None: the reply held no text)
    detail: str = ""  # the provider's error code / message otherwise
    file: str = ""
    line: int = 0


def read_outputs(paths: list[Path]) -> list[BatchResult]:
    """Every line of every file, in order; a one-line InputError for anything else."""
    out: list[BatchResult] = []
    for path in paths:
        name = str(path)
        if not path.is_file():
            raise InputError(f"{name}: batch output file not found. {_FIX}")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise InputError.at(name, expected="UTF-8 JSON Lines", found="binary content", fix=_FIX) from None
        n_before = len(out)
        for i, raw in enumerate(lines, start=1):
            if raw.strip():
                out.append(_parse_line(raw, name, i))
        if len(out) == n_before:
            raise InputError.at(name, expected="at least one result line", found="an empty file", fix=_FIX)
    return out


def _parse_line(raw: str, name: str, line: int) -> BatchResult:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError.at(
            name, line=line, expected="a JSON object", found=f"invalid JSON ({exc.msg})", fix=_FIX
        ) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("custom_id"), str):
        found = "no custom_id" if isinstance(obj, dict) else type(obj).__name__
        raise InputError.at(name, line=line, expected="a batch result with a custom_id", found=found, fix=_FIX)
    if isinstance(obj.get("result"), dict):
        return _anthropic(obj, name, line)
    if "response" in obj or "error" in obj:
        return _openai(obj, name, line)
    keys = ", ".join(sorted(obj)) or "none"
    raise InputError.at(
        name, line=line, expected="OpenAI 'response'/'error' or Anthropic 'result'", found=f"keys {keys}", fix=_FIX
    )


def _openai(obj: dict, name: str, line: int) -> BatchResult:
    cid, response, error = obj["custom_id"], obj.get("response"), obj.get("error")
    if isinstance(error, dict) and error:
        code = str(error.get("code") or "")
        status = _OPENAI_CODES.get(code, ERRORED)
        return BatchResult(cid, status, None, f"{code}: {error.get('message') or ''}".strip(": "), name, line)
    if not isinstance(response, dict):
        raise InputError.at(
            name, line=line, column="response", expected="an object or an error", found=repr(response), fix=_FIX
        )
    raw_body = response.get("body")
    body: dict = raw_body if isinstance(raw_body, dict) else {}
    if response.get("status_code") != 200:
        message = (body.get("error") or {}).get("message", "") if isinstance(body.get("error"), dict) else ""
        return BatchResult(cid, ERRORED, None, f"HTTP {response.get('status_code')}: {message}".strip(": "), name, line)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return BatchResult(cid, SUCCEEDED, None, "no choices in the response body", name, line)
    content = (choices[0].get("message") or {}).get("content")
    return BatchResult(cid, SUCCEEDED, content if isinstance(content, str) else None, "", name, line)


def _anthropic(obj: dict, name: str, line: int) -> BatchResult:
    cid, result = obj["custom_id"], obj["result"]
    kind = result.get("type")
    if kind == SUCCEEDED:
        blocks = (result.get("message") or {}).get("content")
        texts = [b.get("text", "") for b in blocks or [] if isinstance(b, dict) and b.get("type") == "text"]
        return BatchResult(cid, SUCCEEDED, "".join(texts) if texts else None, "", name, line)
    if kind in (ERRORED, EXPIRED, CANCELED):
        error = result.get("error") or {}
        inner = error.get("error") if isinstance(error.get("error"), dict) else error
        detail = f"{inner.get('type', '')}: {inner.get('message', '')}".strip(": ") if isinstance(inner, dict) else ""
        return BatchResult(cid, kind, None, detail, name, line)
    raise InputError.at(
        name,
        line=line,
        column="result.type",
        expected="succeeded, errored, canceled or expired",
        found=repr(kind),
        fix=_FIX,
    )
