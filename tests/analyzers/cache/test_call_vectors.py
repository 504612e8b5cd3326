"""The replay on distinct vectors + each call's row gives the per-call matrix's answer, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.cache.call_vectors import CallVectors, embed_calls
from advisor.analyzers.cache.ivf import IndexSettings, InvertedLists
from advisor.analyzers.cache.replay import replay
from advisor.core.errors import InputError
from advisor.embed import FakeEmbedder


def _stream(n_distinct: int, n_calls: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n_distinct, 32)).astype(np.float32)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    # Popular questions repeat (as a log does): a skewed draw, so many rows have an earlier copy.
    ids = np.minimum(rng.zipf(1.3, size=n_calls) - 1, n_distinct - 1) ^ rng.integers(0, 2, size=n_calls)
    times = np.sort(rng.uniform(0, 5 * 86_400, size=n_calls))
    return u, ids.astype(np.int64), times


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"ttl_s": 86_400.0},
        {"ttl_s": 86_400.0, "exact_max_rows": 0},  # inverted-file index
        {"exact_max_rows": 0},
        {"ttl_s": 86_400.0, "capacity": 300},  # LRU: every row searches
    ],
)
def test_replay_on_distinct_vectors_equals_the_per_call_matrix(kw):
    u, ids, times = _stream(2_000, 20_000)
    per_call = replay(u[ids], times_s=times, **kw)
    distinct = replay(u, ids=ids, times_s=times, **kw)
    assert distinct.method == per_call.method
    # Exactly equal, not close: the gathered rows hold the same float32 values in the same shapes.
    assert np.array_equal(distinct.match_index, per_call.match_index)
    assert np.array_equal(distinct.match_cosine, per_call.match_cosine)
    assert (per_call.match_index >= 0).mean() > 0.5  # the stream does repeat itself (the test means something)


def test_index_trains_on_the_rows_faiss_would_sample_without_a_per_call_matrix():
    u, ids, _ = _stream(3_000, 60_000, seed=1)
    s = IndexSettings()
    nlist = min(60_000 // s.rows_per_list, 60_000 // s.kmeans_points_per_list)
    assert nlist * s.kmeans_points_per_list < 60_000  # so faiss subsamples: the path under test
    a = InvertedLists.build(CallVectors(np.ascontiguousarray(u[ids])), s, seed=3)
    b = InvertedLists.build(CallVectors(u, ids), s, seed=3)
    assert np.array_equal(a.order, b.order) and np.array_equal(a.probes, b.probes)


def test_embed_calls_embeds_each_distinct_text_once_and_maps_every_call():
    seen: list[list[str]] = []
    fake = FakeEmbedder(dim=16)

    def encode(texts, **kw):
        seen.append(list(texts))
        return fake.encode(texts)

    texts = ["Where is my order?", "where is  my ORDER?", "Cancel it", "Where is my order?"]
    cv = embed_calls(texts, encode)
    assert seen == [["Where is my order?", "Cancel it"]]  # first raw spelling of each normalized text
    assert cv.ids.tolist() == [0, 0, 1, 0]
    assert np.array_equal(cv[np.arange(4)], fake.encode(texts))


def test_ids_out_of_range_are_refused_with_one_line():
    with pytest.raises(InputError, match="row index"):
        CallVectors.of(np.zeros((2, 4), np.float32), np.array([0, 2]))
