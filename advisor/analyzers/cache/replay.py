"""Chronological cache replay: vectors in arrival order -> each call's best earlier cached match.

    replay(vectors, times_s=None, ttl_s=None, capacity=None) -> Replay(match_index, match_cosine, method)

Semantics (docs/cache.md): every cacheable call's own answer enters the cache; a later call
looks for the most similar entry still alive (younger than the TTL and not evicted by LRU)
and is a hit at threshold t when that cosine >= t. Because the best match does not depend on
t, one pass serves the whole threshold sweep. Among equally similar entries the earliest wins.

Search: a row whose vector equals an alive earlier row's (the same question asked again) is
answered by its earliest alive copy and not searched (without an LRU capacity). The others:
exact blocked matrix products while the exact work (searched query x alive-candidate pairs)
is at most that of `exact_max_rows` unique queries without TTL; above it an inverted-file
index (`IndexSettings`): spherical k-means lists trained on all vectors up front (the
analysis is offline), every call probes its nearest lists (more, up to `max_probes`, when its
centroid cosines are flat, i.e. the partition says little about where its match is), and each
list is scanned with one
matrix product per block of queries ("list-major"), masked so that a call only ever sees
strictly earlier, alive entries. Cosines are always exact inner products of the stored
float32 vectors; only which entries get looked at is approximate. Recall against exact
search is measured by `advisor bench --ann-sizes` and `python -m tests.benchmarks.bench_cache`.

LRU recency is updated after each block, so within one block a refresh is not yet seen: a
small, documented approximation that only matters when capacity is near the block size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.core.errors import ConfigError, InputError

NO_MATCH = -1

# Exact search costs n²/2 pair products. On the shared 2-core bench machine it took 8.7 s at
# 50,000 random unit vectors and 34 s at 100,000 (the index, in its worst case: 9.1 s and 28 s;
# tests/benchmarks/bench_cache.py --switch): up to 50,000 exact is as fast and exact, above
# it the n² growth breaks the 30 s budget for 100,000 queries.
EXACT_MAX_ROWS = 50_000


@dataclass(frozen=True)
class IndexSettings:
    """Inverted-file parameters ([cache.index] in the config), chosen by measurement. probes 48:
    recall@1 against exact search 0.9905 on 175,140 real MiniLM query embeddings (QQP +
    CLINC150 + MMLU; docs/benchmarks-ann-real.md, `python -m tests.benchmarks.bench_ann_real`).
    8 probes gave 0.934 with a quarter of the CPU: the misses sit at cosines 0.5-0.8, where real
    traffic has many rows; 48 still costs 0.39x exact search's CPU there. flat_margin 0.1 took
    synthetic random-direction clusters at 200k from 0.93 to 1.00 recall on close matches."""

    rows_per_list: int = 1000  # list count = rows / this: per-query probe cost stays small
    probes: int = 48  # lists each call scans at least
    max_probes: int = 64  # ... and at most, when its centroid cosines are flat:
    flat_margin: float = 0.1  # also scan lists whose centroid is within this of its nearest one
    queries_per_list: int = 1024  # calls per list and block: the products stay large enough for BLAS
    kmeans_iterations: int = 10
    kmeans_points_per_list: int = 64  # training sample per list; centroids only route the search

    def validate(self) -> IndexSettings:
        for name, low in (
            ("rows_per_list", 2),
            ("probes", 1),
            ("max_probes", 1),
            ("queries_per_list", 1),
            ("kmeans_iterations", 1),
            ("kmeans_points_per_list", 39),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError.setting(f"cache.index.{name}", f"an integer >= {low}", value)
        if not isinstance(self.flat_margin, (int, float)) or isinstance(self.flat_margin, bool) or self.flat_margin < 0:
            raise ConfigError.setting("cache.index.flat_margin", "a number >= 0", self.flat_margin)
        return self


@dataclass(frozen=True)
class Replay:
    """Per input row: index of the best earlier alive entry (-1 none) and its cosine (-1.0 none)."""

    match_index: np.ndarray
    match_cosine: np.ndarray
    method: str  # "exact" | "ivf"


def replay(
    vectors: np.ndarray,
    *,
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
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim != 2:
        raise InputError.at(
            "embeddings",
            expected="a 2-d array (rows, dim)",
            found=f"shape {v.shape}",
            fix="Pass one embedding per row.",
        )
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
    search = copy_of < 0
    limit = exact_max_rows * max(exact_max_rows - 1, 0) // 2
    if _exact_pairs(len(v), window, capacity, search) > limit:
        s = (index or IndexSettings()).validate()
        try:
            import faiss  # noqa: F401  (core dependency; without it the exact search still answers)
        except ImportError:
            pass
        else:
            return _with_copies(
                _replay_ivf(v, times, ttl_s, window, capacity, use_threshold, s, seed, search), v, copy_of
            )
    return _with_copies(_replay_exact(v, times, ttl_s, window, capacity, block, use_threshold, search), v, copy_of)


def _earliest_alive_copy(
    v: np.ndarray, times: np.ndarray | None, ttl_s: float | None, capacity: int | None
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
    from advisor.core.rows import unique_rows

    group = unique_rows(v)[1]  # equal ids: byte-identical vectors
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


def _with_copies(r: Replay, v: np.ndarray, copy_of: np.ndarray) -> Replay:
    """Fill in the rows answered by their own earlier copy (the search skipped them)."""
    rows = np.flatnonzero(copy_of >= 0)
    if rows.size:
        r.match_index[rows] = copy_of[rows]
        r.match_cosine[rows] = np.einsum("ij,ij->i", v[rows], v[copy_of[rows]])
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


def _alive_lru(cand: np.ndarray, first_row: int, last_use: np.ndarray, capacity: int | None) -> np.ndarray:
    # Every call inserts one entry, so the number of insertions since an entry's last use is
    # a row-count difference; more than `capacity` of them evicts it (LRU).
    if capacity is None:
        return np.ones(cand.size, dtype=bool)
    return (first_row - last_use[cand]) <= capacity


def _update_lru(last_use: np.ndarray, rows: np.ndarray, idx: np.ndarray, cos: np.ndarray, use_threshold: float) -> None:
    used = (idx >= 0) & (cos >= use_threshold)
    np.maximum.at(last_use, idx[used], rows[used])


def _replay_exact(v, times, ttl_s, window, capacity, block, use_threshold, search) -> Replay:
    """Blocks of `block` searched rows, each against every earlier row from its first row's window."""
    m = len(v)
    match_index = np.full(m, NO_MATCH, dtype=np.int64)
    match_cosine = np.full(m, -1.0, dtype=np.float32)
    last_use = np.arange(m, dtype=np.int64)
    queries = np.flatnonzero(search)
    for k in range(0, queries.size, block):
        rows = queries[k : k + block]
        a, b = int(rows[0]), int(rows[-1]) + 1
        lo = 0 if window is None else int(window[a])
        cand = np.arange(lo, b, dtype=np.int64)
        q = v[a:b] if rows.size == b - a else v[rows]  # contiguous rows: a view
        if capacity is None:
            sims = q @ v[lo:b].T  # a view: no copy of the earlier rows
        else:
            cand = cand[_alive_lru(cand, a, last_use, capacity)]  # rows of this block are alive
            sims = q @ v[cand].T
        _mask_later_and_expired(sims, rows, cand, times, ttl_s)
        idx, cos = _best(sims, cand)
        match_index[rows], match_cosine[rows] = idx, cos
        if capacity is not None:
            _update_lru(last_use, rows, idx, cos, use_threshold)
    return Replay(match_index=match_index, match_cosine=match_cosine, method="exact")


def _mask_later_and_expired(sims: np.ndarray, rows: np.ndarray, cand: np.ndarray, times, ttl_s) -> None:
    """-inf where a candidate is not strictly earlier than the row, or expired for it.

    `cand` is sorted, so only its columns at or after the first row can be later."""
    k0 = int(np.searchsorted(cand, rows[0]))
    if k0 < cand.size:
        sims[:, k0:][cand[None, k0:] >= rows[:, None]] = -np.inf
    if times is not None:
        # TTL counts from the entry's insertion: a hit serves it but does not renew it.
        sims[times[cand][None, :] < (times[rows, None] - ttl_s)] = -np.inf


def _best(sims: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise best candidate; argmax takes the first of equal maxima, i.e. the earliest entry."""
    if sims.shape[1] == 0:
        n = sims.shape[0]
        return np.full(n, NO_MATCH, dtype=np.int64), np.full(n, -1.0, dtype=np.float32)
    j = np.argmax(sims, axis=1)
    c = sims[np.arange(len(sims)), j]
    ok = np.isfinite(c)
    return np.where(ok, cand[j], NO_MATCH), np.where(ok, c, -1.0).astype(np.float32)


def _replay_ivf(
    v, times, ttl_s, window, capacity, use_threshold, s: IndexSettings, seed: int, search: np.ndarray
) -> Replay:
    """Rows not in `search` probe no list (their answer is known); every row is an entry."""
    m = len(v)
    lists = _InvertedLists.build(v, s, seed, search)
    # Each list meets about queries_per_list calls per block (16 GFLOPS at 130 per list, 34 at
    # 1,000, measured at 400k rows). LRU recency is refreshed per block, so a capacity caps it.
    nlist = len(lists.starts) - 1
    per_row = max(1.0, float((lists.probes >= 0).sum()) / max(int(search.sum()), 1))
    block = max(
        1, min(int(s.queries_per_list * nlist / per_row * m / max(int(search.sum()), 1)), 1 << 18, capacity or m)
    )
    match_index = np.full(m, NO_MATCH, dtype=np.int64)
    match_cosine = np.full(m, -1.0, dtype=np.float32)
    last_use = np.arange(m, dtype=np.int64)
    for a in range(0, m, block):
        b = min(a + block, m)
        rows = np.arange(a, b, dtype=np.int64)
        q_rows, q_idx, q_cos = [], [], []
        for c, qs in lists.queries_by_list(a, b):
            mem = lists.members(c, int(qs[-1]))  # entries inserted before the last query
            if window is not None:
                mem = mem[np.searchsorted(mem, window[qs[0]]) :]
            if capacity is not None:
                mem = mem[_alive_lru(mem, a, last_use, capacity)]
            if mem.size == 0:
                continue
            # Chunks keep one product at most ~4M cosines (16 MB) on unbalanced lists.
            step = max(1, (1 << 22) // mem.size)
            vm = v[mem]
            for k in range(0, qs.size, step):
                qk = qs[k : k + step]
                sims = v[qk] @ vm.T
                _mask_later_and_expired(sims, qk, mem, times, ttl_s)
                idx, cos = _best(sims, mem)
                q_rows.append(qk), q_idx.append(idx), q_cos.append(cos)
        idx, cos = _merge_per_row(rows, q_rows, q_idx, q_cos)
        match_index[a:b], match_cosine[a:b] = idx, cos
        if capacity is not None:
            _update_lru(last_use, rows, idx, cos, use_threshold)
    return Replay(match_index=match_index, match_cosine=match_cosine, method="ivf")


def _merge_per_row(rows, q_rows, q_idx, q_cos) -> tuple[np.ndarray, np.ndarray]:
    """Each row's best over the lists it probed: highest cosine, then earliest entry."""
    n, a = len(rows), int(rows[0])
    idx = np.full(n, NO_MATCH, dtype=np.int64)
    cos = np.full(n, -1.0, dtype=np.float32)
    if not q_rows:
        return idx, cos
    r, j, c = np.concatenate(q_rows), np.concatenate(q_idx), np.concatenate(q_cos)
    found = j >= 0
    r, j, c = r[found], j[found], c[found]
    order = np.lexsort((j, -c, r))
    r, j, c = r[order], j[order], c[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    idx[r[first] - a], cos[r[first] - a] = j[first], c[first]
    return idx, cos


@dataclass(frozen=True)
class _InvertedLists:
    """Rows grouped by their nearest centroid (each list in arrival order) and each row's probes."""

    order: np.ndarray  # row ids sorted by (list, row)
    starts: np.ndarray  # list c holds order[starts[c]:starts[c + 1]]
    probes: np.ndarray  # (m, max probes) lists each row scans, nearest first; -1: none

    @classmethod
    def build(cls, v: np.ndarray, s: IndexSettings, seed: int, search: np.ndarray | None = None) -> _InvertedLists:
        """search: rows that look for matches (default all); the others probe no list."""
        import faiss

        m, d = v.shape
        nlist = max(1, min(m // s.rows_per_list, m // s.kmeans_points_per_list))
        km = faiss.Kmeans(
            d,
            nlist,
            niter=s.kmeans_iterations,
            seed=seed,
            spherical=True,
            max_points_per_centroid=s.kmeans_points_per_list,
            verbose=False,
        )
        km.train(v)  # faiss samples max_points_per_centroid · nlist rows with `seed`
        quantizer = faiss.IndexFlatIP(d)
        quantizer.add(km.centroids)
        k = min(max(s.probes, s.max_probes if s.flat_margin > 0 else s.probes), nlist)
        probes = np.empty((m, k), dtype=np.int32)
        for a in range(0, m, 65536):  # chunks keep the (rows, k) scores small
            score, lists = quantizer.search(v[a : a + 65536], k)
            far = score < score[:, :1] - s.flat_margin
            far[:, : s.probes] = False
            probes[a : a + 65536] = np.where(far, -1, lists)
        home = probes[:, 0].astype(np.int64)  # every row is an entry in its nearest list
        if search is not None:
            probes[~search] = -1
        order = np.argsort(home, kind="stable")
        starts = np.searchsorted(home[order], np.arange(nlist + 1))
        return cls(order=order.astype(np.int64), starts=starts, probes=probes)

    def members(self, c: int, before: int) -> np.ndarray:
        mem = self.order[self.starts[c] : self.starts[c + 1]]
        return mem[: np.searchsorted(mem, before)]

    def queries_by_list(self, a: int, b: int):
        """(list, rows in a..b-1 probing it, ascending) for every list probed by the block."""
        p = self.probes[a:b]
        rows = np.repeat(np.arange(a, b, dtype=np.int64), p.shape[1])
        lst = p.ravel().astype(np.int64)
        rows, lst = rows[lst >= 0], lst[lst >= 0]
        order = np.argsort(lst, kind="stable")
        rows, lst = rows[order], lst[order]
        if lst.size == 0:  # every row of the block repeats an earlier one: nothing to search
            return
        cuts = np.flatnonzero(np.diff(lst)) + 1
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, lst.size]):
            yield int(lst[lo]), rows[lo:hi]
