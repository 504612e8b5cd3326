"""Cache replay (nearest earlier alive neighbour), entity flags, calibration and its label update."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.cache_entities import entity_conflict, extract_entities
from advisor.analyzers.cache_replay import replay
from advisor.analyzers.cache_sweep import choose_threshold, sweep
from advisor.calibration import load_calibration, update_with_labels


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


def test_index_search_agrees_with_exact_on_clustered_vectors():
    pytest.importorskip("faiss")
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((40, 32))
    v = unit(*(centres[rng.integers(0, 40, 3000)] + 0.3 * rng.standard_normal((3000, 32))))
    exact, ann = replay(v), replay(v, ann_above=0)
    assert ann.method == "ivf"
    assert np.mean(np.abs(exact.match_cosine - ann.match_cosine) < 1e-5) > 0.9
    assert abs(np.mean(exact.match_cosine >= 0.9) - np.mean(ann.match_cosine >= 0.9)) < 0.01


@pytest.mark.parametrize("text,kind", [
    ("cancel order 1135", "id:1135"), ("mail me at a.b@example.com", "email:a.b@example.com"),
    ("refund $25.50 please", "amount:$25.50"), ("book it for 2024-03-05", "date:2024-03-05"),
    ("call 555-123-4567", "phone:555-123-4567"),
])
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
    assert np.ptp(np.percentile(many.predict(grid, draws=400)[:, 0], [2.5, 97.5])) < \
        np.ptp(np.percentile(few.predict(grid, draws=400)[:, 0], [2.5, 97.5]))


def test_no_label_interval_includes_the_calibrations_heldout_error():
    cos = np.array([0.9, 0.9, 0.9, 0.9])
    est = sweep(cos, np.full(4, 0.95), np.ones(4), (0.8,), precision_margin=0.02)[0]
    lo, hi = est.precision_interval
    assert lo <= 0.93 + 1e-9 and hi >= 0.97 - 1e-9
    assert load_calibration().heldout_error > 0
