"""Router quality metrics: (scores, per-request correctness) -> numbers, all pure numpy.

APGR and CPT follow RouteLLM's evaluation code (lm-sys/RouteLLM, routellm/evals/benchmarks.py
and evaluate.py) so that our numbers are comparable with theirs:

- the routing thresholds are the 11 edges of 10 equal-count bins of the router's scores
  (`pd.qcut(scores, 10, retbins=True)`); at every edge but the last a request goes to the
  strong model when its score is >= the edge, at the last edge when it is > the edge
  (so the curve runs from 100 % to 0 % strong calls);
- APGR = (area under accuracy-vs-strong-share - weak accuracy) / (strong - weak accuracy),
  the area taken with the trapezoid rule over those 11 points;
- CPT(x) = `np.interp(weak + x * (strong - weak), accuracies, strong shares)` with the points
  sorted by strong share, exactly as RouteLLM computes it.

Shares here are fractions (0..1), not percentages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_BINS = 10  # RouteLLM's default --num-results


# The bootstrap of the out-of-fold AUC misses how far the router fitted on all labels lands from
# it (on MMLU the fitted router's AUC on new questions fell outside it in 15-30 % of draws at
# 50-800 labels: docs/routing-holdout.md); the interval is widened this much around the AUC.
AUC_INTERVAL_WIDEN = 2.0


@dataclass(frozen=True)
class RoutingCurve:
    """Quality (mean score) against the share of calls sent to the strong model."""

    strong_share: tuple[float, ...]
    quality: tuple[float, ...]
    weak_quality: float
    strong_quality: float


@dataclass(frozen=True)
class RouterMetrics:
    """RouteLLM metrics plus calibration and ranking quality of one router on labelled data."""

    n_requests: int
    apgr: float
    cpt50: float  # share of calls to the strong model needed to recover 50 % of the gap
    cpt80: float
    auc: float | None  # ranking of P(weak good enough); None when only one class is present
    ece: float | None  # calibration of P(weak good enough); None when no probability is given
    weak_quality: float
    strong_quality: float

    def to_dict(self) -> dict:
        return {k: (None if v is None else float(v) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def routing_curve(scores: np.ndarray, weak: np.ndarray, strong: np.ndarray, n_bins: int = N_BINS) -> RoutingCurve:
    """RouteLLM's threshold sweep: `scores` high = send to the strong model."""
    scores = np.asarray(scores, dtype=float)
    weak = np.asarray(weak, dtype=float)
    strong = np.asarray(strong, dtype=float)
    edges = np.quantile(scores, np.linspace(0.0, 1.0, n_bins + 1))
    shares, quality = [], []
    for i, edge in enumerate(edges):
        to_strong = scores >= edge if i != len(edges) - 1 else scores > edge
        shares.append(float(to_strong.mean()))
        quality.append(float(np.where(to_strong, strong, weak).mean()))
    order = np.argsort(shares, kind="stable")
    return RoutingCurve(
        strong_share=tuple(shares[i] for i in order),
        quality=tuple(quality[i] for i in order),
        weak_quality=float(weak.mean()),
        strong_quality=float(strong.mean()),
    )


def apgr(curve: RoutingCurve) -> float:
    """Average performance gap recovered (area under the curve, normalised by the gap)."""
    x = np.asarray(curve.strong_share)
    y = np.asarray(curve.quality)
    span = x[-1] - x[0]
    gap = (curve.strong_quality - curve.weak_quality) * span
    if gap == 0:
        return float("nan")
    return float((np.trapezoid(y, x) - curve.weak_quality * span) / gap)


def cpt(curve: RoutingCurve, recovered: float) -> float:
    """Call-performance threshold: strong share needed to recover `recovered` of the gap."""
    target = curve.weak_quality + recovered * (curve.strong_quality - curve.weak_quality)
    return float(np.interp(target, curve.quality, curve.strong_share))


def expected_calibration_error(prob: np.ndarray, outcome: np.ndarray, n_bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of |mean outcome - mean prob| x bin weight."""
    prob = np.clip(np.asarray(prob, dtype=float), 0.0, 1.0)
    outcome = np.asarray(outcome, dtype=float)
    bins = np.minimum((prob * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(outcome[mask].mean() - prob[mask].mean())
    return float(total)


def auc_score(prob: np.ndarray, outcome: np.ndarray) -> float | None:
    """ROC AUC of `prob` for `outcome` (ties count one half, as scikit-learn's roc_auc_score)."""
    prob = np.asarray(prob, dtype=float)
    outcome = np.asarray(outcome).astype(int)
    if len(outcome) == 0 or outcome.min() == outcome.max():
        return None
    values, block = np.unique(prob, return_inverse=True)
    pos = outcome == 1
    return _block_auc(np.bincount(block, pos, minlength=len(values)), np.bincount(block, ~pos, minlength=len(values)))


def _block_auc(w_pos: np.ndarray, w_neg: np.ndarray) -> float:
    """Mann-Whitney AUC from positive / negative weights per tie block (blocks in score order)."""
    below = np.cumsum(w_neg) - w_neg  # negatives with strictly lower scores
    return float((w_pos * (below + 0.5 * w_neg)).sum() / (w_pos.sum() * w_neg.sum()))


def bootstrap_auc_interval(
    prob: np.ndarray,
    outcome: np.ndarray,
    *,
    seed: int,
    n_boot: int = 200,
    level: float = 0.95,
    groups: np.ndarray | None = None,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the AUC (resampling requests, or whole `groups`: calls of
    one text share its label and its neighbours, so they are resampled together).

    A resample is a count per request, and the AUC of a resample is the count-weighted
    Mann-Whitney statistic (ties count one half), so every draw is one pass over requests
    sorted once, instead of a fresh roc_auc_score: the same numbers, ~50x faster at 10k."""
    prob = np.asarray(prob, dtype=float)
    outcome = np.asarray(outcome).astype(int)
    if outcome.min() == outcome.max():
        return None
    # Requests with equal scores form one tie block; sort once and index blocks.
    values, block = np.unique(prob, return_inverse=True)
    pos = outcome == 1
    rng = np.random.default_rng(seed)
    n_blocks = len(values)
    group_of = None if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
    n_groups = 0 if group_of is None else int(group_of.max()) + 1
    results = []
    for _ in range(n_boot):
        if group_of is None:
            counts = np.bincount(rng.integers(0, len(prob), len(prob)), minlength=len(prob)).astype(np.float64)
        else:
            picked = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups).astype(np.float64)
            counts = picked[group_of]
        w_pos = np.bincount(block, counts * pos, minlength=n_blocks)
        w_neg = np.bincount(block, counts * ~pos, minlength=n_blocks)
        if w_pos.sum() > 0 and w_neg.sum() > 0:
            results.append(_block_auc(w_pos, w_neg))
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(results, alpha)), float(np.quantile(results, 1.0 - alpha))


def widened(interval: tuple[float, float] | None, auc: float | None) -> tuple[float, float] | None:
    """`interval` stretched AUC_INTERVAL_WIDEN times around `auc`, kept in 0..1."""
    if interval is None or auc is None:
        return interval
    lo, hi = auc - AUC_INTERVAL_WIDEN * (auc - interval[0]), auc + AUC_INTERVAL_WIDEN * (interval[1] - auc)
    return max(0.0, lo), min(1.0, hi)


def evaluate_scores(
    strong_score: np.ndarray,
    weak: np.ndarray,
    strong: np.ndarray,
    *,
    p_good_enough: np.ndarray | None = None,
    good: np.ndarray | None = None,
) -> RouterMetrics:
    """All metrics for one router. `strong_score` ranks requests for the strong model;
    `p_good_enough` is the calibrated probability that the weak answer is at least as good
    (or, when `good` is given, that it meets the caller's own definition of good enough)."""
    weak = np.asarray(weak, dtype=float)
    strong = np.asarray(strong, dtype=float)
    curve = routing_curve(strong_score, weak, strong)
    good = (weak >= strong).astype(int) if good is None else np.asarray(good).astype(int)
    return RouterMetrics(
        n_requests=len(weak),
        apgr=apgr(curve),
        cpt50=cpt(curve, 0.5),
        cpt80=cpt(curve, 0.8),
        auc=None if p_good_enough is None else auc_score(p_good_enough, good),
        ece=None if p_good_enough is None else expected_calibration_error(p_good_enough, good),
        weak_quality=curve.weak_quality,
        strong_quality=curve.strong_quality,
    )


def random_router_metrics(weak: np.ndarray, strong: np.ndarray, *, seed: int, n_draws: int = 20) -> RouterMetrics:
    """A router with uniform random scores (RouteLLM's `random`), averaged over seeded draws."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_draws):
        score = rng.random(len(weak))
        draws.append(evaluate_scores(score, weak, strong, p_good_enough=1.0 - score))
    return RouterMetrics(
        n_requests=len(weak),
        apgr=float(np.mean([d.apgr for d in draws])),
        cpt50=float(np.mean([d.cpt50 for d in draws])),
        cpt80=float(np.mean([d.cpt80 for d in draws])),
        auc=None if draws[0].auc is None else float(np.mean([d.auc for d in draws])),
        ece=None,  # random scores are not probabilities: calibration is not defined
        weak_quality=draws[0].weak_quality,
        strong_quality=draws[0].strong_quality,
    )
