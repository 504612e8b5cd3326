"""Sampling keys -> hash points: where each call falls in [0, 1), and the bottom-k threshold.

    sample_points(keys, seed) -> float64 in [0, 1)          (pure: where each key falls)
    sample_keys(conversation_ids, file, rows) -> str keys    (pure: conversation, else row)
    bottom_k_threshold(points, max_rows) -> the threshold that keeps at most max_rows

The key is the conversation id, so a conversation is kept or dropped whole; a row without a
conversation id is keyed by its file and row.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# ------------------------------------------------------------------------------ pure parts


def _hash_key(seed: int) -> str:
    # pandas' SipHash takes a 16-byte key; derive it from the seed so samples differ by seed.
    return hashlib.sha256(str(int(seed)).encode()).hexdigest()[:16]


def sample_points(keys: np.ndarray, seed: int) -> np.ndarray:
    """Each key's position in [0, 1): SipHash of the key under a seed-derived key, top 53 bits.

    Deterministic across runs and machines; equal keys get equal points.
    """
    keys = np.asarray(keys, dtype=object)
    if len(keys) == 0:
        return np.zeros(0)
    h = pd.util.hash_array(keys, hash_key=_hash_key(seed), categorize=False)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def has_conversation(conversation_ids: np.ndarray | None, n: int) -> np.ndarray:
    """Which rows carry a conversation id (not missing, not empty)."""
    if conversation_ids is None:
        return np.zeros(n, dtype=bool)
    ids = pd.Series(conversation_ids, dtype=object)
    return (ids.notna() & (ids.fillna("").astype(str) != "")).to_numpy()


def sample_keys(conversation_ids: np.ndarray | None, file: str, rows: np.ndarray) -> np.ndarray:
    """ "c:<conversation id>" where there is one, else "r:<file>:<row>" (the row on its own)."""
    out = (f"r:{file}:" + pd.Series(rows, dtype=np.int64).astype(str)).to_numpy(dtype=object)
    has = has_conversation(conversation_ids, len(rows))
    if has.any():
        ids = pd.Series(np.asarray(conversation_ids, dtype=object)[has], dtype=object).astype(str)
        out[has] = ("c:" + ids).to_numpy(dtype=object)
    return out


def bottom_k_threshold(points: np.ndarray, max_rows: int) -> float:
    """The largest threshold that keeps at most `max_rows` of `points` (strictly below it)."""
    if len(points) <= max_rows:
        return 1.0
    return float(np.partition(points, max_rows)[max_rows])
