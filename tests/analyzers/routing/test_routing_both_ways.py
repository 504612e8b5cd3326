"""Quality counted both ways and the cross-fitted lower bound (advisor.analyzers.routing.curves)."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.routing.curves import (
    gap_delta,
    lower_bound_calls,
    max_routed_calls,
    relative_quality_at,
)


def test_a_call_only_the_cheaper_model_gets_right_is_a_gain_not_a_zero():
    current = np.array([0.0, 1.0, 1.0, 1.0])  # the current model got the first call wrong
    delta = gap_delta(np.array([-1.0, 0.0, 0.0, 0.0]), current)  # the candidate gets it right
    order = np.arange(4)
    assert delta[0] == 1.0  # clipped to the 0..1 scale: 0 -> 1
    assert relative_quality_at(order, delta, current, 1) == 4 / 3  # above today's quality


def test_the_largest_prefix_meeting_the_target_may_lie_past_a_dip():
    current = np.ones(4)
    delta = np.array([-1.0, 0.0, 0.0, 0.0])  # quality 3/4 from the first call on
    assert max_routed_calls(np.arange(4), delta, current, 0.75) == 4
    assert max_routed_calls(np.arange(4), delta, current, 0.8) == 0


def _draw(rng, n, p_loss, p_gain):
    """Per call, the measured change of a pass/fail label pair: -1 (loss), +1 (gain) or 0."""
    u = rng.random(n)
    return np.where(u < p_loss, -1.0, np.where(u < p_loss + p_gain, 1.0, 0.0))


def test_the_lower_bound_holds_on_a_new_sample_in_at_least_nineteen_of_twenty_draws():
    # Calls in routing order whose loss rate grows along the order, gains 5 %; routing the prefix
    # the bound allows on one sample must keep quality >= target on an independent sample of the
    # same traffic. 200 draws: a 95 % bound misses in about 5 % of them, sampling error of the
    # count about 1.5 %, so 90 % is the floor a correct bound stays above.
    rng = np.random.default_rng(0)
    n, target, held = 600, 0.95, 0
    p_loss = np.linspace(0.0, 0.4, n)
    order = np.arange(n)
    current = np.ones(n) * 0.8
    for _ in range(200):
        train = np.array([_draw(rng, 1, p, 0.05)[0] for p in p_loss])
        k = lower_bound_calls(order, train, current, target)
        test = np.array([_draw(rng, 1, p, 0.05)[0] for p in p_loss])
        held += (current.sum() + test[:k].sum()) / current.sum() >= target
    assert held >= 180


def test_without_enough_labelled_calls_in_the_prefix_the_bound_routes_nothing():
    realized = np.full(100, np.nan)
    realized[:5] = 0.0  # five labelled calls: too few to bound anything
    assert lower_bound_calls(np.arange(100), realized, np.ones(100), 0.9) == 0


def test_labels_the_router_cannot_rank_better_than_chance_give_low_confidence_and_say_why():
    from advisor.analyzers.routing.candidates import CandidateInputs, estimate_from_labels

    rng = np.random.default_rng(3)
    n = 240
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    weak, strong = (rng.random(n) < 0.6).astype(float), (rng.random(n) < 0.8).astype(float)  # labels: coin flips
    inp = CandidateInputs(
        model="cheap",
        provider="x",
        eligible=np.ones(n, dtype=bool),
        per_call_saving_usd=np.ones(n),
        cost_ratio=np.full(n, 0.1),
        current_quality=strong,
        candidate_labels=weak,
        current_labels=strong,
        monthly_factor=1.0,
    )
    est = estimate_from_labels(
        inp,
        vectors,
        np.zeros((n, 1)),
        target=0.95,
        threshold=None,
        seed=0,
        with_learning_curve=True,
        text_ids=np.arange(n),
    )
    assert est.auc_interval is not None and est.auc_interval[0] <= 0.5 <= est.auc_interval[1]
    assert est.confidence == "low"
    assert any("better than chance" in p for p in est.prerequisites)
    # and the share it routes keeps the cross-fitted lower bound at the target
    assert est.quality_lower_bound is None or est.quality_lower_bound >= 0.95


def test_out_of_fold_and_fitted_scores_are_ranked_each_among_their_own_kind():
    from advisor.analyzers.routing.ordering import rank_within, threshold_at

    # Labelled calls' out-of-fold scores spread wider than the unlabelled calls' fitted ones.
    score = np.array([-3.0, -1.0, 1.0, 3.0, -0.3, -0.1, 0.1, 0.3])
    rank = rank_within(score, np.arange(4))
    order = np.argsort(rank, kind="stable")
    # The first half of the order holds two of each kind, not the four widest labelled scores.
    assert sorted(order[:4].tolist()) == [0, 1, 4, 5]
    # The deployed cut-off on the fitted scores routes the same share of the log.
    full = np.array([-0.4, -0.2, 0.2, 0.4, -0.3, -0.1, 0.1, 0.3])
    cut = threshold_at(full, rank, order, 4)
    assert (full <= cut).mean() == 0.5


def test_the_auc_interval_is_widened_around_the_auc_and_kept_in_0_1():
    from advisor.analyzers.routing.router.metrics import AUC_INTERVAL_WIDEN, widened

    lo, hi = widened((0.60, 0.70), 0.66)
    assert (lo, hi) == pytest.approx((0.66 - AUC_INTERVAL_WIDEN * 0.06, 0.66 + AUC_INTERVAL_WIDEN * 0.04))
    assert widened((0.90, 0.99), 0.97) == pytest.approx((0.97 - AUC_INTERVAL_WIDEN * 0.07, 1.0))
    assert widened(None, 0.6) is None
