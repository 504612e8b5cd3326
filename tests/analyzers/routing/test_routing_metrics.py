import numpy as np
import pandas as pd
import pytest
from routing_helpers import single_thread_blas  # noqa: F401  (autouse fixture)

from advisor.analyzers.routing.router.metrics import (
    apgr,
    bootstrap_auc_interval,
    cpt,
    evaluate_scores,
    expected_calibration_error,
    random_router_metrics,
    routing_curve,
)


def _routellm_reference(scores, weak, strong):
    """RouteLLM's evaluate/benchmarks code path, restated with pandas as they run it."""
    _, thresholds = pd.qcut(scores, 10, retbins=True)
    points = []
    for i, t in enumerate(thresholds):
        sel = scores >= t if i != len(thresholds) - 1 else scores > t
        points.append((sel.mean() * 100, np.where(sel, strong, weak).mean() * 100))
    df = pd.DataFrame(points, columns=["strong_percentage", "accuracy"]).sort_values("strong_percentage")
    w, s = weak.mean() * 100, strong.mean() * 100
    auc = np.trapezoid(df["accuracy"], df["strong_percentage"] / 100)
    span = np.trapezoid(np.ones(len(df)), df["strong_percentage"] / 100)
    ap = (auc - w * span) / (s * span - w * span)
    c50 = np.interp(0.5 * (s - w) + w, df["accuracy"], df["strong_percentage"]) / 100
    return ap, c50


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_apgr_and_cpt_match_routellm_reference_implementation(seed):
    rng = np.random.default_rng(seed)
    weak = (rng.random(500) < 0.6).astype(float)
    strong = np.maximum(weak, (rng.random(500) < 0.5)).astype(float)
    scores = (strong - weak) * 0.3 + rng.random(500)
    curve = routing_curve(scores, weak, strong)
    ref_apgr, ref_cpt50 = _routellm_reference(scores, weak, strong)
    assert apgr(curve) == pytest.approx(ref_apgr, abs=1e-9)
    assert cpt(curve, 0.5) == pytest.approx(ref_cpt50, abs=1e-9)


def test_oracle_router_beats_random_and_inverted_router_is_worse():
    rng = np.random.default_rng(0)
    weak = (rng.random(2000) < 0.6).astype(float)
    strong = np.maximum(weak, (rng.random(2000) < 0.5)).astype(float)
    gap = strong - weak + 1e-6 * rng.random(2000)
    oracle = evaluate_scores(gap, weak, strong)
    inverted = evaluate_scores(-gap, weak, strong)
    rand = random_router_metrics(weak, strong, seed=0)
    assert oracle.apgr > 0.8 > rand.apgr > inverted.apgr
    assert 0.45 < rand.apgr < 0.55
    assert oracle.cpt50 < rand.cpt50 < inverted.cpt50


def test_curve_runs_from_all_weak_to_all_strong():
    rng = np.random.default_rng(1)
    weak = (rng.random(300) < 0.5).astype(float)
    strong = (rng.random(300) < 0.8).astype(float)
    curve = routing_curve(rng.random(300), weak, strong)
    assert curve.strong_share[0] == 0.0 and curve.strong_share[-1] == 1.0
    assert curve.quality[0] == pytest.approx(weak.mean())
    assert curve.quality[-1] == pytest.approx(strong.mean())


def test_ece_is_zero_when_probabilities_match_frequencies_and_large_when_not():
    assert expected_calibration_error(np.full(5, 0.2), np.array([0, 0, 0, 0, 1])) == pytest.approx(0.0)
    assert expected_calibration_error(np.full(4, 0.9), np.zeros(4)) == pytest.approx(0.9)


def test_bootstrap_auc_interval_brackets_the_auc_and_is_none_for_one_class():
    rng = np.random.default_rng(0)
    good = (rng.random(400) < 0.5).astype(int)
    p = np.clip(good * 0.3 + rng.random(400) * 0.7, 0, 1)
    weak, strong = good.astype(float), np.ones(400)  # good enough exactly when the weak model is right
    m = evaluate_scores(-p, weak, strong, p_good_enough=p)
    lo, hi = bootstrap_auc_interval(p, good, seed=0)
    assert lo < m.auc < hi
    assert bootstrap_auc_interval(p, np.ones(400), seed=0) is None
    assert evaluate_scores(-p, np.ones(400), np.ones(400), p_good_enough=p).auc is None


def test_grouped_bootstrap_resamples_whole_texts_so_copies_do_not_narrow_the_interval():
    from advisor.analyzers.routing.router.metrics import bootstrap_auc_interval

    rng = np.random.default_rng(0)
    p, y = rng.random(60), rng.random(60) < 0.5
    p[:30] += y[:30] * 0.3  # some signal
    copies = 10  # every text seen 10 times with the same label and score
    rows = bootstrap_auc_interval(np.repeat(p, copies), np.repeat(y, copies), seed=0)
    grouped = bootstrap_auc_interval(
        np.repeat(p, copies), np.repeat(y, copies), seed=0, groups=np.repeat(np.arange(60), copies)
    )
    # Resampling rows treats the copies as 600 independent requests: about sqrt(10) x narrower.
    assert (grouped[1] - grouped[0]) > 2 * (rows[1] - rows[0])


def test_a_flat_learning_curve_at_chance_is_not_stable():
    from advisor.analyzers.routing.router.learning import LearningPoint, _stable

    flat_at_chance = LearningPoint(n_labelled=200, auc_mean=0.51, auc_sd=0.01, apgr_mean=0.5)
    useful = LearningPoint(n_labelled=200, auc_mean=0.66, auc_sd=0.01, apgr_mean=0.6)
    assert not _stable(flat_at_chance, 0.51, max_sd=0.02, tolerance=0.02)
    assert _stable(useful, 0.665, max_sd=0.02, tolerance=0.02)
