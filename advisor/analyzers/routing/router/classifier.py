"""The router: query embeddings + cheap features + (weak, strong) quality labels -> a fitted
model that gives, per request, a score for "send to the strong model" and the calibrated
probability that the weak (cheaper) model's answer is good enough.

"Good enough" means weak quality >= strong quality, or >= `threshold` when one is given.

Two stages, both linear so the fitted state is a handful of arrays (saved without pickle by
advisor.analyzers.routing.router.model):

1. first-stage signals, computed without each training call's own label so stage 2 sees
   honest values: the mean quality gap (strong - weak) and good-enough rate of the k nearest
   training texts (kNN label smoothing in a PCA-reduced embedding space), and ridge
   regressions on the embedding of the gap and of good-enough (a linear probability model;
   both share one 384 x 384 system per fold, cross-fitted on 5 folds of calls);
2. a ridge regression (routing score = predicted gap) and a logistic regression (the
   probability; logistic stacking on a few signals is close to calibrated, which the
   evaluation checks with the ECE) over the standardised signals plus the cheap features.

Calls that share a text share an embedding, so the fit works per distinct text (weighted by
its calls) wherever the labels do not matter; a call's own label never enters its own
signals, while other calls of the same text count, exactly as they do for an unlabelled call
of that text at prediction time. Everything is closed form or a few Newton steps
(advisor/analyzers/routing/router/fitting.py): a fit on 12k labelled calls of 4k texts measured
~0.3 s of CPU; docs/benchmarks-routing.md has the analyzer's times before and after.

On RouteLLM's MMLU data the gap (which also counts the 5 % of questions only the weak model
gets right) ranks better than the probability of a strong-model win; see
docs/router-evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.analyzers.routing.router.fitting import (
    FitCache,
    cores,
    cross_fitted_ridge,
    group_folds,
    single_threaded,
    threads,
    weighted_logistic,
    weighted_ridge,
)
from advisor.core.errors import InputError
from advisor.core.rows import unique_rows

BIG_SEARCH = 16_000_000  # query x reference rows above which a neighbour search uses every core


def _nearest(Q: np.ndarray, ref: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, indices) of the k largest inner products per query row: an exact search
    (faiss's flat kernel: one matrix product and a heap, ~2x numpy's argpartition here)."""
    import faiss

    if len(Q) * len(ref) < BIG_SEARCH:
        return faiss.knn(Q, ref, k, metric=faiss.METRIC_INNER_PRODUCT)
    # The few big searches (a whole log's texts against the labelled ones) are what the other
    # candidates wait for (FitCache): give them the cores (15k x 4k texts: 0.31 s -> 0.16 s).
    with threads(cores()):
        return faiss.knn(Q, ref, k, metric=faiss.METRIC_INNER_PRODUCT)


def _group_rows(X: np.ndarray, text_ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each text, text index per row), from the caller's ids or the embeddings;
    texts numbered by first appearance, so the fit does not depend on how they were grouped
    (neighbour ties are broken by that order)."""
    if text_ids is None:
        first, inverse = unique_rows(X)
    else:
        _, first, inverse = np.unique(np.asarray(text_ids), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.reshape(-1)]


class NotFittedError(ValueError, AttributeError):
    """predict() before fit()."""


@dataclass(frozen=True)
class RouterScores:
    strong_score: np.ndarray  # higher = more to gain from the strong model (predicted gap)
    p_good_enough: np.ndarray  # calibrated P(weak answer is good enough)


def _digest(a: np.ndarray) -> bytes:
    import hashlib

    a = np.ascontiguousarray(a)
    return hashlib.blake2b(f"{a.dtype}{a.shape}".encode() + a.tobytes(), digest_size=16).digest()


def _pca(Xu: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, top `dim` components) of the rows: eigenvectors of the scatter matrix, signs fixed."""
    mean = Xu.mean(axis=0, dtype=np.float64)
    Xc = np.asarray(Xu, dtype=np.float64) - mean
    # The full divide-and-conquer decomposition: scipy's top-k (MRRR) driver was 2x faster on
    # MiniLM vectors but took 1 s on degenerate spectra (few distinct texts, sparse vectors).
    values, vectors = np.linalg.eigh(Xc.T @ Xc)
    components = vectors[:, np.argsort(values)[::-1][:dim]].T
    # Sign convention as scikit-learn's svd_flip: the largest |loading| of each component is positive.
    signs = np.sign(components[np.arange(dim), np.argmax(np.abs(components), axis=1)])
    return mean.astype(np.float32), (components * signs[:, None]).astype(np.float32)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


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
            return self._fit(embeddings, features, weak, strong, threshold, text_ids, cache, out_of_fold)

    def _fit(self, embeddings, features, weak, strong, threshold, text_ids, cache, out_of_fold) -> RoutingClassifier:
        X = np.asarray(embeddings, dtype=np.float32)
        F = np.asarray(features, dtype=np.float64).reshape(len(X), -1)
        weak = np.asarray(weak, dtype=float)
        strong = np.asarray(strong, dtype=float)
        gap = strong - weak
        good = (weak >= (strong if threshold is None else threshold)).astype(float)
        first, text = _group_rows(X, text_ids)
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
        self._reference_key = None if cache is None else cache.get("key", (key,), None, lambda: _digest(key))
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
        in_own = np.isfinite(own_sim[text])  # its own text is among its k nearest (it is, bar exact ties)
        minus_self = np.c_[np.ones(len(X)), gap, good, np.where(in_own, own_sim[text], 0.0)] * in_own[:, None]
        knn = self._knn_signals(sums[text] - minus_self)
        n_folds = min(self.n_folds, len(X) // 4)
        folds = group_folds(len(X), n_folds, self.seed)
        lin, coef, intercept = cross_fitted_ridge(
            Xu64, text, np.c_[gap, good], folds, n_folds, self.ridge_alpha, cache=cache, key=key
        )
        self.gap_coef_, self.gap_intercept_ = coef[:, 0].copy(), float(intercept[0])
        self.good_coef_, self.good_intercept_ = coef[:, 1].copy(), float(intercept[1])

        # Stage 2 on the standardised signals plus the cheap features: cross-fitted on folds of
        # calls for the out-of-fold predictions, then once on everything.
        n_stack_folds = n_folds if out_of_fold else 0
        Z = np.hstack([knn, lin, F])
        self.z_mean_ = Z.mean(axis=0)
        self.z_scale_ = Z.std(axis=0) + 1e-9
        Zs = (Z - self.z_mean_) / self.z_scale_
        ones = np.ones(len(Zs))
        oof_score, oof_p = np.zeros(len(Zs)), np.zeros(len(Zs))
        for f in range(n_stack_folds):
            fit_rows, out_rows = folds != f, folds == f
            stack_gap, stack_gap0 = weighted_ridge(Zs[fit_rows], gap[fit_rows], ones[fit_rows], 1.0)
            oof_score[out_rows] = Zs[out_rows] @ stack_gap[:, 0] + stack_gap0[0]
            coef, intercept = self._stack_logistic(Zs[fit_rows], good[fit_rows])
            oof_p[out_rows] = _sigmoid(Zs[out_rows] @ coef + intercept)
        if out_of_fold:
            self.oof_strong_score_, self.oof_p_good_enough_ = oof_score, oof_p
        stack_gap, stack_gap0 = weighted_ridge(Zs, gap, ones, 1.0)
        self.stack_gap_coef_, self.stack_gap_intercept_ = stack_gap[:, 0], float(stack_gap0[0])
        self.stack_good_coef_, self.stack_good_intercept_ = weighted_logistic(Zs, good, ones, C=1.0)
        self.n_features_ = F.shape[1]
        self.n_train_ = len(X)
        return self

    @staticmethod
    def _stack_logistic(Zs: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, float]:
        """Stage-2 logistic (coef, intercept); a fold with one outcome only gets its (clipped) rate."""
        if good.min() == good.max():
            return np.zeros(Zs.shape[1]), float(_logit(np.array([good.mean()]))[0])
        return weighted_logistic(Zs, good, np.ones(len(Zs)), C=1.0)

    def _fit_projection(self, Xu: np.ndarray, cache: FitCache | None = None, key=None) -> None:
        """PCA of the distinct training embeddings (eigenvectors of the covariance, signs fixed)."""
        dim = int(min(self.pca_dim, Xu.shape[1], len(Xu) - 1))
        if cache is not None:
            self.pca_mean_, self.pca_components_ = cache.get(
                "pca", (Xu if key is None else key,), dim, lambda: _pca(Xu, dim)
            )
        else:
            self.pca_mean_, self.pca_components_ = _pca(Xu, dim)

    # -- prediction ----------------------------------------------------------------------
    def predict(
        self,
        embeddings: np.ndarray,
        features: np.ndarray,
        *,
        text_ids: np.ndarray | None = None,
        cache: FitCache | None = None,
    ) -> RouterScores:
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
        with single_threaded():
            return self._predict(embeddings, features, text_ids, cache)

    def predict_by_text(
        self, vectors: np.ndarray, text_ids: np.ndarray, features: np.ndarray, *, cache: FitCache | None = None
    ) -> RouterScores:
        """predict() for calls given as their text's row in `vectors` (one row per distinct text):
        the same scores, without building the calls' embedding matrix."""
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
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
        first, inverse = _group_rows(X, text_ids)
        key = None if text_ids is None else np.asarray(text_ids)[first]
        Xu = X[first] if vectors is None else np.asarray(vectors, dtype=np.float32)[key]
        knn = self._knn_signals(self._knn_sums(self._project(Xu), cache=cache, key=key)[0])
        # One float64 copy of the vectors for both linear signals (a float32 @ float64 product
        # converts the whole matrix each time).
        lin = Xu.astype(np.float64) @ np.c_[self.gap_coef_, self.good_coef_] + [
            self.gap_intercept_,
            self.good_intercept_,
        ]
        Zs = (np.hstack([knn[inverse], lin[inverse], F]) - self.z_mean_) / self.z_scale_
        return RouterScores(
            strong_score=Zs @ self.stack_gap_coef_ + self.stack_gap_intercept_,
            p_good_enough=_sigmoid(Zs @ self.stack_good_coef_ + self.stack_good_intercept_),
        )

    # -- helpers -------------------------------------------------------------------------
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
            near, idx = _nearest(Q, ref, k)
        else:
            # Keyed by the query texts and the reference texts (ids, or vectors without them).
            reference = getattr(self, "_reference_key", None) or ref
            near, idx = cache.get("knn", (Q if key is None else key, reference), k, lambda: _nearest(Q, ref, k))
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

    @staticmethod
    def _knn_signals(sums: np.ndarray) -> np.ndarray:
        """Call-weighted mean gap, good-enough rate and similarity of the neighbours."""
        calls = np.maximum(sums[:, :1], 1e-12)
        return sums[:, 1:] / calls

    # -- plain-array state (advisor.analyzers.routing.router.model saves it as .npz + JSON) -----------------
    ARRAYS = (
        "pca_mean_",
        "pca_components_",
        "reference_",
        "reference_gap_",
        "reference_good_",
        "reference_weight_",
        "gap_coef_",
        "good_coef_",
        "z_mean_",
        "z_scale_",
        "stack_gap_coef_",
        "stack_good_coef_",
    )
    SCALARS = (
        "k_",
        "gap_intercept_",
        "good_intercept_",
        "stack_gap_intercept_",
        "stack_good_intercept_",
        "n_features_",
        "n_train_",
        "threshold_",
    )

    def get_state(self) -> tuple[dict[str, np.ndarray], dict]:
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
        params = {
            "k": self.k,
            "pca_dim": self.pca_dim,
            "ridge_alpha": self.ridge_alpha,
            "lr_c": self.lr_c,
            "n_folds": self.n_folds,
            "seed": self.seed,
        }
        scalars = {name: getattr(self, name) for name in self.SCALARS}
        return {name: getattr(self, name) for name in self.ARRAYS}, {"params": params, "state": scalars}

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict) -> RoutingClassifier:
        model = cls(**meta["params"])
        for name in cls.ARRAYS:
            if name == "reference_weight_" and name not in arrays:  # saved before texts were merged: one call each
                arrays = {**arrays, name: np.ones(len(arrays["reference_gap_"]), dtype=np.float32)}
            setattr(model, name, np.asarray(arrays[name]))
        for name in cls.SCALARS:
            setattr(model, name, meta["state"][name])
        return model
