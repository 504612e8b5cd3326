"""One block of query rows x candidate entries -> each row's best strictly earlier, alive entry.

The pieces both replays (exact in replay.py, inverted-file in ivf.py) are made of: what a
replay knows besides the vectors (`ReplayScope`), LRU liveness and refresh, the mask of later
or expired candidates, and the row-wise best with the earliest entry winning ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_MATCH = -1


@dataclass(frozen=True)
class Replay:
    """Per input row: index of the best earlier alive entry (-1 none) and its cosine (-1.0 none)."""

    match_index: np.ndarray
    match_cosine: np.ndarray
    method: str  # "exact" | "ivf"


@dataclass(frozen=True)
class ReplayScope:
    """What bounds a replay's search besides the vectors (rows in arrival order)."""

    times: np.ndarray | None  # seconds, one per row; None = no TTL
    ttl_s: float | None
    window: np.ndarray | None  # first row that can still be alive for each row (sorted times), else None
    capacity: int | None  # LRU entries; None = unlimited
    use_threshold: float  # a match at or above it counts as a use for LRU recency
    search: np.ndarray  # bool per row: rows that look for a match (the others repeat an earlier copy)


def alive_lru(cand: np.ndarray, first_row: int, last_use: np.ndarray, capacity: int | None) -> np.ndarray:
    # Every call inserts one entry, so the number of insertions since an entry's last use is
    # a row-count difference; more than `capacity` of them evicts it (LRU).
    if capacity is None:
        return np.ones(cand.size, dtype=bool)
    return (first_row - last_use[cand]) <= capacity


def update_lru(last_use: np.ndarray, rows: np.ndarray, idx: np.ndarray, cos: np.ndarray, use_threshold: float) -> None:
    used = (idx >= 0) & (cos >= use_threshold)
    np.maximum.at(last_use, idx[used], rows[used])


def mask_later_and_expired(sims: np.ndarray, rows: np.ndarray, cand: np.ndarray, times, ttl_s) -> None:
    """-inf where a candidate is not strictly earlier than the row, or expired for it.

    `cand` is sorted, so only its columns at or after the first row can be later."""
    k0 = int(np.searchsorted(cand, rows[0]))
    if k0 < cand.size:
        sims[:, k0:][cand[None, k0:] >= rows[:, None]] = -np.inf
    if times is not None:
        # TTL counts from the entry's insertion: a hit serves it but does not renew it.
        sims[times[cand][None, :] < (times[rows, None] - ttl_s)] = -np.inf


def best_match(sims: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise best candidate; argmax takes the first of equal maxima, i.e. the earliest entry."""
    if sims.shape[1] == 0:
        n = sims.shape[0]
        return np.full(n, NO_MATCH, dtype=np.int64), np.full(n, -1.0, dtype=np.float32)
    j = np.argmax(sims, axis=1)
    c = sims[np.arange(len(sims)), j]
    ok = np.isfinite(c)
    return np.where(ok, cand[j], NO_MATCH), np.where(ok, c, -1.0).astype(np.float32)
