"""One chat request -> the providers' batch request formats, and the files that hold them.

OpenAI Batch API input: JSON Lines, one request per line,
`{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {"model", "messages", ...}}`;
a file may name one model only, so each model gets its own file. Anthropic Message Batches:
one JSON body `{"requests": [{"custom_id", "params": {"model", "max_tokens", "messages", "system"?}}]}`
(models may be mixed; custom_id must match ^[a-zA-Z0-9_-]{1,64}$).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write

OPENAI, ANTHROPIC = "openai", "anthropic"
PROVIDERS = (OPENAI, ANTHROPIC)
OPENAI_URL = "/v1/chat/completions"
ANTHROPIC_FILE = "anthropic_batch.json"
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ChatRequest:
    custom_id: str
    provider: str  # openai | anthropic
    model: str
    user: str  # the user message
    max_tokens: int
    system: str | None = None


def openai_file_name(model: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", model)
    return f"openai_batch.{safe}.jsonl"


def openai_line(r: ChatRequest) -> dict:
    messages = ([{"role": "system", "content": r.system}] if r.system else []) + [{"role": "user", "content": r.user}]
    body = {"model": r.model, "messages": messages, "max_completion_tokens": r.max_tokens}
    return {"custom_id": r.custom_id, "method": "POST", "url": OPENAI_URL, "body": body}


def anthropic_request(r: ChatRequest) -> dict:
    params: dict = {"model": r.model, "max_tokens": r.max_tokens, "messages": [{"role": "user", "content": r.user}]}
    if r.system:
        params["system"] = r.system
    return {"custom_id": r.custom_id, "params": params}


def check_provider(model: str, provider: str, role: str) -> str:
    """The batch API `model` goes through; a one-line InputError for any other provider."""
    if provider in PROVIDERS:
        return provider
    raise InputError(
        f"{role} {model!r}: provider {provider!r} has no batch format advisor writes "
        f"(it writes {', '.join(PROVIDERS)}). Choose an OpenAI or Anthropic model, or set its provider "
        "in the log's provider column if it is served by one of them."
    )


def write_batches(requests: list[ChatRequest], folder: Path) -> list[Path]:
    """Write the OpenAI files (one per model) and the Anthropic file into `folder`; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    by_model: dict[str, list[str]] = {}
    anthropic = []
    for r in requests:
        if not CUSTOM_ID.match(r.custom_id):
            raise ValueError(f"custom_id {r.custom_id!r} is not valid for the Anthropic batch API")
        if r.provider == OPENAI:
            by_model.setdefault(r.model, []).append(json.dumps(openai_line(r), ensure_ascii=False))
        else:
            anthropic.append(anthropic_request(r))
    for model, lines in sorted(by_model.items()):
        written.append(atomic_write(folder / openai_file_name(model), "\n".join(lines) + "\n"))
    if anthropic:
        text = json.dumps({"requests": anthropic}, ensure_ascii=False, indent=1) + "\n"
        written.append(atomic_write(folder / ANTHROPIC_FILE, text))
    return written
