"""The per-bin with-labels estimate: near the curve with few labels, the labelled shares with many."""

import numpy as np
import pytest

from advisor.analyzers.cache.bin_estimate import fit_bins, monotone
from advisor.analyzers.cache.calibration import load_calibration, update_with_labels

EDGES = np.round(np.arange(0.70, 0.96, 0.05), 4)  # labels.label_bins(0.70..0.98)
THRESHOLDS = np.round(np.arange(0.75, 0.951, 0.01), 4)


def _truth(cos: np.ndarray) -> np.ndarray:
    """A stricter notion of 'same answer' that no logistic in the calibration's logit fits:
    flat near 0.35 up to 0.85, then a jump to 0.8 (QQP-like: topic matches are not answers)."""
    return np.where(cos < 0.85, 0.35, 0.8) + 0.15 * (cos - 0.7)


def _population(n: int = 8000):
    return np.random.default_rng(99).uniform(0.70, 1.0, n)


def _labels(cos_pop: np.ndarray, n: int, seed: int):
    """`n` labels spread equally over the bins (as `advisor cache label` does), truth drawn."""
    rng = np.random.default_rng(seed)
    b = np.searchsorted(EDGES, cos_pop, side="right") - 1
    per = n // EDGES.size
    rows = np.concatenate([rng.choice(np.flatnonzero(b == k), per, replace=False) for k in range(EDGES.size)])
    cos = cos_pop[rows]
    return cos, rng.random(cos.size) < _truth(cos)


def _precision(model, cos_pop: np.ndarray) -> np.ndarray:
    p = model.predict(cos_pop)
    return np.array([p[cos_pop >= t].mean() for t in THRESHOLDS])


def test_bias_vanishes_as_labels_grow_where_the_two_parameter_curve_keeps_a_floor():
    cal = load_calibration()
    pop = _population()
    truth = np.array([_truth(pop)[pop >= t].mean() for t in THRESHOLDS])
    bins_bias, curve_bias = {}, {}
    for n in (120, 600, 3000):
        b, c = [], []
        for seed in range(12):
            cos, same = _labels(pop, n, seed)
            curve = update_with_labels(cal, cos, same, prior_sd=(30.0, 10.0))
            b.append(_precision(fit_bins(curve, cos, same, EDGES, 20.0, base=cal), pop))
            c.append(_precision(curve, pop))
        # Bias: the mean estimate over 12 label draws against the truth, worst threshold.
        bins_bias[n] = float(np.abs(np.mean(b, axis=0) - truth).max())
        curve_bias[n] = float(np.abs(np.mean(c, axis=0) - truth).max())
    assert bins_bias[3000] < bins_bias[600] < bins_bias[120]
    # At 3000 labels what is left is the curve's shape inside a 0.05 bin (0.007 with exact
    # shares per bin) plus the draws' noise in a mean of 12 (one bin of 500 labels: sd 0.022,
    # / sqrt(12) = 0.006): 0.015 bounds both; measured 0.010.
    assert bins_bias[3000] <= 0.015
    # The two-parameter curve cannot bend to the jump: its bias stays (measured 0.054 at 3000).
    assert curve_bias[3000] >= 0.04 and curve_bias[3000] >= 3 * bins_bias[3000]


def test_few_labels_stay_near_the_curve_many_labels_follow_them():
    cal = load_calibration()
    k = 2  # the 0.80 bin
    few = fit_bins(cal, np.full(10, 0.82), np.zeros(10, bool), EDGES, 40.0)
    # Ten wrong labels move the bin's share 10 / (40 + 10) of the way to 0, exactly (Beta-binomial).
    assert few.posterior_mean[k] == pytest.approx(few.centre_mean[k] * 40 / 50, rel=1e-9)
    many = fit_bins(cal, np.full(5000, 0.82), np.zeros(5000, bool), EDGES, 40.0)
    assert many.posterior_mean[k] < 0.01  # 5000 wrong labels overwhelm the prior: 0.9 * 40 / 5040


def test_the_prior_is_strong_where_the_curve_fits_the_labels_and_weak_where_it_does_not():
    cal = load_calibration()
    rng = np.random.default_rng(5)
    cos = np.repeat(EDGES + 0.025, 100)  # 100 labels in each of the six bins
    fits = rng.random(cos.size) < cal.predict(cos)
    misfit = rng.random(cos.size) < np.clip(cal.predict(cos) - 0.3, 0, 1)
    strong = fit_bins(cal, cos, fits, EDGES).prior_labels
    weak = fit_bins(cal, cos, misfit, EDGES).prior_labels
    # Labels drawn from the curve: no misfit beyond binomial noise, so the prior is capped at all
    # 600 labels in most bins. Labels 0.3 below it: tau ~ 0.3, prior m (1 - m) / 0.09 - 1 < 2 -> 2.
    assert np.median(strong) == 600
    assert np.all(weak == 2.0)
    # A floor under the misfit (the calibration's transfer error) caps the prior however well
    # the labels fit: sd 0.05 at m ~ 0.9 is worth about 0.09 / 0.0025 = 36 labels.
    floored = fit_bins(cal, cos, fits, EDGES, floor_sd=0.05)
    assert np.all(floored.prior_labels < 100)


def test_draws_spread_like_the_beta_posterior_and_are_reproducible():
    cal = load_calibration()
    rng = np.random.default_rng(1)
    cos = rng.uniform(0.70, 1.0, 600)
    # Shares 0.10, 0.26, ... 0.90 per bin: gaps of 0.16 against a posterior sd near 0.05, so the
    # monotone pooling almost never binds and each bin's draws follow its Beta posterior.
    same = rng.random(600) < 0.1 + 0.16 * (np.searchsorted(EDGES, cos, side="right") - 1)
    model = fit_bins(cal, cos, same, EDGES, 5.0, seed=3)
    x = np.array([0.81, 0.99])
    d1, d2 = model.predict(x, draws=4000), model.predict(x, draws=4000)
    assert np.array_equal(d1, d2)
    a, b = model.alpha[2], model.beta[2]
    beta_sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    # 4000 draws estimate an sd to about 1 / sqrt(2 * 4000) = 1.1 % relative; 5 % is generous.
    assert np.std(d1[:, 0]) == pytest.approx(beta_sd, rel=0.05)
    assert np.mean(d1[:, 0]) == pytest.approx(model.predict(x)[0], abs=4 * beta_sd / np.sqrt(4000))


def test_bin_shares_are_pooled_where_their_labels_break_the_order_in_cosine():
    # Weighted pool-adjacent-violators: 0.5 and 0.3 (equal weight) pool to 0.4; 0.9 (weight 1)
    # and 0.8 (weight 3) to 0.825.
    np.testing.assert_allclose(monotone([0.1, 0.5, 0.3, 0.9, 0.8], [1, 1, 1, 1, 3]), [0.1, 0.4, 0.4, 0.825, 0.825])
    cal = load_calibration()
    cos = np.r_[np.full(20, 0.92), np.full(20, 0.97)]
    same = np.r_[np.ones(20, bool), np.arange(20) % 4 != 0]  # 100 % at 0.92, 75 % at 0.97
    model = fit_bins(cal, cos, same, EDGES, 5.0)
    assert model.predict([0.92])[0] <= model.predict([0.97])[0] + 0.02  # the order holds (curve's shape aside)
