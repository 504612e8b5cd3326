"""Quality-versus-routed-share curves and savings: per-call probabilities + costs -> numbers.

Routing a share s of the eligible calls to a candidate means sending the s most routable ones
(lowest predicted quality gap first). A routed call keeps the current quality when the
candidate is good enough (probability p) and otherwise scores `fail_quality` (the candidate's
mean score where it was not good enough, 0 for pass/fail labels), so

    relative quality(s) = sum(new quality) / sum(current quality) over all calls.

The interval on the largest share meeting a target shifts every p by +-`margin` (the measured
calibration error plus a 1/sqrt(n labelled) sampling term): a deliberately simple, wide band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHARE_GRID = tuple(np.round(np.linspace(0.0, 1.0, 21), 2))


@dataclass(frozen=True)
class QualityCurve:
    routed_share: tuple[float, ...]  # share of all calls sent to the candidate
    relative_quality: tuple[float, ...]  # vs today's quality (1.0 = unchanged)


def routing_order(strong_score: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Indices of eligible calls, most routable first (stable, so ties keep log order)."""
    idx = np.flatnonzero(eligible)
    return idx[np.argsort(strong_score[idx], kind="stable")]


def relative_quality_at(
    order: np.ndarray, p_good: np.ndarray, current_quality: np.ndarray, fail_quality: float, n_routed: int
) -> float:
    total = float(current_quality.sum())
    if total <= 0:
        return 1.0
    routed = order[:n_routed]
    lost = (1.0 - p_good[routed]) * np.maximum(current_quality[routed] - fail_quality, 0.0)
    return float((total - lost.sum()) / total)


def quality_curve(order, p_good, current_quality, fail_quality, n_calls: int) -> QualityCurve:
    shares, quality = [], []
    for share in SHARE_GRID:
        n_routed = int(np.round(share * n_calls))  # half to even, as round()
        if n_routed > len(order):
            break
        shares.append(float(share))
        quality.append(relative_quality_at(order, p_good, current_quality, fail_quality, n_routed))
    return QualityCurve(tuple(shares), tuple(quality))


def max_routed_calls(order, p_good, current_quality, fail_quality, target: float) -> int:
    """Largest number of calls (in routing order) whose relative quality stays >= target.

    Quality only falls as more calls are routed (each routed call loses >= 0), so the
    cumulative loss is monotone and a search over its prefix sums is exact.
    """
    total = float(current_quality.sum())
    if total <= 0 or len(order) == 0:
        return 0
    lost = np.cumsum((1.0 - p_good[order]) * np.maximum(current_quality[order] - fail_quality, 0.0))
    allowed = (1.0 - target) * total
    return int(np.searchsorted(lost, allowed + 1e-12, side="right"))


def savings_usd(order: np.ndarray, n_routed: int, per_call_saving_usd: np.ndarray) -> float:
    return float(per_call_saving_usd[order[:n_routed]].sum())
