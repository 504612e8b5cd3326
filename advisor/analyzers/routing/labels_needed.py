"""How many shadow labels a routing candidate needs: AUC, good-enough share -> a label count.

A candidate's confidence rises above "low" only when the 95 % interval of its out-of-fold AUC
excludes 0.5 (candidates.py). That interval is a bootstrap widened AUC_INTERVAL_WIDEN times,
so its half-width is about AUC_INTERVAL_WIDEN x 1.96 standard errors. The standard error of an
AUC with n_pos good-enough and n_neg not-good-enough labels is Hanley & McNeil's (1982):

    SE^2 = [A(1-A) + (n_pos-1)(Q1-A^2) + (n_neg-1)(Q2-A^2)] / (n_pos n_neg),
    Q1 = A / (2 - A),  Q2 = 2A^2 / (1 + A)

`labels_to_exclude_chance(A, share)` is the smallest label count whose widened interval at
AUC A stops short of 0.5. Without labels of its own, A is the shipped router's held-out AUC
on MMLU (models/router/router.json) and the share is 0.5 (the most even split, which needs the
fewest labels: an uneven one needs more, and the learning curve then asks for them).
`more_labels_needed` is the same rule at the candidate's measured AUC and share, and at least
the learning curve's next size (it doubles) while the curve is not yet stable. The analyzer's
prerequisite and `advisor shadow plan` both call it, so they name the same number.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from advisor.analyzers.routing.router.metrics import AUC_INTERVAL_WIDEN

Z95 = 1.96  # the interval is a 95 % one
MIN_LABELS = 50  # [routing] min_labels default: below it no router is trained at all
MAX_LABELS = 100_000  # past this an AUC this close to 0.5 is not worth labelling for
NEUTRAL_SHARE = 0.5  # good-enough share assumed before any label is seen


def auc_standard_error(auc: float, n_pos: float, n_neg: float) -> float:
    """Hanley & McNeil's standard error of an AUC from n_pos positives and n_neg negatives."""
    q1, q2 = auc / (2.0 - auc), 2.0 * auc * auc / (1.0 + auc)
    var = auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)
    return math.sqrt(max(var, 0.0) / (n_pos * n_neg))


def labels_to_exclude_chance(auc: float, good_share: float, *, floor: int = MIN_LABELS) -> int | None:
    """Smallest label count (>= floor) whose widened 95 % AUC interval at `auc` excludes 0.5;
    None when `auc` is at or below chance or would need more than MAX_LABELS."""
    if not auc > 0.5 or not 0.0 < good_share < 1.0:
        return None
    share = min(max(good_share, 0.02), 0.98)  # an all-one-outcome sample has no AUC at all

    def excludes(n: int) -> bool:
        se = auc_standard_error(auc, max(share * n, 1.0), max((1 - share) * n, 1.0))
        return auc - AUC_INTERVAL_WIDEN * Z95 * se > 0.5

    if not excludes(MAX_LABELS):
        return None
    lo, hi = floor, floor
    while not excludes(hi):
        lo, hi = hi, hi * 2
    while lo < hi:  # the SE falls as n grows, so the test is monotone in n
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if excludes(mid) else (mid + 1, hi)
    return min(hi, MAX_LABELS)


@lru_cache(maxsize=1)
def reference_auc() -> float | None:
    """The shipped router's held-out AUC on MMLU (its card), or None when it is not installed."""
    from advisor.core.paths import models_dir

    try:
        card = json.loads((models_dir() / "router" / "router.json").read_text())
        return float(card["metrics"]["held_out"]["auc"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def labels_to_collect() -> int:
    """Labels to ask for when a candidate has none: the rule at the shipped router's AUC."""
    auc = reference_auc()
    needed = labels_to_exclude_chance(auc, NEUTRAL_SHARE) if auc is not None else None
    return needed if needed is not None else MIN_LABELS


def more_labels_needed(
    n_labelled: int, auc: float | None, good_share: float | None, *, stable: bool, better: bool | None = None
) -> int:
    """Further labels for a candidate with `n_labelled` already: 0 once the learning curve is
    stable and the AUC interval excludes chance (`better`, the measured interval; None: this
    rule at the measured AUC); else the larger of what the interval rule asks for and the
    curve's next (doubled) size, minus what is there."""
    excluded = labels_to_exclude_chance(auc, good_share) if auc is not None and good_share is not None else None
    if better is None:
        better = excluded is not None and excluded <= n_labelled
    if stable and better:
        return 0
    curve_next = max(2 * n_labelled, MIN_LABELS)  # the curve's sizes double
    if excluded is None or excluded <= n_labelled:
        return curve_next - n_labelled
    return max(curve_next if not stable else excluded, excluded) - n_labelled


def label_prerequisites(model: str, n_labelled: int, *, stable: bool, better: bool, more: int) -> list[str]:
    """More labels until the learning curve is stable and the AUC interval is above chance;
    `more`: how many (labels_needed.more_labels_needed, the number `advisor shadow plan` uses)."""
    if stable and better:
        return []
    why = (
        "the estimate is not yet stable."
        if better
        else "the router does not yet rank calls better than chance (AUC interval includes 0.5)."
    )
    return [f"Label more shadow answers of {model}: {n_labelled} so far, about {more} more; {why}"]
