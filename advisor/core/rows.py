"""Grouping identical vectors: each distinct row once, and every row's group.

Shared by the cache replay (calls repeating an earlier call's exact vector) and the router
(one fit row per distinct text).
"""

from __future__ import annotations

import numpy as np


def unique_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct row, inverse: distinct index per row), distinct rows in hash order.

    Calls with the same text have byte-identical embeddings (the embedder embeds each
    distinct text once), so this groups them without needing the texts. Rows are hashed
    (exact integer arithmetic on their bytes, so equal rows hash equal) and the grouping is
    checked against the rows themselves (sorting 100k rows of 1.5 kB as bytes is several times slower)."""
    X = np.ascontiguousarray(X)
    if len(X) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat = X.reshape(len(X), -1)
    words = flat.view(np.uint8).reshape(len(X), -1)
    if words.shape[1] % 4 == 0:
        words = words.view(np.uint32)
    # The first 16 words of an embedding already tell distinct texts apart; the check below
    # catches the (astronomically rare) rows that agree there and differ later.
    words = words[:, :16]
    multipliers = np.random.default_rng(0).integers(1, 2**63, size=words.shape[1], dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        keys = (words.astype(np.uint64) * multipliers).sum(axis=1, dtype=np.uint64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not _same_rows(flat, first[inverse]):  # rows that share a key but differ: sort the bytes
        rows = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse


def _same_rows(flat: np.ndarray, other: np.ndarray) -> bool:
    """Whether every row equals row other[i], compared in chunks (no copy of the whole matrix)."""
    return all(np.array_equal(flat[a : a + 4096], flat[other[a : a + 4096]]) for a in range(0, len(flat), 4096))
