"""Cache replay (nearest earlier alive neighbour), entity flags, calibration and its label update."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.cache.calibration import load_calibration, update_with_labels
from advisor.analyzers.cache.entities import entity_conflict, extract_entities
from advisor.analyzers.cache.ivf import IndexSettings
from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.sweep import choose_threshold, sweep
from advisor.core.errors import ConfigError, InputError


def unit(*rows):
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_replay_matches_the_most_similar_earlier_call_only():
    v = unit([1, 0, 0], [0, 1, 0], [1, 0.1, 0], [0.1, 1, 0])
    r = replay(v)
    assert r.match_index.tolist() == [-1, 0, 0, 1]
    assert r.match_cosine[2] > 0.99 and r.match_cosine[3] > 0.99


def test_ttl_expires_old_entries():
    v = unit([1, 0], [1, 0.01], [1, 0.02])
    r = replay(v, times_s=np.array([0.0, 10.0, 1000.0]), ttl_s=100.0)
    assert r.match_index.tolist() == [-1, 0, -1]


def test_capacity_evicts_least_recently_used():
    # capacity 1: each insertion evicts everything not used since the previous one.
    v = unit([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0.01, 0])
    assert replay(v, capacity=1, block=1).match_index[3] == 2  # only the newest entry is left
    assert replay(v, capacity=None, block=1).match_index[3] == 0
    assert replay(v, capacity=3, block=1).match_index[3] == 0
    # A use refreshes an entry: row 2 re-uses row 0, so it survives capacity 2 at row 4.
    w = unit([1, 0, 0], [0, 1, 0], [1, 0.01, 0], [0, 0, 1], [1, 0.02, 0])
    assert replay(w, capacity=2, block=1).match_index[4] in (0, 2)


def test_blocks_give_the_same_result_as_one_block():
    rng = np.random.default_rng(0)
    v = unit(*rng.standard_normal((300, 8)))
    a, b = replay(v, block=7), replay(v, block=1024)
    assert np.array_equal(a.match_index, b.match_index)


def clustered(n: int, dim: int = 32, n_centres: int = 40, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_centres, dim))
    return unit(*(centres[rng.integers(0, n_centres, n)] + 0.3 * rng.standard_normal((n, dim))))


def brute_force(v: np.ndarray, times=None, ttl_s=None, decimals=None) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, the obvious way: the reference both search paths must reproduce. decimals:
    round the cosines first, so identical vectors tie (BLAS can score two copies of a vector
    1e-7 apart, by where they sit in the matrix) and the earliest wins, as documented."""
    idx, cos = np.full(len(v), -1), np.full(len(v), -1.0)
    for i in range(1, len(v)):
        s = v[:i] @ v[i]
        if decimals is not None:
            s = np.round(s, decimals)
        if ttl_s is not None:
            s = np.where(times[:i] >= times[i] - ttl_s, s, -np.inf)
        j = int(np.argmax(s))  # first of equal maxima: the earliest entry
        if np.isfinite(s[j]):
            idx[i], cos[i] = j, s[j]
    return idx, cos


SMALL_INDEX = IndexSettings(rows_per_list=50, probes=4, queries_per_list=20)


def test_exact_search_reproduces_a_row_by_row_brute_force_with_and_without_ttl():
    v = clustered(700)
    t = np.sort(np.random.default_rng(2).uniform(0, 1000, len(v)))
    for kw, ref in (({}, brute_force(v)), ({"times_s": t, "ttl_s": 40.0}, brute_force(v, t, 40.0))):
        r = replay(v, block=64, **kw)
        assert r.method == "exact"
        assert np.array_equal(r.match_index, ref[0])
        np.testing.assert_allclose(r.match_cosine, ref[1], atol=1e-5)


def test_index_finds_the_exact_best_earlier_match_on_clustered_vectors():
    v = clustered(3000)
    exact, ann = replay(v), replay(v, exact_max_rows=0, index=SMALL_INDEX)
    assert exact.method == "exact" and ann.method == "ivf"
    assert np.mean(np.abs(exact.match_cosine - ann.match_cosine) < 1e-6) >= 0.99
    # whatever it reports is a real, strictly earlier row and its exact cosine
    rows = np.flatnonzero(ann.match_index >= 0)
    assert (ann.match_index[rows] < rows).all()
    np.testing.assert_allclose(
        ann.match_cosine[rows], np.einsum("ij,ij->i", v[rows], v[ann.match_index[rows]]), atol=1e-5
    )


def test_index_probing_every_list_is_exact_with_ttl_and_capacity():
    v = clustered(1200, seed=3)
    t = np.sort(np.random.default_rng(3).uniform(0, 1000, len(v)))
    every = IndexSettings(rows_per_list=100, probes=1000, queries_per_list=1)
    for kw in ({}, {"times_s": t, "ttl_s": 60.0}, {"capacity": 150}, {"times_s": t, "ttl_s": 200.0, "capacity": 80}):
        exact = replay(v, block=1, **kw)
        ann = replay(v, exact_max_rows=0, index=every, **kw)
        assert ann.method == "ivf"
        assert np.array_equal(exact.match_index, ann.match_index), kw


def test_ties_go_to_the_earliest_entry_on_both_paths():
    v = clustered(600, seed=4)
    v[[100, 300, 500]] = v[20]  # three later copies of row 20
    for r in (replay(v), replay(v, exact_max_rows=0, index=SMALL_INDEX)):
        assert r.match_index[[100, 300, 500]].tolist() == [20, 20, 20]
        assert r.match_cosine[500] == pytest.approx(1.0, abs=1e-5)


def repeated(n: int, n_texts: int, seed: int) -> np.ndarray:
    """A log's stream: n calls drawing from n_texts distinct questions (identical vectors)."""
    texts = clustered(n_texts, seed=seed)
    return np.ascontiguousarray(texts[np.random.default_rng(seed).integers(0, n_texts, n)], dtype=np.float32)


def test_repeated_questions_match_their_earliest_alive_copy_as_a_brute_force_search_does():
    # Repeats skip the search (their own earlier copy is the answer): both paths must still
    # give what searching every earlier alive row gives, with and without a TTL.
    v = repeated(900, 250, seed=11)
    t = np.sort(np.random.default_rng(11).uniform(0, 1000, len(v)))
    every = IndexSettings(rows_per_list=60, probes=1000, queries_per_list=7)
    for kw, ref in (({}, brute_force(v, decimals=6)), ({"times_s": t, "ttl_s": 30.0}, brute_force(v, t, 30.0, 6))):
        for r in (replay(v, block=50, **kw), replay(v, exact_max_rows=0, index=every, **kw)):
            np.testing.assert_allclose(r.match_cosine, ref[1], atol=1e-5)
            found = r.match_index >= 0
            assert np.array_equal(found, ref[0] >= 0), (kw, r.method)
            # BLAS can score two copies of one vector 1e-7 apart depending on where they sit in the
            # matrix (either path, exact blocks or index lists), so "earliest among equal cosines" may
            # pick a later copy of the best question: compare how good the matched entry is (its
            # cosine with the row, to 1e-6), not its row number.
            rows = np.flatnonzero(found)
            got, want = r.match_index[rows], ref[0][rows]
            np.testing.assert_allclose(np.sum(v[rows] * v[got], axis=1), np.sum(v[rows] * v[want], axis=1), atol=1e-6)
            # Rows answered by their own earlier copy skip the search (byte equality, no BLAS): exact.
            repeats = rows
            repeats = repeats[(v[repeats] == v[r.match_index[repeats]]).all(axis=1)]
            assert repeats.size > 50 and np.array_equal(r.match_index[repeats], ref[0][repeats]), (kw, r.method)


def test_repeats_are_not_searched_and_the_switch_counts_only_searched_rows():
    from advisor.analyzers.cache.replay import _earliest_alive_copy

    v = repeated(3000, 300, seed=12)
    t = np.arange(len(v), dtype=float)
    copy = _earliest_alive_copy(v, t, 500.0, None)
    ref = brute_force(v, t, 500.0, decimals=6)[0]
    has = copy >= 0
    assert has.mean() > 0.5 and np.array_equal(copy[has], ref[has])
    assert (_earliest_alive_copy(v, t, 500.0, 100) == -1).all()  # an LRU capacity: every row searches
    assert (_earliest_alive_copy(v, t[::-1].copy(), 500.0, None) == -1).all()  # times out of order
    # 3,000 rows are more exact work than 1,500 allow, the ~300 first copies are not.
    assert replay(v, exact_max_rows=1500).method == "exact"
    assert replay(v, capacity=10**6, exact_max_rows=1500).method == "ivf"


def test_first_row_and_fully_expired_rows_have_no_match_on_the_index_path():
    v = clustered(400, seed=5)
    t = np.arange(len(v), dtype=float) * 10.0  # 10 s apart: a 5 s TTL leaves nothing alive
    r = replay(v, times_s=t, ttl_s=5.0, exact_max_rows=0, index=SMALL_INDEX)
    assert (r.match_index == -1).all() and (r.match_cosine == -1.0).all()


def test_the_switch_counts_exact_work_so_a_short_ttl_stays_exact():
    v = clustered(2000, seed=6)
    assert replay(v, exact_max_rows=1000).method == "ivf"
    t = np.arange(len(v), dtype=float)  # one call a second, 100 s TTL: ~100 candidates per call
    assert replay(v, times_s=t, ttl_s=100.0, exact_max_rows=1000).method == "exact"
    assert replay(v, capacity=50, exact_max_rows=1000).method == "exact"


def test_calls_with_flat_centroid_cosines_scan_more_lists():
    # Random centres in 128-d: no partition keeps a cluster together, so the nearest list says
    # little. A margin that admits every list makes the index exact; none leaves misses.
    v = clustered(2000, dim=128, n_centres=400, seed=8)
    exact = replay(v)
    narrow = replay(v, exact_max_rows=0, index=IndexSettings(rows_per_list=50, probes=1, flat_margin=0.0))
    wide = replay(
        v, exact_max_rows=0, index=IndexSettings(rows_per_list=50, probes=1, max_probes=1000, flat_margin=2.0)
    )
    assert np.array_equal(wide.match_index, exact.match_index)
    assert np.mean(narrow.match_index == exact.match_index) < 0.9


def test_bad_index_setting_is_a_fixed_shape_config_error():
    with pytest.raises(ConfigError, match=r"The 'cache.index.probes' setting must be an integer >= 1. Got 0 instead."):
        replay(clustered(50), exact_max_rows=0, index=IndexSettings(probes=0))
    with pytest.raises(
        ConfigError, match=r"The 'cache.index.flat_margin' setting must be a number >= 0. Got -1 instead."
    ):
        replay(clustered(50), exact_max_rows=0, index=IndexSettings(flat_margin=-1))


def test_one_dimensional_input_is_an_input_error():
    with pytest.raises(InputError, match="expected a 2-d array"):
        replay(np.zeros(5, dtype=np.float32))


def test_timestamps_of_another_length_are_an_input_error():
    with pytest.raises(InputError, match="expected 3 timestamps"):
        replay(unit([1, 0], [0, 1], [1, 1]), times_s=np.zeros(2), ttl_s=10.0)


def test_without_faiss_the_replay_is_exact(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "faiss", None)
    v = clustered(300, seed=7)
    r = replay(v, exact_max_rows=0)
    assert r.method == "exact" and np.array_equal(r.match_index, brute_force(v)[0])


@pytest.mark.parametrize(
    "text,kind",
    [
        ("cancel order 1135", "id:1135"),
        ("mail me at a.b@example.com", "email:a.b@example.com"),
        ("refund $25.50 please", "amount:$25.50"),
        ("book it for 2024-03-05", "date:2024-03-05"),
        ("call 555-123-4567", "phone:555-123-4567"),
    ],
)
def test_entity_values_are_extracted(text, kind):
    assert kind in extract_entities(text)


def test_different_entity_values_conflict_and_equal_ones_do_not():
    a, b = extract_entities("cancel order 1135"), extract_entities("cancel order 2290")
    assert entity_conflict(a, b)
    assert not entity_conflict(a, extract_entities("please cancel order 1135"))
    assert not entity_conflict(extract_entities("hi"), extract_entities("hello"))


def test_sweep_counts_hits_precision_and_savings_per_threshold():
    cos = np.array([-1.0, 0.95, 0.85, 0.75])
    p = np.array([0.0, 1.0, 0.9, 0.5])
    est = sweep(cos, p, np.array([1.0, 2.0, 3.0, 4.0]), (0.8, 0.9), monthly_factor=10.0, monthly_cache_cost_usd=5.0)
    hi, lo = est[1], est[0]
    assert (lo.hits, hi.hits) == (2, 1)
    assert lo.estimated_precision == pytest.approx(0.95) and hi.estimated_precision == pytest.approx(1.0)
    assert lo.monthly_avoided_cost_usd == pytest.approx(50.0) and lo.monthly_net_savings_usd == pytest.approx(45.0)
    assert lo.hit_rate == pytest.approx(0.5)


def test_choose_threshold_takes_most_savings_within_the_false_hit_budget():
    cos = np.array([0.95, 0.85, 0.75])
    p = np.array([1.0, 0.99, 0.5])
    est = sweep(cos, p, np.ones(3), (0.7, 0.8, 0.9))
    assert choose_threshold(est, 0.02).threshold == 0.8
    assert choose_threshold(est, 0.0).threshold == 0.9
    assert choose_threshold(sweep(cos, np.zeros(3), np.ones(3), (0.7,)), 0.02) is None


def test_shipped_calibration_is_increasing_and_documented():
    cal = load_calibration()
    p = cal.predict(np.linspace(0.5, 1.0, 11))
    assert np.all(np.diff(p) >= 0) and 0.5 < p[-1] <= 1.0
    assert "CLINC150" in cal.meta["training_data"] and "qqp" not in cal.meta["training_data"].lower()


def test_labels_pull_the_estimate_toward_them_and_narrow_the_interval():
    cal = load_calibration()
    rng = np.random.default_rng(0)

    def fit(n):
        cos = rng.uniform(0.75, 0.95, n)
        same = rng.random(n) < 0.6  # a dataset much harsher than CLINC150
        return update_with_labels(cal, cos, same)

    few, many = fit(20), fit(400)
    grid = np.array([0.85])
    assert cal.predict(grid)[0] > 0.9
    assert abs(many.predict(grid)[0] - 0.6) < 0.08
    assert np.ptp(np.percentile(many.predict(grid, draws=400)[:, 0], [2.5, 97.5])) < np.ptp(
        np.percentile(few.predict(grid, draws=400)[:, 0], [2.5, 97.5])
    )


def test_no_label_interval_includes_the_calibrations_heldout_error():
    cos = np.array([0.9, 0.9, 0.9, 0.9])
    est = sweep(cos, np.full(4, 0.95), np.ones(4), (0.8,), precision_margin=0.02)[0]
    lo, hi = est.precision_interval
    assert lo <= 0.93 + 1e-9 and hi >= 0.97 - 1e-9
    assert load_calibration().heldout_error > 0
