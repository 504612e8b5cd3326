"""The calibration's transfer error: fit on some intent traffic, measure on traffic left out.

    Folds(clinc, clinc_heldout, hwu) -> per-fold signed errors -> transfer_record(...) -> meta["transfer"]

Folds (each fits the same logistic as the shipped model, on pairs from the traffic it keeps):
  - leave HWU64 out: fit on CLINC150 train, measure on an HWU64 stream;
  - leave CLINC150 out: fit on HWU64, measure on a CLINC150 val + oos_val stream;
  - leave one HWU64 scenario out (18 folds): fit on CLINC150 train + the other scenarios,
    measure on a stream of that scenario's utterances alone (dozens of close intents: the
    fine-grained traffic where a curve learned elsewhere is most wrong).
Per threshold, the margin is the 95th percentile (linear between folds) of |estimated - true
precision| over the folds with at least MIN_HITS hits there: 95 % of the left-out domains were
within it. It is what the no-label interval adds to a stream's sampling spread
(Calibration.transfer_margin). Small scenarios' errors include their own binomial noise, so
the margin is, if anything, wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS

MIN_HITS = 30  # fewer hits than this make a fold's precision mostly its own binomial noise
QUANTILE = 0.95  # share of left-out domains whose error the margin covers, as the 95 % interval


@dataclass(frozen=True)
class Pairs:
    """Every call's best earlier match in one replayed stream."""

    cosine: np.ndarray  # -1 where there was no earlier call
    same: np.ndarray  # the match carries the same label (and it is not out-of-scope)
    same_text: np.ndarray  # identical normalized text: always right, as in the analyzer

    @property
    def fit_rows(self) -> tuple[np.ndarray, np.ndarray]:
        has = self.cosine > -1
        return self.cosine[has], self.same[has]


def fold_errors(predict, pairs: Pairs, thresholds=DEFAULT_THRESHOLDS) -> list[float | None]:
    """Signed estimated - true precision per threshold (None below MIN_HITS hits)."""
    p = np.where(pairs.same_text, 1.0, predict(pairs.cosine))
    out: list[float | None] = []
    for t in thresholds:
        hit = pairs.cosine >= t
        out.append(round(float(p[hit].mean() - pairs.same[hit].mean()), 4) if hit.sum() >= MIN_HITS else None)
    return out


def log_statistics(pairs: Pairs) -> dict:
    """What the log itself shows, label-free: recorded per fold to see whether it predicts the error."""
    has = pairs.cosine > -1
    hits = pairs.cosine >= 0.75
    return {
        "calls": int(pairs.cosine.size),
        "median_match_cosine": round(float(np.median(pairs.cosine[has])), 4) if has.any() else None,
        "hit_rate_at_075": round(float(hits.mean()), 4) if pairs.cosine.size else None,
        "identical_share_of_hits_at_075": round(float(pairs.same_text[hits].mean()), 4) if hits.any() else None,
    }


def transfer_record(folds: list[dict], thresholds=DEFAULT_THRESHOLDS) -> dict:
    """meta["transfer"]: the folds' signed errors and, per threshold, the QUANTILE of |error|."""
    used = [f for f in folds if "skipped" not in f]
    errs = np.array([[np.nan if e is None else e for e in f["errors"]] for f in used], dtype=np.float64)
    measured = errs.size and np.isfinite(errs).any(axis=0)
    worst = np.zeros(len(thresholds))
    if errs.size:
        worst[measured] = np.nanquantile(np.abs(errs[:, measured]), QUANTILE, axis=0)
    return {
        "method": (
            f"{QUANTILE:.0%} quantile of |estimated - true precision| per threshold over leave-one-dataset-out "
            "(CLINC150 / HWU64) and leave-one-HWU64-scenario-out folds"
        ),
        "min_hits": MIN_HITS,
        "quantile": QUANTILE,
        "thresholds": [float(t) for t in thresholds],
        "margin": [round(float(w), 4) for w in np.nan_to_num(worst)],
        "folds": folds,
    }
