"""The threshold choice keeps the upper end of the false-hit interval in budget; labels needed."""

import numpy as np
import pytest

from advisor.analyzers.cache.calibration import Calibration, load_calibration
from advisor.analyzers.cache.labels_needed import (
    label_advice,
    label_share_at,
    labels_for_error,
    labels_for_range,
    labels_to_recommend,
)
from advisor.analyzers.cache.sweep import choose_threshold, sweep


def _estimates(margin):
    cos = np.array([0.95, 0.85, 0.75] * 20)
    p = np.array([1.0, 0.99, 0.5] * 20)
    return sweep(cos, p, np.ones(cos.size), (0.7, 0.8, 0.9), precision_margin=margin)


def test_threshold_whose_interval_reaches_past_the_budget_is_not_chosen():
    # Expected false-hit rate at 0.8 is 0.005; a 0.02 margin puts its upper end at 0.025 > 0.02.
    est = _estimates(np.array([0.0, 0.02, 0.0]))
    assert est[1].false_hit_rate == pytest.approx(0.005)
    assert est[1].false_hit_upper == pytest.approx(0.025)
    assert choose_threshold(est, 0.02).threshold == 0.9
    assert choose_threshold(_estimates(0.0), 0.02).threshold == 0.8


def test_a_margin_per_threshold_widens_only_its_own_interval():
    est = _estimates(np.array([0.0, 0.03, 0.0]))
    assert est[0].precision_interval[0] == pytest.approx(est[0].estimated_precision)
    assert est[1].precision_interval[0] == pytest.approx(0.995 - 0.03)


def test_the_margin_applies_only_to_hits_whose_estimate_came_from_the_calibration():
    cos = np.full(10, 0.9)
    applies = np.arange(10) < 4  # six identical-text hits are right whatever the calibration says
    est = sweep(cos, np.ones(10), np.ones(10), (0.8,), precision_margin=0.05, margin_applies=applies)[0]
    assert est.precision_interval[0] == pytest.approx(1 - 0.05 * 0.4)


def test_label_share_follows_where_the_matches_fall_in_the_label_bins():
    cos = np.array([0.71, 0.72, 0.76, 0.78, 0.81, 0.83])
    edges = [0.70, 0.75, 0.80]  # three bins, labels split equally
    assert label_share_at(0.75, cos, edges) == pytest.approx(2 / 3)
    assert label_share_at(0.77, cos, edges) == pytest.approx((0.5 + 1) / 3)
    assert label_share_at(0.99, cos, edges) == 0.0


def test_labels_to_recommend_grows_as_the_room_under_the_budget_shrinks():
    cos = np.full(200, 0.9)
    for q, budget in ((0.005, 0.02), (0.01, 0.02)):
        est = sweep(cos, np.full(200, 1 - q), np.ones(200), (0.8,))
        need = labels_to_recommend(est, budget, cos, [0.8])
        # every label lands among the hits: n = 1.96^2 q (1 - q) / (budget - q)^2
        assert need.n_labels == int(np.ceil(1.96**2 * q * (1 - q) / (budget - q) ** 2))
    small = labels_to_recommend(sweep(cos, np.full(200, 0.995), np.ones(200), (0.8,)), 0.02, cos, [0.8])
    big = labels_to_recommend(sweep(cos, np.full(200, 0.99), np.ones(200), (0.8,)), 0.02, cos, [0.8])
    assert small.n_labels < big.n_labels


def test_no_number_of_labels_helps_when_the_expected_rate_is_over_budget():
    cos = np.full(50, 0.9)
    est = sweep(cos, np.full(50, 0.9), np.ones(50), (0.8,))
    assert labels_to_recommend(est, 0.02, cos, [0.8]) is None
    assert "no semantic cache recommended" in label_advice(None, est, 0.02, cos, [0.8], 0)[0]


def test_advice_names_the_computed_number_of_pairs():
    cos = np.full(200, 0.9)
    est = sweep(cos, np.full(200, 0.99), np.ones(200), (0.8,), precision_margin=0.05)
    assert choose_threshold(est, 0.02) is None
    # no labels yet: planned at the estimate capped at half the budget (0.01, room 0.01)
    n = labels_to_recommend(est, 0.02, cos, [0.8], plan_low=True).n_labels
    assert n == int(np.ceil(1.96**2 * 0.01 * 0.99 / 0.01**2))
    (msg,) = label_advice(None, est, 0.02, cos, [0.8], 0)
    assert f"label about {n} pairs first" in msg and "0.80" in msg
    est_high = sweep(cos, np.full(200, 0.985), np.ones(200), (0.8,), precision_margin=0.05)
    # an estimate above half the budget is planned at half the budget without labels, as is
    assert labels_to_recommend(est_high, 0.02, cos, [0.8], plan_low=True).n_labels == n
    assert labels_to_recommend(est_high, 0.02, cos, [0.8]).n_labels > n
    # with labels: planned at the estimate, and counted as more pairs
    msg, more = label_advice(None, est, 0.02, cos, [0.8], 50)
    assert f"label {labels_to_recommend(est, 0.02, cos, [0.8]).n_labels} more pairs first" in msg
    # its interval (clipped at precision 1) is already +-0.03 wide
    assert "the 50 labelled pairs already bring the precision at every threshold 0.75-0.95 to +-0.03" in more
    # a +-0.06 interval, all of it from 50 labels: 4 x 50 labels would halve it
    wide = sweep(cos, np.full(200, 0.9), np.ones(200), (0.8,), precision_margin=0.06)
    _, more = label_advice(None, wide, 0.02, cos, [0.8], 50)
    assert "about 150 more labelled pairs (200 in all) would bring the precision at every threshold" in more


def test_more_labels_for_plus_minus_three_points_scale_as_one_over_root_n():
    est = sweep(np.full(10, 0.9), np.full(10, 0.9), np.ones(10), (0.8,), precision_margin=0.06)[0]
    # half-width 0.06, all of it from the labels: 4x the labels halves it
    assert labels_for_error(est, 100) == 300
    assert labels_for_error(est, 0) == 0


def test_the_stream_own_spread_adds_in_quadrature_and_can_make_the_target_unreachable():
    from dataclasses import replace

    est = sweep(np.full(10, 0.9), np.full(10, 0.9), np.ones(10), (0.8,), precision_margin=0.05)[0]
    # half-width 0.05 of which 0.03 is the stream's: labels' part sqrt(0.05^2 - 0.03^2) = 0.04 must
    # shrink to sqrt(0.03^2 - ...) -> with sampling 0.02: room sqrt(0.03^2 - 0.02^2)
    e = replace(est, sampling_halfwidth=0.02)
    expected = int(np.ceil(100 * (0.05**2 - 0.02**2) / (0.03**2 - 0.02**2))) - 100
    assert labels_for_error(e, 100) == pytest.approx(expected, abs=1)
    assert labels_for_error(replace(est, sampling_halfwidth=0.035), 100) == -1
    assert labels_for_range([replace(est, sampling_halfwidth=0.035)], 100) is None


def test_calibration_without_a_transfer_record_falls_back_to_its_heldout_error():
    cal = Calibration(np.array([0.0, 1.0]), np.array([0.0, 1.0]), meta={})
    assert np.all(cal.transfer_margin([0.8, 0.9]) == 0.0)
    cal = Calibration(
        np.array([0.0, 1.0]),
        np.array([0.0, 1.0]),
        meta={"transfer": {"thresholds": [0.8, 0.9], "margin": [0.04, 0.02]}},
    )
    assert cal.transfer_margin([0.7, 0.85, 0.95]) == pytest.approx([0.04, 0.03, 0.02])


def test_shipped_calibration_carries_a_between_domain_margin():
    cal = load_calibration()
    assert {f["left_out"] for f in cal.meta["transfer"]["folds"]} >= {"HWU64", "CLINC150"}
    # the margin is the folds' worst error, so at least as large as the held-out error of one dataset
    assert cal.transfer_margin([0.75]).item() >= cal.heldout_error * 0.5
