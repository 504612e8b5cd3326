"""Labelled pairs -> P(right | cosine) per cosine bin: the with-labels estimate whose bias
vanishes as labels accumulate.

    fit_bins(centre, cosine, same, edges, prior_labels, seed) -> BinEstimate
    BinEstimate.predict(cosine, draws=0)            posterior mean, or (draws, n) samples
    misfit_prior_labels(centre_mean, right, counts, floor_sd) -> pseudo-labels per bin

A curve through cosine (the shipped calibration, or the two-parameter logistic refitted from
labels) has a bias on traffic it does not describe that no number of labels removes (on
Quora duplicates, a floor near 0.036 in the worst error: docs/cache-labels.md before issue 16).
Here each cosine bin (the bins `advisor cache label` stratifies its pairs over) has a Beta
prior centred on the curve's mean over the bin's labelled pairs, worth `prior_labels` pairs,
updated by the bin's labelled pairs (binomial). Inside a bin the curve keeps its shape and
moves to the bin's posterior share. With few labels the estimate stays near the curve; with
many it becomes the labelled share per bin, so its bias goes to zero and the labels' part of
the interval's variance shrinks as 1 / labels (labels_needed assumes so): where the curve fits,
the prior is capped at the labels the curve was fitted to and shrinks with them; where it
does not, the prior stays fixed and the bins' own labels soon outweigh it.
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
    label_cosine: np.ndarray  # the labelled pairs' cosines (the curve's draws are averaged over them)
    seed: int = 0

    @property
    def posterior_mean(self) -> np.ndarray:
        return self.alpha / (self.alpha + self.beta)

    @property
    def smoothed_mean(self) -> np.ndarray:
        """Posterior means made increasing in cosine (weighted by each bin's posterior labels)."""
        return monotone(self.posterior_mean, self.alpha + self.beta)

    def bin_of(self, cosine: np.ndarray) -> np.ndarray:
        """Bin index per cosine; -1 below the first edge."""
        return np.searchsorted(self.edges, cosine, side="right") - 1

    def predict(self, cosine, draws: int = 0) -> np.ndarray:
        """Posterior mean per cosine, or (draws, n) samples: the curve's own posterior draws, and
        per draw each bin's share from its Beta posterior centred on that draw of the curve."""
        c = np.asarray(cosine, dtype=np.float64)
        b = self.bin_of(c)
        inside = b >= 0
        if draws <= 0:
            curve = np.asarray(self.centre.predict(c), dtype=np.float64)
            shift = self.smoothed_mean - self.centre_mean
            out = curve.copy()
            out[inside] = np.clip(curve[inside] + shift[b[inside]], 0.0, 1.0)
            return out
        curve_d, at_labels = self._curve_draws(c, draws)
        rng = np.random.default_rng(self.seed + 1)
        right = self.alpha - self.prior_labels * np.clip(self.centre_mean, 1e-3, 1 - 1e-3)
        wrong = self.beta - self.prior_labels * (1 - np.clip(self.centre_mean, 1e-3, 1 - 1e-3))
        m = np.clip(at_labels, 1e-3, 1 - 1e-3)
        a, b_ = self.prior_labels * m + right, self.prior_labels * (1 - m) + wrong
        share = np.array([monotone(row, w) for row, w in zip(rng.beta(a, b_), a + b_, strict=True)])
        out = curve_d.copy()
        moved = share[:, b[inside]] - at_labels[:, b[inside]]
        out[:, inside] = np.clip(curve_d[:, inside] + moved, 0.0, 1.0)
        return out

    def _curve_draws(self, c: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
        """(draws, n) samples of the curve at `c`, and (draws, bins) its mean per bin over the
        labelled pairs, from the same posterior draws (the curve's draws are seeded)."""
        if not getattr(self.centre, "n_labels", 0):  # a fixed curve: no draws of its own
            return np.repeat(self.centre.predict(c)[None, :], draws, axis=0), np.repeat(
                self.centre_mean[None, :], draws, axis=0
            )
        curve_d = np.asarray(self.centre.predict(c, draws=draws), dtype=np.float64)
        at = np.repeat(self.centre_mean[None, :], draws, axis=0)
        lab_d = np.asarray(self.centre.predict(self.label_cosine, draws=draws), dtype=np.float64)
        lb = self.bin_of(self.label_cosine)
        for k in np.unique(lb[lb >= 0]):
            at[:, k] = lab_d[:, lb == k].mean(axis=1)
        return curve_d, at


def monotone(values, weights) -> np.ndarray:
    """Weighted isotonic (non-decreasing) fit by pool-adjacent-violators: a bin whose few labels
    fall below a lower bin's share is pooled with it instead of breaking the order a share of
    right matches keeps in cosine."""
    v, w = np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    blocks: list[list[float]] = []  # [mean, weight, count]
    for x, wx in zip(v, w, strict=True):
        blocks.append([float(x), float(wx), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(int(c), m) for m, _, c in blocks]) if blocks else v.copy()


def _centre_means(centre: Any, cosine: np.ndarray, b: np.ndarray, edges: np.ndarray) -> np.ndarray:
    mids = np.append((edges[:-1] + edges[1:]) / 2, edges[-1] + 0.025) if edges.size > 1 else edges + 0.025
    means = np.asarray(centre.predict(mids), dtype=np.float64).copy()
    curve = np.asarray(centre.predict(cosine), dtype=np.float64)
    for k in range(edges.size):
        inb = b == k
        if inb.any():
            means[k] = float(curve[inb].mean())
    return means


def misfit_prior_labels(centre_mean, right, counts, floor_sd=0.0) -> np.ndarray:
    """Prior strength per bin from how far the labels stray from the curve (empirical Bayes).

    Across the bins that hold labels, the squared gap between a bin's labelled share and the
    curve's mean there is the curve's misfit (tau^2) plus the binomial noise of the bin's labels;
    tau^2 = the labels-weighted excess, times K / (K - 2) because the curve's two parameters
    were fitted to these labels. A Beta centred on m with variance tau^2 (never below
    `floor_sd`^2, e.g. the calibration's transfer error) is worth m (1 - m) / tau^2 - 1 labels,
    and never more than all the labels the curve was fitted to. Where the curve fits, its
    pooled estimate stays; where it does not, the bins' own labels take over as they grow.
    """
    m = np.clip(np.asarray(centre_mean, dtype=np.float64), 1e-3, 1 - 1e-3)
    n = np.asarray(counts, dtype=np.float64)
    held = n > 0
    total = float(n.sum())
    if not held.any():
        return np.full(m.shape, MIN_PRIOR_LABELS)
    gap2 = (np.asarray(right)[held] / n[held] - m[held]) ** 2 - m[held] * (1 - m[held]) / n[held]
    k = int(held.sum())
    misfit = float(np.sum(n[held] * gap2) / total) * (k / (k - 2) if k > 2 else 1.0)
    tau2 = np.maximum(np.maximum(misfit, np.square(np.asarray(floor_sd, dtype=np.float64))), 1e-6)
    return np.clip(m * (1 - m) / tau2 - 1.0, MIN_PRIOR_LABELS, max(total, MIN_PRIOR_LABELS))


def fit_bins(
    centre: Any, cosine, same, edges, prior_labels=None, *, floor_sd=0.0, seed: int = 0, base: Any = None
) -> BinEstimate:
    """Beta(prior * m + right, prior * (1 - m) + wrong) per bin, m = the curve's mean over the
    bin's labelled pairs. `prior_labels`: one number, one per bin, or None (from the labels'
    misfit to the curve, misfit_prior_labels, with `floor_sd` under its spread)."""
    edges = np.sort(np.asarray(edges, dtype=np.float64))
    cos = np.asarray(cosine, dtype=np.float64)
    y = np.asarray(same, dtype=np.float64)
    b = np.searchsorted(edges, cos, side="right") - 1
    centre_mean = _centre_means(centre, cos, b, edges)
    right = np.array([y[b == k].sum() for k in range(edges.size)])
    counts = np.array([int(np.sum(b == k)) for k in range(edges.size)])
    if prior_labels is None:
        prior = misfit_prior_labels(centre_mean, right, counts, floor_sd)
    else:
        prior = np.broadcast_to(np.asarray(prior_labels, dtype=np.float64), edges.shape).astype(np.float64)
    m = np.clip(centre_mean, 1e-3, 1 - 1e-3)
    return BinEstimate(
        centre=centre,
        base=base if base is not None else getattr(centre, "base", centre),
        edges=edges,
        alpha=prior * m + right,
        beta=prior * (1 - m) + (counts - right),
        centre_mean=centre_mean,
        prior_labels=prior,
        bin_labels=counts,
        n_labels=int(y.size),
        label_cosine=cos,
        seed=seed,
    )
