"""Chronological cache replay: vectors in arrival order -> each call's best earlier cached match.

    replay(vectors, times_s=None, ttl_s=None, capacity=None) -> Replay(match_index, match_cosine)

Semantics (documented in docs/cache-evaluation.md): every cacheable call's own answer enters
the cache; a later call looks for the most similar entry still alive (younger than the TTL
and not evicted by LRU), and is a hit at threshold t when that cosine >= t. Because the
best match does not depend on t, one pass serves the whole threshold sweep.

Search is exact with blocked matrix products (a block of queries against every alive earlier
entry) up to `ann_above` rows, and a faiss inverted-file index above that (when the `ann`
extra is installed): each block queries the index built from earlier blocks, then is added
to it; matches inside a block are exact.
LRU recency is updated after each block, so within one block a refresh is not yet seen:
a small, documented approximation that only matters when capacity is near the block size.
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


def _alive_mask(cand: np.ndarray, first_row: int, times_s: np.ndarray | None, ttl_s: float | None,
                last_use: np.ndarray, capacity: int | None) -> np.ndarray:
    """Entries still in the cache when the block starting at `first_row` arrives."""
    ok = np.ones(cand.size, dtype=bool)
    if ttl_s is not None and times_s is not None:
        # TTL counts from the entry's insertion: a hit serves it but does not renew it.
        ok &= times_s[cand] >= times_s[first_row] - ttl_s
    if capacity is not None:
        # Every call inserts one entry, so the number of insertions since an entry's last use
        # is a row-count difference; more than `capacity` of them evicts it (LRU).
        ok &= (first_row - last_use[cand]) <= capacity
    return ok


def _block_exact(q: np.ndarray, a: int, b: int, vectors: np.ndarray, cand: np.ndarray,
                 times_s, ttl_s) -> tuple[np.ndarray, np.ndarray]:
    """Best match among earlier-block candidates `cand` and earlier rows of this block."""
    n = b - a
    best_idx = np.full(n, NO_MATCH, dtype=np.int64)
    best_cos = np.full(n, -1.0, dtype=np.float32)
    if cand.size:
        sims = q @ vectors[cand].T
        if ttl_s is not None and times_s is not None:
            sims[times_s[cand][None, :] < (times_s[a:b, None] - ttl_s)] = -np.inf
        j = np.argmax(sims, axis=1)
        best_cos = sims[np.arange(n), j].astype(np.float32)
        best_idx = np.where(np.isfinite(best_cos), cand[j], NO_MATCH)
        best_cos = np.where(np.isfinite(best_cos), best_cos, -1.0).astype(np.float32)
    inner = q @ q.T
    inner[np.triu_indices(n)] = -np.inf  # only strictly earlier rows of the block
    if ttl_s is not None and times_s is not None:
        t = times_s[a:b]
        inner[t[None, :] < (t[:, None] - ttl_s)] = -np.inf
    if n > 1:
        j = np.argmax(inner, axis=1)
        c = inner[np.arange(n), j]
        better = np.isfinite(c) & (c > best_cos)
        best_idx = np.where(better, a + j, best_idx)
        best_cos = np.where(better, c, best_cos).astype(np.float32)
    return best_idx, best_cos


def replay(vectors: np.ndarray, *, times_s: np.ndarray | None = None, ttl_s: float | None = None,
           capacity: int | None = None, block: int = 1024, ann_above: int = 30_000,
           use_threshold: float = 0.7, seed: int = 0) -> Replay:
    """Nearest earlier alive neighbour of every row (rows in arrival order, L2-normalized).

    `use_threshold`: a match at or above it counts as a use for LRU recency.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    m = len(vectors)
    match_index = np.full(m, NO_MATCH, dtype=np.int64)
    match_cosine = np.full(m, -1.0, dtype=np.float32)
    last_use = np.arange(m, dtype=np.int64)
    times = None if times_s is None else np.asarray(times_s, dtype=np.float64)
    index = _ivf_index(vectors, seed) if m > ann_above else None
    if index is not None:
        # With an index, only the exact within-block search grows with the block size.
        block = min(block, 512)
    k_ann = 8
    for a in range(0, m, block):
        b = min(a + block, m)
        q = vectors[a:b]
        if index is None:
            cand = np.arange(a, dtype=np.int64)
            cand = cand[_alive_mask(cand, a, times, ttl_s, last_use, capacity)]
            idx, cos = _block_exact(q, a, b, vectors, cand, times, ttl_s)
        else:
            idx, cos = _block_exact(q, a, b, vectors, np.zeros(0, dtype=np.int64), times, ttl_s)
            if a > 0:
                _, labels = index.search(q, min(k_ann, a))
                labels = labels.astype(np.int64)
                found = labels >= 0
                labels = np.maximum(labels, 0)
                # The index stores 8-bit codes; exact cosines of its few candidates keep the
                # reported similarity exact.
                sims = np.einsum("qkd,qd->qk", vectors[labels], q)
                sims = np.where(found, sims, -np.inf).astype(np.float32)
                alive = _alive_mask(labels.ravel(), a, times, ttl_s, last_use, capacity).reshape(labels.shape)
                if ttl_s is not None and times is not None:
                    alive &= times[labels] >= (times[a:b, None] - ttl_s)
                sims = np.where(alive, sims, -np.inf)
                j = np.argmax(sims, axis=1)
                c = sims[np.arange(b - a), j]
                better = np.isfinite(c) & (c > cos)
                idx = np.where(better, labels[np.arange(b - a), j], idx)
                cos = np.where(better, c, cos).astype(np.float32)
            index.add_with_ids(q, np.arange(a, b, dtype=np.int64))
        match_index[a:b] = idx
        match_cosine[a:b] = cos
        if capacity is not None:
            used = (idx >= 0) & (cos >= use_threshold)
            np.maximum.at(last_use, idx[used], np.arange(a, b)[used])
    return Replay(match_index=match_index, match_cosine=match_cosine,
                  method="exact" if index is None else "ivf")


def _ivf_index(vectors: np.ndarray, seed: int):
    """A faiss inverted-file index (inner product, 8-bit scalar-quantized lists), trained on a sample.

    None when faiss is not installed (the `ann` extra): exact search then, only slower.
    Probing 4 of 2*sqrt(n) lists finds the exact best match for most queries on sentence
    embeddings (recall measured in docs/benchmarks-cache.md).
    """
    try:
        import faiss
    except ImportError:
        return None
    m, d = vectors.shape
    nlist = int(2 * np.sqrt(m))
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(m, size=min(m, 39 * nlist), replace=False)]
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    # Centroids only route the search (cosines are recomputed exactly), so few k-means rounds
    # suffice; 39 training points per list is the least faiss accepts without a warning.
    index.cp.niter = 10
    index.train(sample)
    index.nprobe = 4
    return index
