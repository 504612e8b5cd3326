"""The router: query embeddings + cheap features + (weak, strong) quality labels -> a fitted model that
gives, per request, a score for "send to the strong model" and the calibrated probability that the
weak (cheaper) model's answer is good enough.

"Good enough" means weak quality >= strong quality, or >= `threshold` when one is given.

Two stages, both linear so the fitted state is a handful of arrays (saved without pickle by
advisor.analyzers.routing.router.model):

1. first-stage signals, computed without each training call's own label so stage 2 sees honest
   values: the mean quality gap (strong - weak) and good-enough rate of the k nearest training texts
   (kNN label smoothing in a PCA-reduced embedding space, advisor.analyzers.routing.router.neighbours),
   and ridge regressions on the embedding of the gap and of good-enough (a linear probability model;
   both share one 384 x 384 system per fold, cross-fitted on 5 folds of calls);
2. a ridge regression (routing score = predicted gap) and a logistic regression (the probability;
   logistic stacking on a few signals is close to calibrated, which the evaluation checks with the
   ECE) over the standardised signals plus the cheap features.

Calls that share a text share an embedding, so the fit works per distinct text (weighted by its
calls) wherever the labels do not matter; a call's own label never enters its own signals, while
other calls of the same text count, exactly as they do for an unlabelled call of that text at
prediction time. Everything is closed form or a few Newton steps (router/fitting.py): a fit on 12k
labelled calls of 4k texts measured ~0.3 s of CPU; docs/benchmarks-routing.md has the analyzer's
times before and after.

On RouteLLM's MMLU data the gap (which also counts the 5 % of questions only the weak model gets
right) ranks better than the probability of a strong-model win; see docs/router-evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.analyzers.routing.router.fitting import (
    FitCache,
    cross_fitted_ridge,
    group_folds,
    logit,
    sigmoid,
    single_threaded,
    weighted_logistic,
    weighted_ridge,
)
from advisor.analyzers.routing.router.neighbours import digest, group_rows, knn_signals, nearest, pca
from advisor.core.errors import InputError


class NotFittedError(ValueError, AttributeError):
    """predict() before fit()."""


@dataclass(frozen=True)
class RouterScores:
    strong_score: np.ndarray  # higher = more to gain from the strong model (predicted gap)
    p_good_enough: np.ndarray  # calibrated P(weak answer is good enough)


class RoutingClassifier:
    """scikit-learn style estimator; learned state ends in `_` and is plain arrays.

    After fit, `oof_strong_score_` and `oof_p_good_enough_` hold out-of-fold predictions for
    the training rows (like a random forest's `oob_decision_function_`): stage 1 without the
    call's label, stage 2 cross-fitted on the same folds of calls. Callers use them for honest metrics
    instead of refitting the whole model per fold.
    """

    def __init__(
        self,
        *,
        k: int = 100,
        pca_dim: int = 64,
        ridge_alpha: float = 30.0,
        lr_c: float = 1.0,
        n_folds: int = 5,
        seed: int = 0,
    ):
        self.k = k
        self.pca_dim = pca_dim
        self.ridge_alpha = ridge_alpha
        self.lr_c = lr_c
        self.n_folds = n_folds
        self.seed = seed

    # -- fitting -------------------------------------------------------------------------
    def fit(
        self,
        embeddings: np.ndarray,
        features: np.ndarray,
        weak: np.ndarray,
        strong: np.ndarray,
        threshold: float | None = None,
        *,
        text_ids: np.ndarray | None = None,
        cache: FitCache | None = None,
        out_of_fold: bool = True,
    ) -> RoutingClassifier:
        """text_ids: optional id of each row's text (equal ids, equal embeddings), when the caller
        has them; otherwise rows are grouped by their embedding bytes. cache: a FitCache shared
        by fits on the same calls with other labels (another candidate model). out_of_fold=False
        skips the cross-fitted `oof_*_` predictions (a learning curve scores on held-out rows)."""
        with single_threaded():
            return self._fit(
                embeddings, features, weak, strong, threshold, text_ids=text_ids, cache=cache, out_of_fold=out_of_fold
            )

    def _fit(
        self,
        embeddings: np.ndarray,
        features: np.ndarray,
        weak: np.ndarray,
        strong: np.ndarray,
        threshold: float | None,
        *,
        text_ids: np.ndarray | None,
        cache: FitCache | None,
        out_of_fold: bool,
    ) -> RoutingClassifier:
        X = np.asarray(embeddings, dtype=np.float32)
        F = np.asarray(features, dtype=np.float64).reshape(len(X), -1)
        weak = np.asarray(weak, dtype=float)
        strong = np.asarray(strong, dtype=float)
        gap = strong - weak
        good = (weak >= (strong if threshold is None else threshold)).astype(float)
        first, text = group_rows(X, text_ids)
        if len(X) < 20 or len(first) < 5 or good.min() == good.max():
            raise InputError(
                f"routing labels: expected at least 20 labelled requests with at least 5 distinct texts and both "
                f"outcomes (cheaper model good enough and not), found {len(X)} requests ({len(first)} distinct texts) "
                f"of which {int(good.sum())} good enough. Collect more labelled shadow answers."
            )
        n_texts = len(first)
        # Per distinct text: its labelled calls and their label sums (the reference the kNN reads).
        Xu = X[first]
        count = np.bincount(text, minlength=n_texts).astype(np.float64)
        self.threshold_ = threshold
        self.k_ = int(min(self.k, max(5, n_texts // 10)))
        # What identifies these texts for the cache: their ids when given (cheap), else their vectors.
        key = Xu if text_ids is None else np.asarray(text_ids)[first]
        self._reference_key = None if cache is None else cache.get("key", (key,), None, lambda: digest(key))
        Xu64 = Xu.astype(np.float64)  # one copy for the projection and the ridge systems
        self._fit_projection(Xu64, cache, key)
        self.reference_ = self._project(Xu).astype(np.float16)
        self.reference_gap_ = (np.bincount(text, gap, minlength=n_texts) / count).astype(np.float32)
        self.reference_good_ = (np.bincount(text, good, minlength=n_texts) / count).astype(np.float32)
        self.reference_weight_ = count.astype(np.float32)
        self.reference_rows_ = first  # training row of each reference text (not saved: for callers' bookkeeping)

        # Stage 1, no call's label in its own signals. kNN: the k nearest texts, the call's own
        # text included but without the call's own label (an unlabelled call of a labelled text
        # sees that text's labels too, so this is the same signal). Linear: ridge on the gap and
        # a linear probability model of good enough (stage 2's logistic recalibrates), one
        # 384 x 384 system for both, cross-fitted on 5 folds of calls. Not leave-one-out, though
        # it is exact and cheaper: with few labels its predictions are anti-correlated with the
        # left-out label (the others' mean moves against it), stage 2 learned a negative weight,
        # and the MMLU AUC at 50 labels fell from 0.52 to 0.46.
        sums, own_sim = self._knn_sums(self._project(Xu), own=True, cache=cache, key=key)
        assert own_sim is not None  # own=True: each text's similarity to itself
        in_own = np.isfinite(own_sim[text])  # its own text is among its k nearest (it is, bar exact ties)
        minus_self = np.c_[np.ones(len(X)), gap, good, np.where(in_own, own_sim[text], 0.0)] * in_own[:, None]
        knn = knn_signals(sums[text] - minus_self)
        n_folds = min(self.n_folds, len(X) // 4)
        folds = group_folds(len(X), n_folds, self.seed)
        lin, coef, intercept = cross_fitted_ridge(
            Xu64, text, np.c_[gap, good], folds, n_folds, self.ridge_alpha, cache=cache, key=key
        )
        self.gap_coef_, self.gap_intercept_ = coef[:, 0].copy(), float(intercept[0])
        self.good_coef_, self.good_intercept_ = coef[:, 1].copy(), float(intercept[1])

        self._fit_stack(np.hstack([knn, lin, F]), gap, good, folds, n_folds, out_of_fold=out_of_fold)
        self.n_features_ = F.shape[1]
        self.n_train_ = len(X)
        return self

    def _fit_stack(
        self, Z: np.ndarray, gap: np.ndarray, good: np.ndarray, folds: np.ndarray, n_folds: int, *, out_of_fold: bool
    ) -> None:
        """Stage 2 on the standardised signals plus the cheap features: cross-fitted on folds of
        calls for the out-of-fold predictions (when asked), then once on everything."""
        self.z_mean_ = Z.mean(axis=0)
        self.z_scale_ = Z.std(axis=0) + 1e-9
        Zs = (Z - self.z_mean_) / self.z_scale_
        ones = np.ones(len(Zs))
        oof_score, oof_p = np.zeros(len(Zs)), np.zeros(len(Zs))
        for f in range(n_folds if out_of_fold else 0):
            fit_rows, out_rows = folds != f, folds == f
            stack_gap, stack_gap0 = weighted_ridge(Zs[fit_rows], gap[fit_rows], ones[fit_rows], 1.0)
            oof_score[out_rows] = Zs[out_rows] @ stack_gap[:, 0] + stack_gap0[0]
            coef, intercept = self._stack_logistic(Zs[fit_rows], good[fit_rows])
            oof_p[out_rows] = sigmoid(Zs[out_rows] @ coef + intercept)
        if out_of_fold:
            self.oof_strong_score_, self.oof_p_good_enough_ = oof_score, oof_p
        stack_gap, stack_gap0 = weighted_ridge(Zs, gap, ones, 1.0)
        self.stack_gap_coef_, self.stack_gap_intercept_ = stack_gap[:, 0], float(stack_gap0[0])
        self.stack_good_coef_, self.stack_good_intercept_ = weighted_logistic(Zs, good, ones, C=1.0)

    @staticmethod
    def _stack_logistic(Zs: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, float]:
        """Stage-2 logistic (coef, intercept); a fold with one outcome only gets its (clipped) rate."""
        if good.min() == good.max():
            return np.zeros(Zs.shape[1]), float(logit(np.array([good.mean()]))[0])
        return weighted_logistic(Zs, good, np.ones(len(Zs)), C=1.0)

    def _fit_projection(self, Xu: np.ndarray, cache: FitCache | None = None, key=None) -> None:
        """PCA of the distinct training embeddings (eigenvectors of the covariance, signs fixed)."""
        dim = int(min(self.pca_dim, Xu.shape[1], len(Xu) - 1))
        if cache is None:
            self.pca_mean_, self.pca_components_ = pca(Xu, dim)
        else:
            parts = (Xu if key is None else key,)
            self.pca_mean_, self.pca_components_ = cache.get("pca", parts, dim, lambda: pca(Xu, dim))

    # -- prediction ----------------------------------------------------------------------
    def predict(
        self,
        embeddings: np.ndarray,
        features: np.ndarray,
        *,
        text_ids: np.ndarray | None = None,
        cache: FitCache | None = None,
    ) -> RouterScores:
        self._check_fitted()
        with single_threaded():
            return self._predict(embeddings, features, text_ids, cache)

    def predict_by_text(
        self, vectors: np.ndarray, text_ids: np.ndarray, features: np.ndarray, *, cache: FitCache | None = None
    ) -> RouterScores:
        """predict() for calls given as their text's row in `vectors` (one row per distinct text):
        the same scores, without building the calls' embedding matrix."""
        self._check_fitted()
        text_ids = np.asarray(text_ids)
        with single_threaded():
            return self._predict(None, features, text_ids, cache, vectors=vectors)

    def _predict(self, embeddings, features: np.ndarray, text_ids, cache, vectors=None) -> RouterScores:
        n = len(text_ids) if embeddings is None else len(embeddings)
        F = np.asarray(features, dtype=np.float64).reshape(n, -1)
        if F.shape[1] != self.n_features_:
            raise ValueError(f"expected {self.n_features_} cheap features, got {F.shape[1]}")
        if n == 0:
            return RouterScores(np.zeros(0), np.zeros(0))
        # The embedding-only signals once per distinct text; calls of one text share them.
        X = None if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        first, inverse = group_rows(X, text_ids)
        key = None if text_ids is None else np.asarray(text_ids)[first]
        Xu = np.asarray(vectors, dtype=np.float32)[key] if X is None else X[first]
        knn = knn_signals(self._knn_sums(self._project(Xu), cache=cache, key=key)[0])
        # One float64 copy of the vectors for both linear signals (a float32 @ float64 product
        # converts the whole matrix each time).
        lin = Xu.astype(np.float64) @ np.c_[self.gap_coef_, self.good_coef_] + [
            self.gap_intercept_,
            self.good_intercept_,
        ]
        Zs = (np.hstack([knn[inverse], lin[inverse], F]) - self.z_mean_) / self.z_scale_
        return RouterScores(
            strong_score=Zs @ self.stack_gap_coef_ + self.stack_gap_intercept_,
            p_good_enough=sigmoid(Zs @ self.stack_good_coef_ + self.stack_good_intercept_),
        )

    # -- helpers -------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")

    def _project(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.pca_mean_) @ self.pca_components_.T
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

    def _knn_sums(
        self, Q: np.ndarray, *, own: bool = False, cache: FitCache | None = None, key=None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Per query, over its k nearest training texts: (calls, gap sum, good sum, calls x
        similarity). own: Q is the reference itself; also return each text's similarity to
        itself where it is among its own k nearest (else NaN), so callers can take one call out."""
        ref = np.ascontiguousarray(self.reference_, dtype=np.float32)
        weight = getattr(self, "reference_weight_", None)
        weight = np.ones(len(ref), dtype=np.float32) if weight is None else weight.astype(np.float32)
        k = min(self.k_, len(ref))
        Q = np.ascontiguousarray(Q, dtype=np.float32)
        if cache is None:
            near, idx = nearest(Q, ref, k)
        else:
            # Keyed by the query texts and the reference texts (ids, or vectors without them).
            reference = getattr(self, "_reference_key", None) or ref
            near, idx = cache.get("knn", (Q if key is None else key, reference), k, lambda: nearest(Q, ref, k))
        w = weight[idx]
        sums = np.c_[
            w.sum(axis=1),
            (w * self.reference_gap_[idx]).sum(axis=1),
            (w * self.reference_good_[idx]).sum(axis=1),
            (w * near).sum(axis=1),
        ]
        if not own:
            return sums, None
        is_self = idx == np.arange(len(Q))[:, None]
        own_sim = np.where(is_self.any(axis=1), (near * is_self).sum(axis=1), np.nan)
        return sums, own_sim
