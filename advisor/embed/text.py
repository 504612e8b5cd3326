"""Texts -> normalized texts (what 'identical text' means) and rows -> unit rows.

normalize_text(text) -> str                        NFKC, lower case, collapsed whitespace
unique_normalized(texts) -> (distinct texts, inverse)  each distinct normalized text once
l2_normalize(x) -> float32 rows of unit length
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Unicode NFKC, lower case, collapsed whitespace: what 'identical text' means for caching."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(text)).lower()).strip()


def unique_normalized(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct normalized texts in first-seen order, and each input's position among them."""
    norm = [normalize_text(t) for t in texts]
    index: dict[str, int] = {}
    inverse = np.empty(len(norm), dtype=np.int64)
    for i, t in enumerate(norm):
        inverse[i] = index.setdefault(t, len(index))
    return list(index), inverse


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
