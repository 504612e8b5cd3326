"""The router's kNN geometry: training embeddings -> PCA basis; rows -> distinct texts;
query x reference vectors -> the k nearest by inner product (exact, faiss's flat kernel).
"""

from __future__ import annotations

import numpy as np

from advisor.analyzers.routing.router.fitting import cores, threads
from advisor.core.rows import unique_rows

BIG_SEARCH = 16_000_000  # query x reference rows above which a neighbour search uses every core


def nearest(Q: np.ndarray, ref: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, indices) of the k largest inner products per query row: an exact search
    (faiss's flat kernel: one matrix product and a heap, ~2x numpy's argpartition here)."""
    import faiss

    if len(Q) * len(ref) < BIG_SEARCH:
        return faiss.knn(Q, ref, k, metric=faiss.METRIC_INNER_PRODUCT)
    # The few big searches (a whole log's texts against the labelled ones) are what the other
    # candidates wait for (FitCache): give them the cores (15k x 4k texts: 0.31 s -> 0.16 s).
    with threads(cores()):
        return faiss.knn(Q, ref, k, metric=faiss.METRIC_INNER_PRODUCT)


def knn_signals(sums: np.ndarray) -> np.ndarray:
    """Call-weighted mean gap, good-enough rate and similarity of the neighbours, from the per-query
    sums (calls, gap sum, good sum, calls x similarity)."""
    calls = np.maximum(sums[:, :1], 1e-12)
    return sums[:, 1:] / calls


def group_rows(X: np.ndarray | None, text_ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each text, text index per row), from the caller's ids or the embeddings;
    texts numbered by first appearance, so the fit does not depend on how they were grouped
    (neighbour ties are broken by that order)."""
    if text_ids is not None:
        _, first, inverse = np.unique(np.asarray(text_ids), return_index=True, return_inverse=True)
    elif X is not None:
        first, inverse = unique_rows(X)
    else:
        raise ValueError("group_rows needs the embeddings or the text ids")
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.reshape(-1)]


def digest(a: np.ndarray) -> bytes:
    """A short hash of an array's bytes, dtype and shape (what a FitCache keys texts by without ids)."""
    import hashlib

    a = np.ascontiguousarray(a)
    return hashlib.blake2b(f"{a.dtype}{a.shape}".encode() + a.tobytes(), digest_size=16).digest()


def pca(Xu: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, top `dim` components) of the rows: eigenvectors of the scatter matrix, signs fixed."""
    mean = Xu.mean(axis=0, dtype=np.float64)
    Xc = np.asarray(Xu, dtype=np.float64) - mean
    # The full divide-and-conquer decomposition: scipy's top-k (MRRR) driver was 2x faster on
    # MiniLM vectors but took 1 s on degenerate spectra (few distinct texts, sparse vectors).
    values, vectors = np.linalg.eigh(Xc.T @ Xc)
    components = vectors[:, np.argsort(values)[::-1][:dim]].T
    # Sign convention as scikit-learn's svd_flip: the largest |loading| of each component is positive.
    signs = np.sign(components[np.arange(dim), np.argmax(np.abs(components), axis=1)])
    return mean.astype(np.float32), (components * signs[:, None]).astype(np.float32)
