"""Matched pair's cosine -> P(the cached answer is right): the false-hit calibration.

    load_calibration(path=None) -> Calibration          (models/cache_calibration/, arrays + JSON)
    Calibration.predict(cosine) -> np.ndarray           P(same answer | cosine of the best match)
    update_with_labels(cal, cosine, same, seed, bin_edges) -> Recalibration   (a few labelled pairs)
    Recalibration.predict(cosine, draws=0)              posterior mean, or (draws, n) samples

The shipped model is an increasing curve through knots (a logistic in cosine),
fitted on nearest-earlier-neighbour matches in shuffled streams of CLINC150 train and HWU64
utterances (same intent = same answer); see models/cache_calibration/MODEL_CARD.md and
`advisor train cache-calibration`. It is stored as plain arrays (.npz) and JSON, with its
between-domain transfer error per threshold (transfer_margin), which the no-label interval
carries.

Labelled pairs update it with a Bayesian logistic recalibration,
logit p' = a + b * logit p, with a Normal prior centred on "the shipped curve is right"
(a = 0, b = 1): a few labels move it a little, many labels move it as far as they say, and
the Laplace posterior gives the interval that narrows as labels accumulate.

The two-parameter curve had the smallest errors with a hundred labels among the estimators we
measured on CLINC150 and QQP streams (a three-parameter curve, per-bin label means, and the
curve plus a per-bin residual correction all did worse: fewer labels per parameter), but it
can misfit a new kind of traffic, and an interval from its posterior alone then covers the
truth too rarely. So the interval draws half its samples from a model-free alternative:
per cosine bin (the bins the labels were stratified over), a Beta posterior of the share of
right matches, centred on the curve with two pseudo-labels of weight. The point estimate stays
the curve's; the interval spans both models. The cache estimate with labels (label_fit) now
uses the updated curve only as the centre of per-bin posteriors (bin_estimate.py) whose bias
vanishes as labels grow; this module's bins remain for the logged-answers model (evidence.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from advisor.core.errors import InputError
from advisor.core.paths import models_dir

MODEL_SUBDIR = "cache_calibration"
KNOTS_FILE = "knots.npz"
META_FILE = "calibration.json"
_EPS = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Calibration:
    """P(same answer | cosine) as a piecewise-linear increasing curve through knots."""

    cosine_knots: np.ndarray
    p_same_knots: np.ndarray
    meta: dict = field(default_factory=dict)

    def predict(self, cosine) -> np.ndarray:
        c = np.asarray(cosine, dtype=np.float64)
        return np.interp(c, self.cosine_knots, self.p_same_knots)

    @property
    def heldout_error(self) -> float:
        """Worst |estimated - true precision| on the held-out split recorded at training time.

        Added to the no-label interval: it is the calibration's own error where it was trained,
        a floor on its error elsewhere (it cannot include a shift to another kind of traffic).
        """
        rows = self.meta.get("heldout", {}).get("by_threshold", [])
        errs = [
            abs(r["estimated_precision"] - r["true_precision"])
            for r in rows
            if r.get("estimated_precision") is not None and r.get("true_precision") is not None
        ]
        return float(max(errs)) if errs else 0.0

    def transfer_margin(self, thresholds) -> np.ndarray:
        """Per threshold: how far the no-label precision estimate was off on traffic the curve
        was not trained on (meta["transfer"], measured by leaving one dataset or one scenario
        out at training time), linear between the measured thresholds and flat beyond them.

        This between-domain error, not the held-out error of one dataset, is what the
        no-label interval adds to the stream's own sampling spread. A model without a
        transfer record falls back to its held-out error.
        """
        t = np.asarray(thresholds, dtype=np.float64)
        tr = self.meta.get("transfer", {})
        if not tr.get("thresholds"):
            return np.full(t.shape, self.heldout_error)
        return np.interp(t, np.asarray(tr["thresholds"], float), np.asarray(tr["margin"], float))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / KNOTS_FILE, cosine_knots=self.cosine_knots, p_same_knots=self.p_same_knots)
        (directory / META_FILE).write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n")


def load_calibration(path: str | Path | None = None) -> Calibration:
    directory = Path(path) if path else models_dir() / MODEL_SUBDIR
    knots = directory / KNOTS_FILE
    if not knots.exists():
        raise InputError.at(
            str(directory),
            expected=f"a calibration model ({KNOTS_FILE}, {META_FILE})",
            found="no such file",
            fix="Reinstall advisor or run `advisor train cache-calibration`.",
        )
    with np.load(knots, allow_pickle=False) as z:
        x, y = z["cosine_knots"].astype(np.float64), z["p_same_knots"].astype(np.float64)
    meta_path = directory / META_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return Calibration(cosine_knots=x, p_same_knots=y, meta=meta)


BIN_PRIOR_LABELS = 2.0  # weight of the curve in each bin's Beta prior, in labels


@dataclass(frozen=True)
class BinPosterior:
    """Per cosine bin: Beta posterior of P(right) and the curve's mean over the bin's labels."""

    edges: np.ndarray  # bin lower edges, increasing; the last bin is open above
    alpha: np.ndarray
    beta: np.ndarray
    curve_mean: np.ndarray  # the updated curve's mean prediction over the bin's labelled pairs
    n_labels: np.ndarray  # labelled pairs per bin

    def bin_of(self, cosine: np.ndarray) -> np.ndarray:
        """Bin index per cosine; -1 below the first edge or in a bin without labels."""
        b = np.searchsorted(self.edges, cosine, side="right") - 1
        return np.where((b >= 0) & (self.n_labels[np.clip(b, 0, None)] > 0), b, -1)


@dataclass(frozen=True)
class Recalibration:
    """The shipped curve after a Bayesian logistic update on labelled pairs."""

    base: Calibration
    mean_ab: np.ndarray  # posterior mean of (a, b)
    cov_ab: np.ndarray  # Laplace posterior covariance
    n_labels: int
    seed: int = 0
    bins: BinPosterior | None = None

    def predict(self, cosine, draws: int = 0) -> np.ndarray:
        """Posterior mean per cosine, or (draws, n) samples: half from the curve, half per bin."""
        c = np.asarray(cosine, dtype=np.float64)
        z = _logit(self.base.predict(c))
        mean = _sigmoid(self.mean_ab[0] + self.mean_ab[1] * z)
        if draws <= 0:
            return mean
        rng = np.random.default_rng(self.seed)
        ab = rng.multivariate_normal(self.mean_ab, self.cov_ab, size=draws)
        out = _sigmoid(ab[:, :1] + ab[:, 1:2] * z[None, :])
        if self.bins is None:
            return out
        k = draws // 2
        b = self.bins.bin_of(c)
        inside = b >= 0
        share = rng.beta(self.bins.alpha, self.bins.beta, size=(k, self.bins.alpha.size))
        # Keep the curve's shape inside a bin and move its level to the bin's sampled share.
        shift = share[:, b[inside]] - self.bins.curve_mean[b[inside]][None, :]
        out[draws - k :, inside] = np.clip(mean[inside][None, :] + shift, 0.0, 1.0)
        return out


def update_with_labels(
    cal: Calibration, cosine, same, *, prior_sd: tuple[float, float] = (3.0, 1.0), seed: int = 0, bin_edges=None
) -> Recalibration:
    """MAP + Laplace fit of logit p' = a + b logit p on labelled pairs.

    `prior_sd`: how far (a, b) may plausibly be from (0, 1) before seeing labels. Wide on
    purpose: on Quora duplicate questions (harder negatives than CLINC150's intents) the
    labels alone ask for (a, b) near (-5, 1.6), and a tight prior would hold a hundred labels
    back from saying so (measured in docs/cache-evaluation.md).
    `bin_edges`: the cosine bins the labels were stratified over (cache_labels.label_bins);
    given, the posterior draws also sample the model-free per-bin alternative.
    """
    z = _logit(cal.predict(cosine))
    y = np.asarray(same, dtype=np.float64)
    X = np.column_stack([np.ones_like(z), z])
    prior_mean = np.array([0.0, 1.0])
    prior_prec = np.diag(1.0 / np.square(prior_sd))

    def neg_log_post(w):
        eta = X @ w
        # log(1 + e^eta) computed stably; the prior is a Gaussian penalty.
        nll = np.sum(np.logaddexp(0.0, eta) - y * eta)
        d = w - prior_mean
        grad = X.T @ (_sigmoid(eta) - y) + prior_prec @ d
        return nll + 0.5 * d @ prior_prec @ d, grad

    from scipy.optimize import minimize

    w = minimize(neg_log_post, prior_mean, jac=True, method="L-BFGS-B").x
    p = _sigmoid(X @ w)
    hess = -(X.T * (p * (1 - p))) @ X - prior_prec
    cov = np.linalg.inv(-hess)
    bins = None
    if bin_edges is not None and len(bin_edges):
        bins = _bin_posterior(np.asarray(cosine, dtype=np.float64), y, p, bin_edges)
    return Recalibration(base=cal, mean_ab=w, cov_ab=(cov + cov.T) / 2, n_labels=int(y.size), seed=seed, bins=bins)


def _bin_posterior(cosine: np.ndarray, y: np.ndarray, curve: np.ndarray, edges) -> BinPosterior:
    edges = np.sort(np.asarray(edges, dtype=np.float64))
    b = np.searchsorted(edges, cosine, side="right") - 1
    alpha, beta, curve_mean = np.ones(edges.size), np.ones(edges.size), np.zeros(edges.size)
    counts = np.bincount(b[b >= 0], minlength=edges.size)[: edges.size]
    for k in range(edges.size):
        inb = b == k
        if not inb.any():
            continue  # no labels: the bin keeps the curve's own draws
        m = float(curve[inb].mean())
        curve_mean[k] = m
        alpha[k] = BIN_PRIOR_LABELS * m + y[inb].sum()
        beta[k] = BIN_PRIOR_LABELS * (1 - m) + (1 - y[inb]).sum()
    return BinPosterior(edges=edges, alpha=alpha, beta=beta, curve_mean=curve_mean, n_labels=counts)


def embedder_notes(calibration_path: str | Path | None, embedder_id: str) -> list[str]:
    """A warning when the calibration was fitted on another embedder's cosines than this run's.

    The calibration is a curve in cosine; the same pair scores a little differently under
    another model or another export of it (int8 ONNX against torch moved the CLINC150 no-label
    error from about 0.02 to 0.03, docs/cache-transfer.md), so its figures are then off by an
    amount nobody measured.
    """
    directory = Path(calibration_path) if calibration_path else models_dir() / MODEL_SUBDIR
    meta_path = directory / META_FILE
    fitted_on = str(json.loads(meta_path.read_text()).get("embedding_model", "")) if meta_path.exists() else ""
    if not fitted_on or not embedder_id or fitted_on == embedder_id:
        return []
    return [
        f"the cache calibration was fitted on cosines of `{fitted_on}` but this run embeds with "
        f"`{embedder_id}`: its precision estimates are off by an unmeasured amount; refit it on "
        "this embedder (`advisor train cache-calibration --embedding-model …`) or label pairs"
    ]
