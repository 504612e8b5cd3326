"""Routing order and bounds on labelled traffic: per-call scores + measured changes -> the calls to route.

The labelled calls are scored out of fold and the others by the fit on every label; the two
spread differently, so each is ranked within its own kind (`rank_within`) before they share one
order. The share routed is the largest prefix of that order whose cross-fitted lower bound on
quality meets the target (advisor.analyzers.routing.curves.lower_bound_calls), and a deployed
router reproduces it with one cut-off on its own score (`threshold_at`).
"""

from __future__ import annotations

import numpy as np

from advisor.analyzers.routing.curves import LCB_Z, lower_bound_calls, max_routed_calls


def rank_within(score: np.ndarray, labelled: np.ndarray) -> np.ndarray:
    """Each call's score as a quantile in (0, 1]: the share of its kind scoring at or below it,
    among the labelled calls (`labelled`: their positions) or among the others. Ordering both kinds on one raw scale would put one kind
    first: on MMLU the routed share of the unlabelled half then fell well below the plan's."""
    out = np.empty(len(score))
    mask = np.zeros(len(score), dtype=bool)
    mask[labelled] = True
    for part in (mask, ~mask):
        idx = np.flatnonzero(part)
        if len(idx):
            ranks = np.argsort(np.argsort(score[idx], kind="stable"), kind="stable")
            out[idx] = (ranks + 1.0) / len(idx)  # share of its kind at or below it
    return out


def label_bounds(
    order: np.ndarray, realized: np.ndarray, delta: np.ndarray, current_quality: np.ndarray, target: float
) -> tuple[int, int, int]:
    """Calls routed (in `order`) at the cross-fitted 95 % lower bound, at a 99.9 % one, and at
    the point estimate of the expected changes `delta`; realized: measured change, NaN unlabelled."""
    n_at = lower_bound_calls(order, realized, current_quality, target)
    n_lo = lower_bound_calls(order, realized, current_quality, target, z=2 * LCB_Z)
    n_hi = max_routed_calls(order, delta, current_quality, target)
    return n_at, min(n_lo, n_at), max(n_hi, n_at)


def threshold_at(full_score: np.ndarray, rank: np.ndarray, order: np.ndarray | None, k: int) -> float | None:
    """The score (of the fit on every label) under which a deployed router sends a call to the
    candidate: the quantile of the log's scores at the rank of the last of the k routed calls."""
    if k == 0 or order is None:
        return None
    return float(np.quantile(full_score, rank[order[k - 1]], method="inverted_cdf"))
