"""Stratified allocation and the label-count rule."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.routing.labels_needed import (
    auc_standard_error,
    labels_to_exclude_chance,
    more_labels_needed,
    reference_auc,
)
from advisor.analyzers.routing.router.metrics import AUC_INTERVAL_WIDEN
from advisor.shadow.sample import allocate, stratified_sample


def test_allocation_is_proportional_with_a_floor_and_sums_to_n():
    sizes = np.array([100, 50, 3, 1000])
    got = allocate(sizes, sizes.astype(float), 100)
    assert got.sum() == 100 and (got <= sizes).all()
    assert got[2] == 3  # a small stratum gets its floor (all it has)
    assert got[3] > got[0] > got[1]  # the rest in proportion to the calls
    assert allocate(sizes, sizes.astype(float), 5000).tolist() == sizes.tolist()  # n beyond the log: everything
    assert allocate(sizes, sizes.astype(float), 3).sum() == 3  # fewer than one per stratum: the largest first


def test_stratified_sample_is_seeded_and_covers_every_stratum():
    strata = ["a"] * 500 + ["b"] * 30 + ["c"] * 8
    weights = np.ones(len(strata))
    one = stratified_sample(strata, weights, 60, seed=3)
    assert one.tolist() == stratified_sample(strata, weights, 60, seed=3).tolist()
    assert one.tolist() != stratified_sample(strata, weights, 60, seed=4).tolist()
    picked = {strata[i] for i in one}
    assert len(one) == 60 and len(set(one.tolist())) == 60 and picked == {"a", "b", "c"}


def test_the_rule_is_the_smallest_n_whose_widened_interval_excludes_chance():
    for auc, share in ((0.6, 0.5), (0.65, 0.3), (0.75, 0.8)):
        n = labels_to_exclude_chance(auc, share)
        assert n is not None

        def lower(k, auc=auc, share=share):
            return auc - AUC_INTERVAL_WIDEN * 1.96 * auc_standard_error(auc, share * k, (1 - share) * k)

        assert lower(n) > 0.5 >= lower(n - 1)
    assert labels_to_exclude_chance(0.5, 0.5) is None and labels_to_exclude_chance(0.45, 0.5) is None
    assert labels_to_exclude_chance(0.6, 0.5) > labels_to_exclude_chance(0.7, 0.5)  # weaker routers need more
    assert labels_to_exclude_chance(0.65, 0.9) > labels_to_exclude_chance(0.65, 0.5)  # uneven outcomes need more


def test_hanley_mcneil_matches_the_spread_of_simulated_aucs():
    """The rule rests on Hanley & McNeil's SE; on binormal scores at AUC ~0.65 it should be
    within 15 % of the AUC's actual spread over 400 simulated label sets (its known accuracy
    for moderate AUCs; 400 draws estimate an SD to about 3.5 %)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n_pos = n_neg = 100
    shift = 0.545  # Phi(shift / sqrt(2)) = 0.65
    aucs = []
    for _ in range(400):
        scores = np.concatenate([rng.normal(shift, 1, n_pos), rng.normal(0, 1, n_neg)])
        aucs.append(roc_auc_score(np.r_[np.ones(n_pos), np.zeros(n_neg)], scores))
    assert auc_standard_error(0.65, n_pos, n_neg) == pytest.approx(np.std(aucs), rel=0.15)


def test_more_labels_follows_the_learning_curve_until_stable_and_above_chance():
    assert more_labels_needed(400, 0.75, 0.5, stable=True, better=True) == 0
    assert more_labels_needed(100, 0.9, 0.5, stable=False) == 100  # the curve's next size: 200
    assert more_labels_needed(100, 0.6, 0.5, stable=False) == labels_to_exclude_chance(0.6, 0.5) - 100
    assert more_labels_needed(300, 0.52, 0.5, stable=True, better=False) == labels_to_exclude_chance(0.52, 0.5) - 300
    assert more_labels_needed(60, 0.5, 0.5, stable=False) == 60  # no AUC edge yet: double


def test_the_reference_auc_is_the_shipped_routers_held_out_auc():
    import json

    from advisor.core.paths import models_dir

    card = json.loads((models_dir() / "router" / "router.json").read_text())
    assert reference_auc() == card["metrics"]["held_out"]["auc"]
