"""Vectors in arrival order -> each row's best earlier alive match, searched through an inverted-file index.

    replay_ivf(vectors, scope, IndexSettings, seed) -> Replay(method="ivf")

Spherical k-means lists trained on all vectors up front (the analysis is offline); every call
probes its nearest lists (more, up to `max_probes`, when its centroid cosines are flat, i.e.
the partition says little about where its match is), and each list is scanned with one matrix
product per block of queries ("list-major"), masked so that a call only ever sees strictly
earlier, alive entries. Cosines are exact inner products; only which entries get looked at is
approximate. replay.py decides when the index is used instead of exact search.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from advisor.analyzers.cache.call_vectors import CallVectors
from advisor.analyzers.cache.scan import (
    NO_MATCH,
    Replay,
    ReplayScope,
    alive_lru,
    best_match,
    mask_later_and_expired,
    update_lru,
)
from advisor.core.errors import ConfigError


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


def replay_ivf(v: CallVectors, scope: ReplayScope, s: IndexSettings, seed: int) -> Replay:
    """Rows not in `scope.search` probe no list (their answer is known); every row is an entry."""
    m = len(v)
    search, window, capacity = scope.search, scope.window, scope.capacity
    lists = InvertedLists.build(v, s, seed, search)
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
                mem = mem[alive_lru(mem, a, last_use, capacity)]
            if mem.size == 0:
                continue
            # Chunks keep one product at most ~4M cosines (16 MB) on unbalanced lists.
            step = max(1, (1 << 22) // mem.size)
            vm = v[mem]
            for k in range(0, qs.size, step):
                qk = qs[k : k + step]
                sims = v[qk] @ vm.T
                mask_later_and_expired(sims, qk, mem, scope.times, scope.ttl_s)
                idx, cos = best_match(sims, mem)
                q_rows.append(qk)
                q_idx.append(idx)
                q_cos.append(cos)
        idx, cos = _merge_per_row(rows, q_rows, q_idx, q_cos)
        match_index[a:b], match_cosine[a:b] = idx, cos
        if capacity is not None:
            update_lru(last_use, rows, idx, cos, scope.use_threshold)
    return Replay(match_index=match_index, match_cosine=match_cosine, method="ivf")


def _merge_per_row(
    rows: np.ndarray, q_rows: list[np.ndarray], q_idx: list[np.ndarray], q_cos: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
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
class InvertedLists:
    """Rows grouped by their nearest centroid (each list in arrival order) and each row's probes."""

    order: np.ndarray  # row ids sorted by (list, row)
    starts: np.ndarray  # list c holds order[starts[c]:starts[c + 1]]
    probes: np.ndarray  # (m, max probes) lists each row scans, nearest first; -1: none

    @classmethod
    def build(cls, v: CallVectors, s: IndexSettings, seed: int, search: np.ndarray | None = None) -> InvertedLists:
        """search: rows that look for matches (default all); the others probe no list."""
        import faiss

        m, d = len(v), v.dim
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
        km.train(_training_rows(v, nlist * s.kmeans_points_per_list, seed))
        quantizer = faiss.IndexFlatIP(d)
        assert km.centroids is not None  # set by train()
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

    def queries_by_list(self, a: int, b: int) -> Iterator[tuple[int, np.ndarray]]:
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


def _training_rows(v: CallVectors, sample: int, seed: int) -> np.ndarray:
    """The rows k-means trains on: all of them, or, above `sample`, the ones faiss itself would
    draw (its Clustering takes the first `sample` of rand_perm(rows, seed)), gathered without
    building every call's vector; the same points in the same order, so the same centroids."""
    import faiss

    m = len(v)
    if v.ids is None or m <= sample or m >= 2**31:
        return v[np.arange(m)] if v.ids is not None else v.distinct  # faiss samples them itself
    perm = np.empty(m, dtype=np.int32)
    faiss.rand_perm(faiss.swig_ptr(perm), m, seed)  # type: ignore[attr-defined]
    return v[perm[:sample].astype(np.int64)]
