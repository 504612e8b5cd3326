"""advisor.neighbors: approximate nearest-earlier search agrees with exact search."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from advisor.errors import ConfigError, InputError
from advisor.neighbors import AnnSettings, EarlierNeighbors, nearest_earlier_exact, recall_at_1

faiss = pytest.importorskip("faiss")

from advisor.neighbors import nearest_earlier_ann  # noqa: E402


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(n // 4, 1), dim))
    x = centers[rng.integers(0, len(centers), n)] + 0.3 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(v: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, the obvious way: the reference both searches must reproduce."""
    n = len(v)
    idx = np.full((n, k), -1)
    sim = np.full((n, k), -np.inf, dtype=np.float32)
    for i in range(1, n):
        s = v[:i] @ v[i]
        order = np.argsort(-s, kind="stable")[:k]
        idx[i, :len(order)] = order
        sim[i, :len(order)] = s[order]
    return idx, sim


def test_exact_search_matches_a_row_by_row_brute_force():
    v = clustered(60)
    got = nearest_earlier_exact(v, k=3, block_rows=7)
    idx, sim = brute_force(v, 3)
    np.testing.assert_allclose(got.similarities, sim, atol=1e-5)
    assert (got.indices[:, 0] == idx[:, 0]).mean() > 0.98  # ties may pick another equally close row


def test_ann_search_finds_the_exact_best_earlier_match_on_clustered_data():
    v = clustered(3000, seed=1)
    exact = nearest_earlier_exact(v, k=1)
    approx = nearest_earlier_ann(v, k=1, settings=AnnSettings(block_rows=500))
    assert recall_at_1(approx, exact) >= 0.99


def test_ann_search_only_ever_returns_strictly_earlier_rows():
    v = clustered(1500, seed=2)
    got = nearest_earlier_ann(v, k=5, settings=AnnSettings(block_rows=128))
    rows = np.arange(len(v))[:, None]
    assert ((got.indices < rows) | (got.indices == -1)).all()
    # similarities are sorted best first and match the vectors they point at
    sims = np.where(np.isfinite(got.similarities), got.similarities, -2.0)
    assert (np.diff(sims, axis=1) <= 1e-6).all()
    i, j = 1000, got.indices[1000, 0]
    assert got.similarities[1000, 0] == pytest.approx(float(v[i] @ v[j]), abs=1e-5)


def test_first_row_has_no_match_and_reports_it_like_the_cache_replay():
    v = clustered(10)
    got = nearest_earlier_ann(v, k=2)
    assert got.indices[0].tolist() == [-1, -1]
    assert np.isneginf(got.similarities[0]).all()
    assert got.match_index[0] == -1 and got.match_cosine[0] == -1.0
    # row 1 has exactly one earlier row: its second slot stays empty
    assert got.indices[1].tolist() == [0, -1]


def test_an_exact_duplicate_matches_its_earlier_copy_with_cosine_one():
    v = clustered(400, seed=3)
    v[350] = v[120]
    got = nearest_earlier_ann(v, settings=AnnSettings(block_rows=64))
    assert got.match_index[350] == 120
    assert got.match_cosine[350] == pytest.approx(1.0, abs=1e-5)


def test_recall_counts_an_equally_similar_other_row_as_found():
    exact = EarlierNeighbors(np.array([[-1], [0], [0]]), np.array([[-np.inf], [0.9], [0.5]], dtype=np.float32))
    approx = EarlierNeighbors(np.array([[-1], [0], [1]]), np.array([[-np.inf], [0.9], [0.5]], dtype=np.float32))
    assert recall_at_1(approx, exact) == 1.0
    worse = EarlierNeighbors(np.array([[-1], [0], [1]]), np.array([[-np.inf], [0.9], [0.2]], dtype=np.float32))
    assert recall_at_1(worse, exact) == 0.5


def test_bad_hnsw_setting_is_a_fixed_shape_config_error():
    with pytest.raises(ConfigError, match=r"The 'ann.m' setting must be an integer >= 4. Got 2 instead."):
        nearest_earlier_ann(clustered(10), settings=AnnSettings(m=2))


def test_one_dimensional_input_is_an_input_error():
    with pytest.raises(InputError, match="expected a 2-d array"):
        nearest_earlier_ann(np.zeros(5, dtype=np.float32))


def test_without_faiss_the_error_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ConfigError, match=r"pip install 'advisor\[ann\]'"):
        nearest_earlier_ann(clustered(10))
