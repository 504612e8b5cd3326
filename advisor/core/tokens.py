"""Offline token counting: texts -> np.ndarray[int64] of token counts.

Uses the `bpe-openai` package, whose OpenAI vocabularies are compiled in, so counting never
touches the network (tiktoken downloads its vocabularies on first use). Counts are the raw
BPE length of each text; chat-format overhead (a few tokens per message) is not added, so
counts derived from text are a slight underestimate of what a provider bills.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from advisor.core.errors import InputError

DEFAULT_ENCODING = "o200k_base"
# Only these two are compiled into bpe-openai; its other encodings (gpt2, p50k, ...) are
# fetched over the network on first use, which advisor never does.
OFFLINE_ENCODINGS = ("o200k_base", "cl100k_base")


@lru_cache(maxsize=4)
def _encoding(name: str):
    """An object with encode_ordinary(text) -> token ids for an offline encoding."""
    if name not in OFFLINE_ENCODINGS:
        raise InputError(
            f"tokenizer: expected an offline encoding among {', '.join(OFFLINE_ENCODINGS)}, found {name!r}. "
            f"Use one of those names (o200k_base fits current OpenAI models)."
        )
    compiled = _compiled_tokenizer(name)
    if compiled is not None:
        return _Compiled(compiled)
    import bpe_openai

    return bpe_openai.get_encoding(name)


class _Compiled:
    """bpe-openai's Rust tokenizer with the checks its encode_ordinary makes: text that is not
    valid UTF-8 (lone surrogates) is repaired the same way first."""

    def __init__(self, tokenizer):
        self._tok = tokenizer

    def encode_ordinary(self, text: str) -> list[int]:
        try:
            return self._tok.encode(text)
        except UnicodeEncodeError:
            return self._tok.encode(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def _compiled_tokenizer(name: str):
    """bpe-openai's compiled extension, loaded without running the package's __init__, or None.

    Importing `bpe_openai` builds Python dicts of all three of its vocabularies (~0.5 s, a
    good part of what analyze spends beside embedding on 100k calls); the Rust tokenizer
    carries its own copy and needs none of them. Any surprise in the package's layout falls
    back to the public API (a test checks both give the same counts)."""
    import importlib.machinery
    import importlib.util

    try:
        spec = importlib.util.find_spec("bpe_openai")
        folders = list(spec.submodule_search_locations or []) if spec else []
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            for folder in folders:
                path = f"{folder}/_bindings{suffix}"
                loader = importlib.machinery.ExtensionFileLoader("bpe_openai._bindings", path)
                spec_at = importlib.util.spec_from_file_location("bpe_openai._bindings", path, loader=loader)
                if spec_at is None:
                    continue
                try:
                    module = importlib.util.module_from_spec(spec_at)
                except (ImportError, OSError):
                    continue
                loader.exec_module(module)
                return module.tokenizer_for_encoding(name)
    except Exception:
        return None
    return None


class TokenCounter:
    """Counts tokens one text at a time, encoding each distinct text once.

    For streaming readers that should not keep every text alive just to count it later.
    """

    def __init__(self, encoding: str = DEFAULT_ENCODING):
        self._enc = _encoding(encoding)
        self._seen: dict[str, int] = {}

    def __call__(self, text: object) -> int:
        if not isinstance(text, str):
            return 0
        n = self._seen.get(text)
        if n is None:
            # A plain loop beats encode_ordinary_batch here: its thread pool only adds
            # overhead on small machines (measured 7x slower on 2 cores for short texts).
            n = len(self._enc.encode_ordinary(text))
            self._seen[text] = n
        return n


def count_tokens(texts: Iterable[object], encoding: str = DEFAULT_ENCODING) -> np.ndarray:
    """Token count of each text; missing values (None, NaN) count as 0.

    Identical texts are encoded once: logs repeat system prompts and FAQ questions a lot.
    Special-token strings such as "<|endoftext|>" are counted as ordinary text, because in a
    log they are content, not control tokens.
    """
    counter = TokenCounter(encoding)
    return np.fromiter((counter(t) for t in texts), dtype=np.int64)
