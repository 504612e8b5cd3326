"""Labelled pairs -> P(right | cosine) per cosine bin: the with-labels estimate whose bias
vanishes as labels accumulate.

    fit_bins(centre, cosine, same, edges, prior_labels, seed) -> BinEstimate
    BinEstimate.predict(cosine, draws=0)            posterior mean, or (draws, n) samples
    transfer_prior_labels(cal, edges, centre_share) -> pseudo-labels per bin

A curve through cosine (the shipped calibration, or the two-parameter logistic refitted from
labels) has a bias on traffic it does not describe that no number of labels removes (on
Quora duplicates, a floor near 0.036 in the worst error: docs/cache-labels.md before issue 16).
Here each cosine bin (the bins `advisor cache label` stratifies its pairs over) has a Beta
prior centred on the curve's mean over the bin's labelled pairs, worth `prior_labels` pairs,
updated by the bin's labelled pairs (binomial). Inside a bin the curve keeps its shape and
moves to the bin's posterior share. With few labels the estimate stays near the curve; with
many it becomes the labelled share per bin, so its bias goes to zero and the labels' part of
the interval shrinks as 1 / (prior + labels), which labels_needed uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Z = 1.96
MIN_PRIOR_LABELS = 2.0  # a bin's prior is never weaker than two pseudo-labels (a flat-ish Beta)


@dataclass(frozen=True)
class BinEstimate:
    """Per cosine bin: a Beta posterior of P(right) and the curve it was centred on."""

    centre: Any  # the curve the priors are centred on: .predict(cosine) -> P(right)
    base: Any  # the shipped calibration underneath (evidence.py calibrates answers with it)
    edges: np.ndarray  # bin lower edges, increasing; the last bin is open above
    alpha: np.ndarray
    beta: np.ndarray
    centre_mean: np.ndarray  # the curve's mean over the bin's labelled pairs (bin middle if none)
    prior_labels: np.ndarray  # prior strength per bin, in labels
    bin_labels: np.ndarray  # labelled pairs per bin
    n_labels: int
    seed: int = 0

    @property
    def posterior_mean(self) -> np.ndarray:
        return self.alpha / (self.alpha + self.beta)

    @property
    def prior_total(self) -> float:
        """Pseudo-labels over the bins that hold labels: the labels' part of the interval shrinks
        as 1 / (prior_total + labels) (labels_needed.labels_for_error)."""
        held = self.bin_labels > 0
        return float(np.sum(self.prior_labels[held])) if held.any() else 0.0

    def bin_of(self, cosine: np.ndarray) -> np.ndarray:
        """Bin index per cosine; -1 below the first edge."""
        return np.searchsorted(self.edges, cosine, side="right") - 1

    def predict(self, cosine, draws: int = 0) -> np.ndarray:
        """Posterior mean per cosine, or (draws, n) samples of the bins' shares."""
        c = np.asarray(cosine, dtype=np.float64)
        curve = np.asarray(self.centre.predict(c), dtype=np.float64)
        b = self.bin_of(c)
        inside = b >= 0
        shift = self.posterior_mean - self.centre_mean
        if draws <= 0:
            out = curve.copy()
            out[inside] = np.clip(curve[inside] + shift[b[inside]], 0.0, 1.0)
            return out
        rng = np.random.default_rng(self.seed)
        share = rng.beta(self.alpha, self.beta, size=(draws, self.alpha.size))
        out = np.repeat(curve[None, :], draws, axis=0)
        moved = share[:, b[inside]] - self.centre_mean[b[inside]][None, :]
        out[:, inside] = np.clip(curve[inside][None, :] + moved, 0.0, 1.0)
        return out


def _centre_means(centre: Any, cosine: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    mids = np.append((edges[:-1] + edges[1:]) / 2, edges[-1] + 0.025) if edges.size > 1 else edges + 0.025
    means = np.asarray(centre.predict(mids), dtype=np.float64).copy()
    curve = np.asarray(centre.predict(cosine), dtype=np.float64)
    for k in range(edges.size):
        inb = b == k
        if inb.any():
            means[k] = float(curve[inb].mean())
    return means


def transfer_prior_labels(cal: Any, edges, centre_share) -> np.ndarray:
    """Prior strength per bin from the calibration's between-domain error: a Beta whose 95 %
    half-width equals the transfer margin at the bin's lower edge (Calibration.transfer_margin)
    is worth m (1 - m) / sd^2 - 1 labels, sd = margin / 1.96."""
    m = np.clip(np.asarray(centre_share, dtype=np.float64), 1e-3, 1 - 1e-3)
    sd = np.maximum(np.asarray(cal.transfer_margin(np.asarray(edges, dtype=np.float64))) / Z, 1e-3)
    return np.maximum(m * (1 - m) / sd**2 - 1.0, MIN_PRIOR_LABELS)


def fit_bins(centre: Any, cosine, same, edges, prior_labels=None, *, seed: int = 0, base: Any = None) -> BinEstimate:
    """Beta(prior * m + right, prior * (1 - m) + wrong) per bin, m = the curve's mean over the
    bin's labelled pairs. `prior_labels`: one number, one per bin, or None (from the
    calibration's transfer margin, transfer_prior_labels)."""
    edges = np.sort(np.asarray(edges, dtype=np.float64))
    cos = np.asarray(cosine, dtype=np.float64)
    y = np.asarray(same, dtype=np.float64)
    b = np.searchsorted(edges, cos, side="right") - 1
    centre_mean = _centre_means(centre, cos, b, edges)
    base = base if base is not None else getattr(centre, "base", centre)
    if prior_labels is None:
        prior = transfer_prior_labels(base, edges, centre_mean)
    else:
        prior = np.broadcast_to(np.asarray(prior_labels, dtype=np.float64), edges.shape).astype(np.float64)
    right = np.array([y[b == k].sum() for k in range(edges.size)])
    counts = np.array([int(np.sum(b == k)) for k in range(edges.size)])
    m = np.clip(centre_mean, 1e-3, 1 - 1e-3)
    return BinEstimate(
        centre=centre,
        base=base,
        edges=edges,
        alpha=prior * m + right,
        beta=prior * (1 - m) + (counts - right),
        centre_mean=centre_mean,
        prior_labels=prior,
        bin_labels=counts,
        n_labels=int(y.size),
        seed=seed,
    )
