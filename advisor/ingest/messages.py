"""A chat-format `messages` value (LiteLLM, OpenAI request bodies) -> the query text it holds.

Gateways log the whole request: a JSON list of {"role", "content"} messages, as a list (JSONL)
or as its JSON text (CSV). The query is the last user message, as for OpenAI-chat files
(advisor/ingest/openai_chat.py); any other value is left as it is.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from advisor.ingest.openai_chat import split_messages


def _as_messages(value: Any) -> list | None:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.lstrip().startswith("[") and '"role"' in value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    return None


def query_from_messages(values: pd.Series) -> pd.Series:
    """Each chat-format value replaced by its last user message; other values unchanged."""
    sample = values.dropna().head(20)
    if not any(_as_messages(v) is not None for v in sample):
        return values  # plain query text: nothing to parse (and no per-row work)

    def one(value: Any) -> Any:
        messages = _as_messages(value)
        return value if messages is None else split_messages(messages)[0]

    return values.map(one).astype(object)
