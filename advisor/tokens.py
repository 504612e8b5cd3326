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

from .errors import InputError

DEFAULT_ENCODING = "o200k_base"
# Only these two are compiled into bpe-openai; its other encodings (gpt2, p50k, ...) are
# fetched over the network on first use, which advisor never does.
OFFLINE_ENCODINGS = ("o200k_base", "cl100k_base")


@lru_cache(maxsize=4)
def _encoding(name: str):
    if name not in OFFLINE_ENCODINGS:
        raise InputError(
            f"tokenizer: expected an offline encoding among {', '.join(OFFLINE_ENCODINGS)}, found {name!r}. "
            f"Use one of those names (o200k_base fits current OpenAI models)."
        )
    import bpe_openai

    return bpe_openai.get_encoding(name)


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
