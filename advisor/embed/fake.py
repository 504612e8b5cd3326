"""Texts -> deterministic float32 unit vectors without a model: the embedder tests and users fake with.

FakeEmbedder(dim=64).encode(texts) -> float32 (n, dim), the Embedder contract
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from advisor.core.progress import CountProgress
from advisor.embed.text import l2_normalize, normalize_text, unique_normalized


class FakeEmbedder:
    """Deterministic hashed bag of words + character trigrams -> normalized vector.

    Texts that share words are similar, unrelated texts are nearly orthogonal: enough
    structure for unit tests of the cache logic without loading a model.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.model_id = f"fake-hash-{dim}"
        self.calls = 0  # how many texts were actually embedded (tests check dedup)

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float64)
        norm = normalize_text(text)
        grams = norm.split() + [norm[i : i + 3] for i in range(max(len(norm) - 2, 0))]
        for g in grams:
            h = hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest()
            idx = int.from_bytes(h[:4], "little") % self.dim
            v[idx] += 1.0 if h[4] & 1 else -1.0
        if not v.any():
            v[0] = 1.0
        return v

    def encode(self, texts: Sequence[str], progress: CountProgress | None = None) -> np.ndarray:
        unique, inverse = unique_normalized(texts)
        self.calls += len(unique)
        out = l2_normalize(np.array([self._vector(t) for t in unique]).reshape(len(unique), self.dim))
        if progress:
            progress(len(unique), len(unique))
        return out[inverse]
