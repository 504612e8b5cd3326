"""Labelled pairs -> the precision model in use, and which source its numbers come from.

    fit_from_labels(cal, cosine, same, seed, bin_edges) -> LabelFit(model, source, stricter, warning)
    check_labels(cal, cosine, same) -> LabelCheck

The shipped calibration learned what "same answer" means on intent datasets. When a log's
labels agree with it, the labels only shift it (calibration.update_with_labels, prior centred
on the shipped curve). When they show a stricter notion (on Quora duplicate questions, two
questions on one topic are usually NOT the same answer), the labelled share of right
matches falls below what the calibration expects on those very pairs by more than the
calibration's own between-domain margin plus the labels' sampling noise. Then the
calibration's prior is dropped and the curve is fitted from the labels alone (the same
two-parameter logistic, with a prior too wide to hold the labels back), and the findings
say so in words.

Either curve is then only the centre of the per-bin estimate (bin_estimate.fit_bins): each
cosine bin's share of right matches has a Beta prior on the curve, updated by the bin's labels,
so the bias of a two-parameter curve fades as labels accumulate. The prior is worth as many
labels as the curve's misfit to the labels allows (bin_estimate.misfit_prior_labels); labels
that agree with the calibration keep its between-domain error as the least misfit, stricter
labels drop it with the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.analyzers.cache.bin_estimate import fit_bins
from advisor.analyzers.cache.calibration import Calibration, update_with_labels

Z = 1.96
LABEL_DRIVEN_PRIOR_SD = (30.0, 10.0)  # about flat over any (a, b) a curve in cosine can need

SOURCE_CALIBRATION = "calibration"  # no labels: the shipped curve, with its between-domain margin
SOURCE_UPDATED = "calibration + labels"  # labels agree with it: the shipped curve shifted by them
SOURCE_LABELS = "labels"  # labels show a stricter notion: the curve refitted from the labels


@dataclass(frozen=True)
class LabelCheck:
    n: int
    labelled_share: float  # share of the labelled pairs marked same
    calibrated_share: float  # what the shipped calibration expects on those pairs
    allowance: float  # its between-domain margin + 95 % binomial noise of n labels

    @property
    def stricter(self) -> bool:
        return self.labelled_share < self.calibrated_share - self.allowance


@dataclass(frozen=True)
class LabelFit:
    model: Any  # bin_estimate.BinEstimate centred on the (updated or refitted) curve
    source: str  # SOURCE_UPDATED or SOURCE_LABELS
    check: LabelCheck

    @property
    def warning(self) -> str | None:
        c = self.check
        if not c.stricter:
            return None
        return (
            f"your labels use a stricter notion of 'same answer' than the calibration: {c.labelled_share:.0%} "
            f"of the {c.n} labelled pairs are the same answer where the calibration expects {c.calibrated_share:.0%} "
            f"(more than its {c.allowance:.0%} allowance for other traffic and label noise); precision is refitted "
            "from your labels alone, not from the shifted calibration"
        )


def check_labels(cal: Calibration, cosine, same) -> LabelCheck:
    cos = np.asarray(cosine, dtype=np.float64)
    y = np.asarray(same, dtype=bool)
    p = cal.predict(cos)
    n = max(int(y.size), 1)
    noise = Z * float(np.sqrt(np.sum(p * (1 - p)))) / n
    margin = float(np.mean(cal.transfer_margin(cos))) if y.size else 0.0
    return LabelCheck(
        n=int(y.size),
        labelled_share=float(y.mean()) if y.size else 0.0,
        calibrated_share=float(p.mean()) if y.size else 0.0,
        allowance=margin + noise,
    )


def fit_from_labels(cal: Calibration, cosine, same, *, seed: int = 0, bin_edges=None) -> LabelFit:
    """The with-labels precision model: per-bin Beta posteriors centred on the calibration
    shifted by the labels, or on the curve refitted from them when they are stricter.
    Without `bin_edges` the curve alone (no per-bin step)."""
    check = check_labels(cal, cosine, same)
    sd, source = (LABEL_DRIVEN_PRIOR_SD, SOURCE_LABELS) if check.stricter else ((3.0, 1.0), SOURCE_UPDATED)
    curve = update_with_labels(cal, cosine, same, prior_sd=sd, seed=seed)
    if bin_edges is None or not len(bin_edges):
        return LabelFit(curve, source, check)
    # Labels that agree with the calibration leave it its between-domain error as the least
    # misfit a bin may have; stricter labels drop the calibration and with it that floor.
    edges = np.asarray(bin_edges, dtype=np.float64)
    floor = 0.0 if check.stricter else cal.transfer_margin(edges) / Z
    return LabelFit(fit_bins(curve, cosine, same, edges, floor_sd=floor, seed=seed, base=cal), source, check)
