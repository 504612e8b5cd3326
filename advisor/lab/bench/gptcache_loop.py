"""The obvious alternative to advisor's replay: push the stream through GPTCache itself.

    gptcache_hits(texts, vectors, threshold, workdir) -> GptCacheRun(hits, seconds, version)

GPTCache (PyPI `gptcache`, benchmark-only extra `bench`) is set up to decide exactly what
advisor's replay decides, so the two can be compared call by call:
- the same vectors: its embedding function looks the text up in the precomputed vectors;
- a faiss flat L2 store (GPTCache's own `VectorBase("faiss")`, top-1) and an in-memory
  SQLite scalar store (on disk, each put's commit dominated the loop); max_size above the
  stream length, so nothing is evicted (the replay runs with no TTL and no capacity);
- `SearchDistanceEvaluation(max_distance=4)`: for unit vectors the squared L2 distance is
  2 - 2·cos, its score 4 - d passes GPTCache's rank threshold 4·s exactly when
  cos >= 2s - 1, so s = (1 + t) / 2 reproduces advisor's cosine threshold t;
- every call looks up the cache and then stores its own answer, as in advisor's replay.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class GptCacheRun:
    hits: np.ndarray  # bool per call: GPTCache returned a cached answer
    seconds: float  # the put/get loop only (set-up excluded)
    version: str


def gptcache_threshold(cosine_threshold: float) -> float:
    """GPTCache similarity_threshold equivalent to a cosine threshold (see module docstring)."""
    return (1.0 + cosine_threshold) / 2.0


def gptcache_hits(texts: Sequence[str], vectors: np.ndarray, threshold: float, workdir: Path) -> GptCacheRun:
    import faiss
    import gptcache
    from gptcache import Cache, Config
    from gptcache.adapter.api import get, put
    from gptcache.manager import CacheBase, VectorBase, get_data_manager
    from gptcache.processor.post import first
    from gptcache.processor.pre import get_prompt
    from gptcache.similarity_evaluation.distance import SearchDistanceEvaluation

    # One query vector per call: OpenMP threads cannot help a 1-row search and, on a busy
    # 2-core machine, their spin-waits made each search ~2x-3x slower (measured). One thread
    # is the fairer setting for GPTCache.
    faiss.omp_set_num_threads(1)
    workdir.mkdir(parents=True, exist_ok=True)
    lookup = {t: vectors[i] for i, t in enumerate(texts)}

    def embed(text, **_):
        return lookup[text]

    manager = get_data_manager(
        CacheBase("sqlite", sql_url="sqlite:///:memory:"),
        VectorBase("faiss", dimension=vectors.shape[1], index_path=str(workdir / "faiss.index"), top_k=1),
        max_size=len(texts) + 10,
    )
    cache = Cache()
    cache.init(
        pre_embedding_func=get_prompt,
        embedding_func=embed,
        data_manager=manager,
        similarity_evaluation=SearchDistanceEvaluation(max_distance=4.0),
        post_process_messages_func=first,
        config=Config(similarity_threshold=gptcache_threshold(threshold)),
    )
    hits = np.zeros(len(texts), dtype=bool)
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        hits[i] = get(text, cache_obj=cache) is not None
        put(text, f"answer {i}", cache_obj=cache)
    seconds = time.perf_counter() - t0
    return GptCacheRun(hits=hits, seconds=seconds, version=getattr(gptcache, "__version__", "?"))
