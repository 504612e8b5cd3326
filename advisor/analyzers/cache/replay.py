"""Chronological cache replay: vectors in arrival order -> each call's best earlier cached match.

    replay(vectors, times_s=None, ttl_s=None, capacity=None, ids=None) -> Replay(match_index, match_cosine, method)

`vectors` is one row per call, or, with `ids`, the distinct vectors and each call's row in them
(call_vectors.py: no per-call matrix; the same answer).

Semantics (docs/cache.md): every cacheable call's own answer enters the cache; a later call
looks for the most similar entry still alive (younger than the TTL and not evicted by LRU)
and is a hit at threshold t when that cosine >= t. Because the best match does not depend on
t, one pass serves the whole threshold sweep. Among equally similar entries the earliest wins.

Search: a row whose vector equals an alive earlier row's (the same question asked again) is
answered by its earliest alive copy and not searched (without an LRU capacity). The others:
exact blocked matrix products while the exact work (searched query x alive-candidate pairs)
is at most that of `exact_max_rows` unique queries without TTL; above it the inverted-file
index of ivf.py (`IndexSettings`). Cosines are always exact inner products of the stored
float32 vectors; only which entries the index looks at is approximate. Recall against exact
search is measured by `advisor bench --ann-sizes` and `python -m tests.benchmarks.bench_cache`.

LRU recency is updated after each block, so within one block a refresh is not yet seen: a
small, documented approximation that only matters when capacity is near the block size.
"""

from __future__ import annotations

import numpy as np

from advisor.analyzers.cache.call_vectors import CallVectors
from advisor.analyzers.cache.ivf import IndexSettings, replay_ivf
from advisor.analyzers.cache.scan import (
    NO_MATCH,
    Replay,
    ReplayScope,
    alive_lru,
    best_match,
    mask_later_and_expired,
    update_lru,
)
from advisor.core.errors import InputError

# Exact search costs n²/2 pair products. On the shared 2-core bench machine it took 8.7 s at
# 50,000 random unit vectors and 34 s at 100,000 (the index, in its worst case: 9.1 s and 28 s;
# tests/benchmarks/bench_cache.py --switch): up to 50,000 exact is as fast and exact, above
# it the n² growth breaks the 30 s budget for 100,000 queries.
EXACT_MAX_ROWS = 50_000


def replay(
    vectors: np.ndarray | CallVectors,
    *,
    ids: np.ndarray | None = None,
    times_s: np.ndarray | None = None,
    ttl_s: float | None = None,
    capacity: int | None = None,
    block: int = 1024,
    exact_max_rows: int = EXACT_MAX_ROWS,
    index: IndexSettings | None = None,
    use_threshold: float = 0.7,
    seed: int = 0,
) -> Replay:
    """Nearest earlier alive neighbour of every row (rows in arrival order, L2-normalized).

    `use_threshold`: a match at or above it counts as a use for LRU recency.
    `exact_max_rows`: exact search while its work is at most that of this many rows without
    TTL; 0 always uses the index (when faiss is installed).
    """
    v = CallVectors.of(vectors, ids)
    times = None if times_s is None or ttl_s is None else np.asarray(times_s, dtype=np.float64)
    if times is not None and len(times) != len(v):
        raise InputError.at(
            "embeddings",
            expected=f"{len(v)} timestamps (one per vector)",
            found=f"{len(times)}",
            fix="Pass times_s in the same row order as the vectors.",
        )
    window = _ttl_window_starts(times, ttl_s, len(v))
    copy_of = _earliest_alive_copy(v, times, ttl_s, capacity)
    scope = ReplayScope(times, ttl_s, window, capacity, use_threshold, search=copy_of < 0)
    limit = exact_max_rows * max(exact_max_rows - 1, 0) // 2
    if _exact_pairs(len(v), window, capacity, scope.search) > limit:
        s = (index or IndexSettings()).validate()
        try:
            import faiss  # noqa: F401  (core dependency; without it the exact search still answers)
        except ImportError:
            pass
        else:
            return _with_copies(replay_ivf(v, scope, s, seed), v, copy_of)
    return _with_copies(_replay_exact(v, scope, block), v, copy_of)


def _earliest_alive_copy(
    v: np.ndarray | CallVectors, times: np.ndarray | None, ttl_s: float | None, capacity: int | None
) -> np.ndarray:
    """Per row, the earliest earlier row holding the same vector (bytes) that is still alive for
    it, else -1. That copy is the row's answer: no other entry can score above a vector's
    cosine with itself (bar float rounding between vectors that agree to ~1e-7), and among
    equal scores the earliest alive entry wins, as in the search. A log repeats its questions
    (61 % of the cacheable calls of `advisor sample --calls 1000000`, a one-off count), so most
    rows need no search.
    Not used with an LRU capacity (whether a copy survived depends on the replay itself) or
    when the times are out of order."""
    m = len(v)
    none = np.full(m, NO_MATCH, dtype=np.int64)
    if capacity is not None or m < 2 or (times is not None and np.any(np.diff(times) < 0)):
        return none
    group = CallVectors.of(v).groups()  # equal ids: byte-identical vectors
    rows = np.arange(m, dtype=np.int64)
    order = np.lexsort((rows, group))  # by vector, then arrival
    if times is None:
        first = np.full(int(group.max()) + 1, m, dtype=np.int64)
        np.minimum.at(first, group, rows)
        copy = first[group]
    else:
        # The first row of the same vector inserted at or after t - ttl, found with one sorted
        # search: keys (vector, rank of the time), ranks being exact integers where the times
        # are floats (a time is >= t - ttl exactly when its rank among the times is).
        rank = np.searchsorted(times, times, side="left")
        due = np.searchsorted(times, times - ttl_s, side="left")
        key = group[order] * (m + 1) + rank[order]
        copy = order[np.searchsorted(key, group * (m + 1) + due, side="left")]
    return np.where(copy < rows, copy, NO_MATCH)


def _with_copies(r: Replay, v: CallVectors, copy_of: np.ndarray, chunk: int = 65536) -> Replay:
    """Fill in the rows answered by their own earlier copy (the search skipped them), `chunk`
    rows at a time (the gathered rows stay small)."""
    rows = np.flatnonzero(copy_of >= 0)
    r.match_index[rows] = copy_of[rows]
    for k in range(0, rows.size, chunk):
        part = rows[k : k + chunk]
        r.match_cosine[part] = np.einsum("ij,ij->i", v[part], v[copy_of[part]])
    return r


def _ttl_window_starts(times: np.ndarray | None, ttl_s: float | None, m: int) -> np.ndarray | None:
    """First row that can still be alive for each row (times sorted), else None (scan from 0)."""
    if times is None or ttl_s is None or m == 0 or np.any(np.diff(times) < 0):
        return None
    return np.searchsorted(times, times - ttl_s, side="left")


def _exact_pairs(m: int, window: np.ndarray | None, capacity: int | None, search: np.ndarray | None = None) -> int:
    """How many (query, candidate) products the exact search computes (an upper bound), for
    the rows in `search` (default all)."""
    earlier = np.arange(m, dtype=np.int64)
    if window is not None:
        earlier = earlier - window
    if capacity is not None:
        # At a block start at most 2·capacity entries are alive: each of the last `capacity`
        # rows inserted one entry and refreshed at most one other.
        earlier = np.minimum(earlier, 2 * capacity)
    return int(earlier.sum() if search is None else earlier[search].sum())


def _replay_exact(v: CallVectors, scope: ReplayScope, block: int) -> Replay:
    """Blocks of `block` searched rows, each against every earlier row from its first row's window."""
    m = len(v)
    window, capacity = scope.window, scope.capacity
    match_index = np.full(m, NO_MATCH, dtype=np.int64)
    match_cosine = np.full(m, -1.0, dtype=np.float32)
    last_use = np.arange(m, dtype=np.int64)
    queries = np.flatnonzero(scope.search)
    for k in range(0, queries.size, block):
        rows = queries[k : k + block]
        a, b = int(rows[0]), int(rows[-1]) + 1
        lo = 0 if window is None else int(window[a])
        cand = np.arange(lo, b, dtype=np.int64)
        q = v[a:b] if rows.size == b - a else v[rows]  # contiguous rows without ids: a view
        if capacity is None:
            sims = q @ v[lo:b].T  # without ids a view: no copy of the earlier rows
        else:
            cand = cand[alive_lru(cand, a, last_use, capacity)]  # rows of this block are alive
            sims = q @ v[cand].T
        mask_later_and_expired(sims, rows, cand, scope.times, scope.ttl_s)
        idx, cos = best_match(sims, cand)
        match_index[rows], match_cosine[rows] = idx, cos
        if capacity is not None:
            update_lru(last_use, rows, idx, cos, scope.use_threshold)
    return Replay(match_index=match_index, match_cosine=match_cosine, method="exact")
