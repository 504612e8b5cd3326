"""OpenAI chat-completions JSONL -> raw table in schema columns.

Each line is one call: the request (`messages`, `model`, `user`, `metadata`) and the response
(`usage`, `choices`, `model`, `created`), either merged in one object (gateway logs), wrapped
as {"request": {...}, "response": {...}}, or in the Batch API layout where both sides sit
under "body". The last user message is the query. System (and developer) messages give
`system_tokens`; every other message before the last user message gives `history_tokens`;
both are counted from text because `usage` does not split the prompt. Token totals come
from `usage` when present, else from the text, and the table says how many rows that was.

This layout is nested, so lines are parsed one by one (json), unlike flat JSONL.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.tokens import DEFAULT_ENCODING, TokenCounter
from advisor.ingest.jsonl import iter_objects
from advisor.ingest.readers import RawTable

SYSTEM_ROLES = ("system", "developer")


def _sides(obj: dict) -> tuple[dict, dict]:
    req = obj.get("request", obj)
    req = req if isinstance(req, dict) else {}
    if isinstance(req.get("body"), dict):
        req = req["body"]
    resp = obj.get("response", obj)
    resp = resp if isinstance(resp, dict) else {}
    if isinstance(resp.get("body"), dict):
        resp = resp["body"]
    return req, resp


def _dict_at(obj: dict, key: str) -> dict:
    """obj[key] when it is an object, else an empty one (a missing or malformed part reads as absent)."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def is_chat_record(obj: dict) -> bool:
    """True for a record in one of the chat-completions layouts."""
    req, resp = _sides(obj)
    return isinstance(req.get("messages"), list) or (isinstance(resp.get("usage"), dict) and "choices" in resp)


def _why_not_chat(obj: dict) -> str | None:
    return None if is_chat_record(obj) else "an object without 'messages' or 'usage' and 'choices'"


def _content_text(content: object) -> str:
    """Message content as text: a string, or the text parts of a multimodal list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        return "\n".join(parts)
    return ""


def split_messages(messages: list) -> tuple[str | None, str, str, str]:
    """(query, system text, history text, all text) of one request's messages."""
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    texts = [_content_text(m.get("content")) if isinstance(m, dict) else "" for m in messages]
    last_user = max((i for i, r in enumerate(roles) if r == "user"), default=None)
    system = "\n".join(t for t, r in zip(texts, roles) if r in SYSTEM_ROLES)
    upto = last_user if last_user is not None else len(messages)
    history = "\n".join(t for t, r in zip(texts[:upto], roles[:upto]) if r not in SYSTEM_ROLES)
    query = texts[last_user] if last_user is not None else None
    return query, system, history, "\n".join(texts)


def read_openai_chat(path: Path, data: bytes, skip_bad_rows: bool) -> RawTable:
    file = str(path)
    skipped: Counter[str] = Counter()
    count = TokenCounter()
    cols: dict[str, list] = {
        c: []
        for c in (
            schema.TIMESTAMP,
            schema.MODEL,
            schema.INPUT_TOKENS,
            schema.OUTPUT_TOKENS,
            schema.CACHED_INPUT_TOKENS,
            schema.QUERY,
            schema.RESPONSE,
            schema.USER_ID,
            schema.CONVERSATION_ID,
            schema.SYSTEM_TOKENS,
            schema.HISTORY_TOKENS,
            schema.IS_BATCH,
        )
    }
    lines: list[int] = []
    counted = 0
    # Streamed: each line's texts are counted and dropped at once, so a big log does not
    # keep every system prompt and history alive.
    for number, obj in iter_objects(file, data, skip_bad_rows, skipped, check=_why_not_chat):
        req, resp = _sides(obj)
        usage = _dict_at(resp, "usage")
        details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
        messages = req.get("messages") if isinstance(req.get("messages"), list) else None
        query, system, history, prompt = split_messages(messages) if messages is not None else (None,) * 4
        choices = resp.get("choices") if isinstance(resp.get("choices"), list) else []
        first = choices[0] if choices and isinstance(choices[0], dict) else {}
        message = _dict_at(first, "message")
        response = _content_text(message.get("content")) if message else None
        metadata = _dict_at(req, "metadata")
        # Raw values: a malformed count must reach validation and be reported, not be
        # replaced by a count from the text. usage is authoritative; text only fills gaps.
        tokens_in = usage.get("prompt_tokens", usage.get("input_tokens"))
        tokens_out = usage.get("completion_tokens", usage.get("output_tokens"))
        if (tokens_in is None and prompt is not None) or (tokens_out is None and response is not None):
            counted += 1
        if tokens_in is None and prompt is not None:
            tokens_in = count(prompt)
        if tokens_out is None and response is not None:
            tokens_out = count(response)
        cols[schema.TIMESTAMP].append(resp.get("created", obj.get("created", obj.get("timestamp"))))
        cols[schema.MODEL].append(resp.get("model") or req.get("model") or obj.get("model"))
        cols[schema.INPUT_TOKENS].append(tokens_in)
        cols[schema.OUTPUT_TOKENS].append(tokens_out)
        cols[schema.CACHED_INPUT_TOKENS].append(details.get("cached_tokens") if isinstance(details, dict) else None)
        cols[schema.QUERY].append(query)
        cols[schema.RESPONSE].append(response)
        cols[schema.USER_ID].append(req.get("user") or metadata.get("user_id"))
        cols[schema.CONVERSATION_ID].append(metadata.get("conversation_id") or metadata.get("session_id"))
        cols[schema.SYSTEM_TOKENS].append(count(system) if messages is not None else None)
        cols[schema.HISTORY_TOKENS].append(count(history) if messages is not None else None)
        # A Batch API output line (custom_id + response.body) was billed at batch prices.
        cols[schema.IS_BATCH].append(
            True if "custom_id" in obj and _dict_at(_dict_at(obj, "response"), "body") else None
        )
        lines.append(number)

    frame = pd.DataFrame(cols)
    for c in (schema.MODEL, schema.USER_ID, schema.CONVERSATION_ID):
        frame[c] = frame[c].map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
    warnings: tuple[str, ...] = ()
    if frame[schema.SYSTEM_TOKENS].notna().any():
        warnings = (
            f"{file}: system_tokens and history_tokens were counted from message text with "
            f"{DEFAULT_ENCODING} (without per-message overhead).",
        )
    frame = frame.dropna(axis=1, how="all")
    return RawTable(file, frame, np.asarray(lines, dtype=np.int64), "line", (), dict(skipped), counted, warnings)
