"""Which matched pairs a person should label: the pairs that narrow the threshold decision most.

    match_clusters(match_index, match_cosine, link) -> cluster id per row (label-free)
    select_pairs(match_cosine, thresholds, n, seed, clusters=None) -> row indices to show

Two rules, both measured in docs/cache-labels.md against the plain stratified draw:
  - near the candidate thresholds: the matches are cut into cosine bins between consecutive
    label-bin edges (labels.label_bins) and an equal number is drawn from each bin, so the
    labels land where the threshold decision is made, not where matches are most frequent;
  - spread over clusters: inside a bin, pairs are taken one per cluster of near-duplicate
    queries before any cluster gets a second one, so a popular request (one intent asked in
    fifty wordings) cannot fill a bin with labels that all say the same thing.
Clusters come from the replay itself (no labels, no extra embedding): queries joined by a
best-match cosine of at least `link` are one cluster (connected components).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

CLUSTER_LINK = 0.80  # best-match cosine that joins two queries into one cluster


def match_clusters(match_index: np.ndarray, match_cosine: np.ndarray, link: float = CLUSTER_LINK) -> np.ndarray:
    """Per row: the id of its cluster (connected component of best-match edges with cosine >= link).

    A pair (row, its match) belongs to the row's cluster when the two are linked, else to its
    match's: the cached answer that would be served.
    """
    idx = np.asarray(match_index, dtype=np.int64)
    cos = np.asarray(match_cosine, dtype=np.float64)
    parent = np.arange(idx.size)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for i in np.flatnonzero((idx >= 0) & (cos >= link)):
        a, b = find(int(i)), find(int(idx[i]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = np.array([find(i) for i in range(idx.size)], dtype=np.int64)
    return np.where((idx >= 0) & (cos < link), roots[np.maximum(idx, 0)], roots)


def _spread(rows: np.ndarray, clusters: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """`rows` in drawing order: random, but every cluster's k-th pair before any cluster's (k+1)-th."""
    perm = rng.permutation(rows)
    if clusters is None:
        return perm
    c = clusters[perm]
    order = np.argsort(c, kind="stable")
    rank = np.empty(perm.size, dtype=np.int64)
    sorted_c = c[order]
    starts = np.r_[0, np.flatnonzero(sorted_c[1:] != sorted_c[:-1]) + 1]
    run = np.arange(perm.size) - np.repeat(starts, np.diff(np.r_[starts, perm.size]))
    rank[order] = run
    return perm[np.argsort(rank, kind="stable")]


def select_pairs(match_cosine: np.ndarray, thresholds, n: int, seed: int = 0, clusters=None) -> np.ndarray:
    """Up to `n` row indices of matched calls: equal shares per bin, spread over `clusters` inside a bin.

    `thresholds`: the bin edges (labels.label_bins); `clusters`: a cluster id per row
    (match_clusters), or None to draw at random inside a bin.
    """
    cos = np.asarray(match_cosine, dtype=np.float64)
    cl = None if clusters is None else np.asarray(clusters)
    t = np.sort(np.asarray(thresholds, dtype=np.float64))
    edges = np.concatenate([t, [np.inf]])
    rng = np.random.default_rng(seed)
    queues = [_spread(np.flatnonzero((cos >= lo) & (cos < hi)), cl, rng) for lo, hi in pairwise(edges)]
    queues = [q for q in queues if q.size]
    chosen: list[int] = []
    remaining = n
    # Equal share per bin; what a small bin cannot use goes to the others.
    while remaining > 0 and queues:
        share = max(remaining // len(queues), 1)
        rest = []
        for q in queues:
            if remaining <= 0:
                rest.append(q)
                continue
            take = min(share, q.size, remaining)
            chosen.extend(q[:take].tolist())
            remaining -= take
            if q.size > take:
                rest.append(q[take:])
        queues = rest
    return np.sort(np.asarray(chosen, dtype=np.int64))
