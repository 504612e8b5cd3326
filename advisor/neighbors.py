"""Approximate nearest-earlier-neighbour search for large logs (optional extra `ann`).

    nearest_earlier_ann(vectors, k=1) -> EarlierNeighbors   (indices, similarities: (n, k))

For each row i of an (n, dim) array of L2-normalized vectors in arrival order, the k rows
j < i with the highest cosine similarity (inner product), best first; -1 and -inf where
fewer than k earlier rows exist. The exact search (blocked matrix products) costs n²·dim
and is the right tool up to a few hundred thousand unique queries; above that this module
keeps the replay near-linear with a faiss HNSW graph that grows in arrival order: each
block of rows queries the graph built from all earlier blocks, is compared exactly with
the earlier rows of its own block, and is then added. Recall against exact search is
measured by `advisor bench` (BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError, InputError

# Above this many unique queries the cache replay should switch to the ANN index.
ANN_MIN_QUERIES = 200_000


@dataclass(frozen=True)
class AnnSettings:
    """HNSW parameters. With these, recall@1 against exact search was 0.998 on 20,000
    clustered 384-d vectors (M=16, efSearch=64 gave 0.975); `advisor bench` measures larger sizes."""

    m: int = 32                  # graph degree
    ef_construction: int = 80
    ef_search: int = 128
    block_rows: int = 2048       # rows queried (then added) together
    threads: int | None = None   # None: all cores

    def validate(self) -> "AnnSettings":
        for name, low in (("m", 4), ("ef_construction", 8), ("ef_search", 1), ("block_rows", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError.setting(f"ann.{name}", f"an integer >= {low}", value)
        return self


@dataclass(frozen=True)
class EarlierNeighbors:
    """`indices[i]`: rows j < i, most similar first (-1: none); `similarities[i]`: their cosines."""

    indices: np.ndarray        # int64 (n, k)
    similarities: np.ndarray   # float32 (n, k), -inf where indices == -1

    # The best match in the shape of advisor.analyzers.cache_replay.Replay (-1 / -1.0: none).
    @property
    def match_index(self) -> np.ndarray:
        return self.indices[:, 0]

    @property
    def match_cosine(self) -> np.ndarray:
        c = self.similarities[:, 0]
        return np.where(np.isfinite(c), c, -1.0).astype(np.float32)


def ann_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _require_faiss():
    try:
        import faiss
    except ImportError:
        raise ConfigError.setting("cache.neighbor_search", "'exact' unless the ann extra is installed "
                                  "(pip install 'advisor[ann]')", "ann") from None
    return faiss


def _check_vectors(vectors: np.ndarray) -> np.ndarray:
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim != 2:
        raise InputError.at("embeddings", expected="a 2-d array (rows, dim)", found=f"shape {v.shape}",
                            fix="Pass one embedding per row.")
    return v


def _merge_topk(idx_a: np.ndarray, sim_a: np.ndarray, idx_b: np.ndarray, sim_b: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.concatenate([idx_a, idx_b], axis=1)
    sim = np.concatenate([sim_a, sim_b], axis=1)
    # Stable on ties: earlier candidates (the graph's) first, as the exact search would by row order.
    order = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(sim, order, axis=1)


def _within_block(block: np.ndarray, offset: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k among the earlier rows of the same block (strictly lower triangle)."""
    b = len(block)
    sims = block @ block.T
    sims[np.triu_indices(b)] = -np.inf
    kk = min(k, b)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :kk]
    sim = np.take_along_axis(sims, top, axis=1).astype(np.float32)
    idx = np.where(np.isfinite(sim), top + offset, -1).astype(np.int64)
    if kk < k:
        pad = k - kk
        idx = np.pad(idx, ((0, 0), (0, pad)), constant_values=-1)
        sim = np.pad(sim, ((0, 0), (0, pad)), constant_values=-np.inf)
    return idx, sim


def nearest_earlier_ann(vectors: np.ndarray, k: int = 1, settings: AnnSettings | None = None) -> EarlierNeighbors:
    """Top-k most similar earlier rows for every row, via a growing faiss HNSW graph."""
    faiss = _require_faiss()
    s = (settings or AnnSettings()).validate()
    if not isinstance(k, int) or k < 1:
        raise ConfigError.setting("k", "an integer >= 1", k)
    v = _check_vectors(vectors)
    n, dim = v.shape
    if s.threads:
        faiss.omp_set_num_threads(s.threads)
    index = faiss.IndexHNSWFlat(dim, s.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = s.ef_construction
    index.hnsw.efSearch = max(s.ef_search, k)
    out_idx = np.full((n, k), -1, dtype=np.int64)
    out_sim = np.full((n, k), -np.inf, dtype=np.float32)
    for start in range(0, n, s.block_rows):
        block = v[start:start + s.block_rows]
        idx, sim = _within_block(block, start, k)
        if index.ntotal:
            g_sim, g_idx = index.search(block, k)
            g_sim = np.where(g_idx >= 0, g_sim, -np.inf).astype(np.float32)
            idx, sim = _merge_topk(g_idx.astype(np.int64), g_sim, idx, sim, k)
        out_idx[start:start + len(block)] = idx
        out_sim[start:start + len(block)] = sim
        index.add(block)
    return EarlierNeighbors(out_idx, out_sim)


def nearest_earlier_exact(vectors: np.ndarray, k: int = 1, block_rows: int = 2048) -> EarlierNeighbors:
    """Exact reference with the same contract (blocked matrix products, n² · dim work).

    The benchmark measures ANN recall against this; the cache analyzer has its own exact
    search with TTL and capacity, which this does not model."""
    v = _check_vectors(vectors)
    n = len(v)
    out_idx = np.full((n, k), -1, dtype=np.int64)
    out_sim = np.full((n, k), -np.inf, dtype=np.float32)
    for start in range(0, n, block_rows):
        block = v[start:start + block_rows]
        idx, sim = _within_block(block, start, k)
        if start:
            prev = block @ v[:start].T
            kk = min(k, start)
            top = np.argpartition(-prev, kk - 1, axis=1)[:, :kk] if kk < start else np.tile(np.arange(start), (len(block), 1))
            p_sim = np.take_along_axis(prev, top, axis=1).astype(np.float32)
            idx, sim = _merge_topk(top.astype(np.int64), p_sim, idx, sim, k)
        out_idx[start:start + len(block)] = idx
        out_sim[start:start + len(block)] = sim
    return EarlierNeighbors(out_idx, out_sim)


def recall_at_1(approx: EarlierNeighbors, exact: EarlierNeighbors, tol: float = 1e-5) -> float:
    """Share of rows with an earlier row whose ANN best similarity matches the exact best
    (ties between equally similar rows count as found)."""
    has = exact.indices[:, 0] >= 0
    if not has.any():
        return 1.0
    found = approx.similarities[has, 0] >= exact.similarities[has, 0] - tol
    return float(found.mean())
