"""How many labelled pairs a threshold decision needs, computed from the replayed log.

    labels_to_recommend(estimates, budget, candidate_cosine, label_edges) -> LabelsNeeded | None
    labels_for_error(estimate, n_labels, target) -> int
    labels_for_range(estimates, n_labels, target, within) -> int | None

`advisor cache label` spreads its pairs equally over the label bins (labels.label_bins), so
the share of n labels that land among a threshold's hits follows from where the log's
matches fall in those bins. Among m labelled hits, the false-hit share is known to about
Z * sqrt(q (1 - q) / m) (binomial, q = the estimated false-hit rate); the stream's own
sampling spread (the bootstrap half-width) comes on top and no label removes it. A threshold
can be recommended once its expected false-hit rate plus both half-widths fits the budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

Z = 1.96  # 95 % intervals, as everywhere in the cache estimate
TARGET_ERROR = 0.03  # the +- the report says how many more labels would reach
CHECK_RANGE = (0.75, 0.95)  # thresholds the "more labels" figure covers when none is chosen
MAX_LABELS = 5000  # beyond this, labelling is not a practical way to make the cache safe


@dataclass(frozen=True)
class LabelsNeeded:
    threshold: float  # the threshold those labels would let advisor check
    n_labels: int


def label_share_at(threshold: float, candidate_cosine: np.ndarray, label_edges) -> float:
    """Expected share of stratified labels that fall among the hits of `threshold`.

    `candidate_cosine`: match cosines of the pairs a person could be shown (matched, not
    identical text); labels are split equally over the bins that hold any.
    """
    cos = np.asarray(candidate_cosine, dtype=np.float64)
    edges = np.concatenate([np.sort(np.asarray(label_edges, dtype=np.float64)), [np.inf]])
    shares = []
    for lo, hi in pairwise(edges):
        inb = (cos >= lo) & (cos < hi)
        if inb.any():
            shares.append(float(np.mean(cos[inb] >= threshold)))
    return float(np.mean(shares)) if shares else 0.0


def _needed(q: float, room: float, share: float) -> float:
    if room <= 0 or share <= 0:
        return math.inf
    return Z * Z * max(q * (1 - q), 1e-4) / (share * room * room)


def labels_to_recommend(
    estimates, budget: float, candidate_cosine, label_edges, *, plan_low: bool = False
) -> LabelsNeeded | None:
    """The fewest labels after which some threshold's false-hit interval could fit the budget.

    The false-hit rate planned for is the estimate. With `plan_low` (no labels yet: the
    estimate is uncertain by the calibration's transfer margin, and the truth may be well
    below it) it is the estimate capped at half the budget, the rate at which labels could
    confirm the threshold, but not below the low end of its interval. None when that rate
    (plus the stream's own sampling spread) is not within the budget: no number of labels
    would then make a recommendation safe.
    """
    best: LabelsNeeded | None = None
    for e in estimates:
        if not e.hits or e.false_hit_rate is None:
            continue
        q = e.false_hit_rate
        if plan_low and e.precision_interval is not None:
            q = max(1.0 - e.precision_interval[1], min(q, budget / 2))
        room = budget - q - (e.sampling_halfwidth or 0.0)
        n = _needed(q, room, label_share_at(e.threshold, candidate_cosine, label_edges))
        if n <= MAX_LABELS and (best is None or n < best.n_labels):
            best = LabelsNeeded(threshold=e.threshold, n_labels=max(math.ceil(n), 1))
    return best


def labels_for_error(estimate, n_labels: int, target: float = TARGET_ERROR) -> int:
    """More labels (beyond `n_labels`) that would bring the precision interval at `estimate`
    to +-`target`; -1 when the stream's own sampling spread alone is wider than that.

    The interval adds two independent spreads (labels and the stream's bootstrap), so their
    variances add: label part = sqrt(half-width^2 - sampling^2), and it shrinks as 1/sqrt(labels).
    """
    if estimate is None or estimate.precision_interval is None or n_labels <= 0:
        return 0
    lo, hi = estimate.precision_interval
    sampling = estimate.sampling_halfwidth or 0.0
    label_var = max(((hi - lo) / 2) ** 2 - sampling**2, 0.0)
    room_var = target**2 - sampling**2
    if label_var <= room_var:
        return 0
    if room_var <= 0:
        return -1  # the stream alone is noisier than the target: labels cannot get there
    return math.ceil(n_labels * label_var / room_var - 1e-9) - n_labels  # 1e-9: float noise


def labels_for_range(estimates, n_labels: int, target: float = TARGET_ERROR, within=CHECK_RANGE) -> int | None:
    """More labels that would bring the interval at EVERY threshold in `within` (with hits) to
    +-`target`: the largest labels_for_error among them. None when, at one of them, the
    stream's own sampling spread is wider than the target (no number of labels gets there)."""
    rows = [e for e in estimates if e.hits and within[0] - 1e-9 <= e.threshold <= within[1] + 1e-9]
    need = [labels_for_error(e, n_labels, target) for e in rows]
    if not need or min(need) < 0:
        return None
    return max(need)


def label_advice(chosen, estimates, budget: float, candidate_cosine, label_edges, n_labels: int) -> list[str]:
    """The report's sentences on the choice: why the chosen threshold is safe, or how many pairs
    to label first when none is, and, with labels, how many more would bring the error to +-0.03
    (at the chosen threshold, or at every threshold 0.75..0.95 when none is chosen)."""
    said = [_choice_sentence(chosen, estimates, budget, candidate_cosine, label_edges, n_labels)]
    if n_labels:
        said.append(_error_sentence(chosen, estimates, n_labels))
    return said


def _choice_sentence(chosen, estimates, budget: float, candidate_cosine, label_edges, n_labels: int) -> str:
    if chosen is not None:
        return (
            f"threshold {chosen.threshold:.2f} is recommended because the upper end of its 95 % false-hit "
            f"interval ({chosen.false_hit_upper:.1%}) is within the {budget:.0%} budget"
        )
    need = labels_to_recommend(estimates, budget, candidate_cosine, label_edges, plan_low=not n_labels)
    if need is None:
        return (
            f"no threshold's false-hit rate can be shown within {budget:.0%} on this log, "
            "however many pairs are labelled: no semantic cache recommended for this traffic"
        )
    more, least = (" more", "") if n_labels else ("", "about ")
    return (
        f"no threshold keeps the upper end of its 95 % false-hit interval within {budget:.0%}: "
        f"label {least}{need.n_labels}{more} pairs first (`advisor cache label -n {need.n_labels}`, computed "
        f"from this log's matches for threshold {need.threshold:.2f}) and pass them with --pair-labels"
    )


def _error_sentence(chosen, estimates, n_labels: int) -> str:
    """How many more labelled pairs would bring the precision estimate to +-0.03, from the spread
    the labels leave now (their part of the interval shrinks as 1/sqrt(labels))."""
    if chosen is not None:
        extra: int | None = labels_for_error(chosen, n_labels)
        where = f"at {chosen.threshold:.2f}"
    else:
        extra = labels_for_range(estimates, n_labels)
        where = f"at every threshold {CHECK_RANGE[0]:.2f}-{CHECK_RANGE[1]:.2f}"
    if extra is None or extra < 0:
        return f"this log is too short for +-{TARGET_ERROR} {where}, however many pairs are labelled"
    if extra == 0:
        return f"the {n_labels} labelled pairs already bring the precision {where} to +-{TARGET_ERROR}"
    return (
        f"about {extra} more labelled pairs ({n_labels + extra} in all) would bring the precision {where} "
        f"to +-{TARGET_ERROR}"
    )
