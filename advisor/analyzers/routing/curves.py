"""Quality-versus-routed-share curves and savings: per-call expected quality changes + costs -> numbers.

Routing a share s of the eligible calls to a candidate means sending the s most routable ones
(lowest predicted quality gap first). Each routed call changes quality by its expected delta
(candidate minus current quality), counted both ways: a call the current model gets wrong and
the candidate right is a gain, not a zero. So

    relative quality(s) = (sum(current quality) + sum(delta over routed calls)) / sum(current quality).

`lower_bound_calls` is the cross-fitted check: with labelled calls scored out of fold, the
realized deltas of the labelled calls in a routed prefix give a lower confidence bound on the
prefix's quality that holds on new traffic of the same size as the labelled set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHARE_GRID = tuple(np.round(np.linspace(0.0, 1.0, 21), 2))
LCB_Z = 1.645  # one-sided 95 %
MIN_LABELLED_IN_PREFIX = 10  # fewer labelled calls in a routed prefix: no bound, route nothing


@dataclass(frozen=True)
class QualityCurve:
    routed_share: tuple[float, ...]  # share of all calls sent to the candidate
    relative_quality: tuple[float, ...]  # vs today's quality (1.0 = unchanged)


def routing_order(strong_score: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Indices of eligible calls, most routable first (stable, so ties keep log order)."""
    idx = np.flatnonzero(eligible)
    return idx[np.argsort(strong_score[idx], kind="stable")]


def expected_delta(p_good: np.ndarray, current_quality: np.ndarray, fail_quality: float) -> np.ndarray:
    """Loss-only expected change for a probability of "good enough" (the shipped router, which knows
    no gains on this traffic): a routed call keeps its quality with probability p, else scores
    `fail_quality`."""
    return -(1.0 - p_good) * np.maximum(current_quality - fail_quality, 0.0)


def gap_delta(predicted_gap: np.ndarray, current_quality: np.ndarray) -> np.ndarray:
    """Expected change from a predicted gap (current minus candidate quality), both ways, kept in 0..1."""
    return np.clip(current_quality - predicted_gap, 0.0, 1.0) - current_quality


def relative_quality_at(order: np.ndarray, delta: np.ndarray, current_quality: np.ndarray, n_routed: int) -> float:
    total = float(current_quality.sum())
    if total <= 0:
        return 1.0
    return float((total + delta[order[:n_routed]].sum()) / total)


def quality_curve(order, delta, current_quality, n_calls: int) -> QualityCurve:
    shares, quality = [], []
    for share in SHARE_GRID:
        n_routed = int(np.round(share * n_calls))  # half to even, as round()
        if n_routed > len(order):
            break
        shares.append(float(share))
        quality.append(relative_quality_at(order, delta, current_quality, n_routed))
    return QualityCurve(tuple(shares), tuple(quality))


def max_routed_calls(order, delta, current_quality, target: float) -> int:
    """Largest number of calls (in routing order) whose relative quality stays >= target.

    With gains counted quality need not fall monotonically, so this is the last prefix that
    meets the target (every prefix is a plan a threshold on the score can carry out)."""
    total = float(current_quality.sum())
    if total <= 0 or len(order) == 0:
        return 0
    kept = total + np.cumsum(delta[order]) >= target * total - 1e-12
    return int(np.flatnonzero(kept)[-1] + 1) if kept.any() else 0


def lower_bound_calls(
    order: np.ndarray,
    realized: np.ndarray,
    current_quality: np.ndarray,
    target: float,
    *,
    z: float = LCB_Z,
    min_labelled: int = MIN_LABELLED_IN_PREFIX,
) -> int:
    """Largest prefix whose lower confidence bound on relative quality meets `target`.

    realized: per call, the labelled change (candidate minus current score), NaN when unlabelled.
    The routed calls' total change is estimated as k x the mean labelled change in the prefix,
    less z standard errors; the error counts both the labels' sampling and the new traffic's
    (sqrt(2) x the standard error: a new sample as large as the labelled one), so the target
    holds on new traffic, not only on average."""
    total = float(current_quality.sum())
    if total <= 0 or len(order) == 0:
        return 0
    r = realized[order]
    known = np.isfinite(r)
    m = np.cumsum(known)
    s1 = np.cumsum(np.where(known, r, 0.0))
    s2 = np.cumsum(np.where(known, r * r, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / m
        var = np.maximum(s2 / m - mean * mean, 0.0) * m / np.maximum(m - 1, 1)
        se = np.sqrt(2.0 * var / m)
    k = np.arange(1, len(order) + 1)
    lcb = total + k * (mean - z * se)
    ok = (m >= min_labelled) & (lcb >= target * total - 1e-12)
    return int(np.flatnonzero(ok)[-1] + 1) if ok.any() else 0


def lower_bound_quality(order, realized, current_quality, k: int, z: float = LCB_Z) -> float | None:
    """The lower bound of `lower_bound_calls` on relative quality when routing the first k calls."""
    if realized is None or k == 0:
        return None
    r = realized[order[:k]]
    r = r[np.isfinite(r)]
    total = float(current_quality.sum())
    if len(r) < 2 or total <= 0:
        return None
    se = np.sqrt(2.0 * r.var(ddof=1) / len(r))
    return float((total + k * (r.mean() - z * se)) / total)


def savings_usd(order: np.ndarray, n_routed: int, per_call_saving_usd: np.ndarray) -> float:
    return float(per_call_saving_usd[order[:n_routed]].sum())
