"""The router: query embeddings + cheap features + (weak, strong) quality labels -> a fitted
model that gives, per request, a score for "send to the strong model" and the calibrated
probability that the weak (cheaper) model's answer is good enough.

"Good enough" means weak quality >= strong quality, or >= `threshold` when one is given.

Two stages, both linear so the fitted state is a handful of arrays (saved without pickle by
advisor.router_model):

1. first-stage signals, computed out-of-fold on the training set so stage 2 sees honest
   values: the mean quality gap (strong - weak) and good-enough rate of the k nearest
   training requests (kNN label smoothing in a PCA-reduced embedding space), a ridge
   regression of the gap on the embedding, and a logistic regression of good-enough on it;
2. a ridge regression (routing score = predicted gap) and a logistic regression (the
   probability; logistic stacking on a few signals is close to calibrated, which the
   evaluation checks with the ECE) over the standardised signals plus the cheap features.

On RouteLLM's MMLU data the gap (which also counts the 5 % of questions only the weak model
gets right) ranks better than the probability of a strong-model win; see
docs/router-evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


class NotFittedError(ValueError, AttributeError):
    """predict() before fit()."""


@dataclass(frozen=True)
class RouterScores:
    strong_score: np.ndarray    # higher = more to gain from the strong model (predicted gap)
    p_good_enough: np.ndarray   # calibrated P(weak answer is good enough)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class RoutingClassifier:
    """scikit-learn style estimator; learned state ends in `_` and is plain arrays."""

    def __init__(self, *, k: int = 100, pca_dim: int = 64, ridge_alpha: float = 30.0, lr_c: float = 1.0,
                 n_folds: int = 5, seed: int = 0):
        self.k = k
        self.pca_dim = pca_dim
        self.ridge_alpha = ridge_alpha
        self.lr_c = lr_c
        self.n_folds = n_folds
        self.seed = seed

    # -- fitting -------------------------------------------------------------------------
    def fit(self, embeddings: np.ndarray, features: np.ndarray, weak: np.ndarray, strong: np.ndarray,
            threshold: float | None = None) -> RoutingClassifier:
        from sklearn.decomposition import PCA
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.model_selection import KFold

        X = np.asarray(embeddings, dtype=np.float32)
        F = np.asarray(features, dtype=np.float64).reshape(len(X), -1)
        weak = np.asarray(weak, dtype=float)
        strong = np.asarray(strong, dtype=float)
        gap = strong - weak
        good = (weak >= (strong if threshold is None else threshold)).astype(int)
        if len(X) < 20 or good.min() == good.max():
            raise InputError(
                f"routing labels: expected at least 20 labelled requests with both outcomes (cheaper model good "
                f"enough and not), found {len(X)} requests of which {int(good.sum())} good enough. "
                "Collect more labelled shadow answers."
            )
        self.threshold_ = threshold
        self.k_ = int(min(self.k, max(5, len(X) // 10)))
        dim = int(min(self.pca_dim, X.shape[1], len(X) - 1))
        pca = PCA(n_components=dim, random_state=self.seed).fit(X)
        self.pca_mean_ = pca.mean_.astype(np.float32)
        self.pca_components_ = pca.components_.astype(np.float32)
        self.reference_ = self._project(X).astype(np.float16)
        self.reference_gap_ = gap.astype(np.float32)
        self.reference_good_ = good.astype(np.float32)

        # Out-of-fold first-stage signals for the training rows.
        knn_train = self._knn(self._project(X), exclude_self=True)
        lin_train = np.zeros((len(X), 2))
        folds = KFold(n_splits=min(self.n_folds, len(X) // 4), shuffle=True, random_state=self.seed)
        for fit_idx, out_idx in folds.split(X):
            ridge = Ridge(alpha=self.ridge_alpha).fit(X[fit_idx], gap[fit_idx])
            lin_train[out_idx, 0] = ridge.predict(X[out_idx])
            if good[fit_idx].min() == good[fit_idx].max():
                lin_train[out_idx, 1] = _logit(np.full(len(out_idx), good[fit_idx].mean()))
            else:
                lr = LogisticRegression(C=self.lr_c, max_iter=2000).fit(X[fit_idx], good[fit_idx])
                lin_train[out_idx, 1] = lr.decision_function(X[out_idx])
        ridge = Ridge(alpha=self.ridge_alpha).fit(X, gap)
        lr = LogisticRegression(C=self.lr_c, max_iter=2000).fit(X, good)
        self.gap_coef_, self.gap_intercept_ = ridge.coef_.astype(np.float64), float(ridge.intercept_)
        self.good_coef_, self.good_intercept_ = lr.coef_[0].astype(np.float64), float(lr.intercept_[0])

        Z = np.hstack([knn_train, lin_train, F])
        self.z_mean_ = Z.mean(axis=0)
        self.z_scale_ = Z.std(axis=0) + 1e-9
        Zs = (Z - self.z_mean_) / self.z_scale_
        stack_gap = Ridge(alpha=1.0).fit(Zs, gap)
        stack_good = LogisticRegression(C=1.0, max_iter=2000).fit(Zs, good)
        self.stack_gap_coef_, self.stack_gap_intercept_ = stack_gap.coef_.astype(np.float64), float(stack_gap.intercept_)
        self.stack_good_coef_, self.stack_good_intercept_ = stack_good.coef_[0].astype(np.float64), float(stack_good.intercept_[0])
        self.n_features_ = F.shape[1]
        self.n_train_ = len(X)
        return self

    # -- prediction ----------------------------------------------------------------------
    def predict(self, embeddings: np.ndarray, features: np.ndarray) -> RouterScores:
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
        X = np.asarray(embeddings, dtype=np.float32)
        F = np.asarray(features, dtype=np.float64).reshape(len(X), -1)
        if F.shape[1] != self.n_features_:
            raise ValueError(f"expected {self.n_features_} cheap features, got {F.shape[1]}")
        if len(X) == 0:
            return RouterScores(np.zeros(0), np.zeros(0))
        knn = self._knn(self._project(X), exclude_self=False)
        lin = np.c_[X @ self.gap_coef_ + self.gap_intercept_, X @ self.good_coef_ + self.good_intercept_]
        Zs = (np.hstack([knn, lin, F]) - self.z_mean_) / self.z_scale_
        return RouterScores(
            strong_score=Zs @ self.stack_gap_coef_ + self.stack_gap_intercept_,
            p_good_enough=_sigmoid(Zs @ self.stack_good_coef_ + self.stack_good_intercept_),
        )

    # -- helpers -------------------------------------------------------------------------
    def _project(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.pca_mean_) @ self.pca_components_.T
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

    def _knn(self, Q: np.ndarray, *, exclude_self: bool, batch: int = 2048) -> np.ndarray:
        """Mean gap, good-enough rate and similarity of the k nearest training requests."""
        ref = self.reference_.astype(np.float32)
        k = min(self.k_, len(ref) - (1 if exclude_self else 0))
        out = np.zeros((len(Q), 3))
        for start in range(0, len(Q), batch):
            sims = Q[start:start + batch].astype(np.float32) @ ref.T
            if exclude_self:
                rows = np.arange(sims.shape[0])
                sims[rows, rows + start] = -np.inf
            idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            out[start:start + batch, 0] = self.reference_gap_[idx].mean(axis=1)
            out[start:start + batch, 1] = self.reference_good_[idx].mean(axis=1)
            out[start:start + batch, 2] = np.take_along_axis(sims, idx, axis=1).mean(axis=1)
        return out

    # -- plain-array state (advisor.router_model saves it as .npz + JSON) -----------------
    ARRAYS = ("pca_mean_", "pca_components_", "reference_", "reference_gap_", "reference_good_", "gap_coef_",
              "good_coef_", "z_mean_", "z_scale_", "stack_gap_coef_", "stack_good_coef_")
    SCALARS = ("k_", "gap_intercept_", "good_intercept_", "stack_gap_intercept_", "stack_good_intercept_",
               "n_features_", "n_train_", "threshold_")

    def get_state(self) -> tuple[dict[str, np.ndarray], dict]:
        if not hasattr(self, "stack_gap_coef_"):
            raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
        params = {"k": self.k, "pca_dim": self.pca_dim, "ridge_alpha": self.ridge_alpha, "lr_c": self.lr_c,
                  "n_folds": self.n_folds, "seed": self.seed}
        scalars = {name: getattr(self, name) for name in self.SCALARS}
        return {name: getattr(self, name) for name in self.ARRAYS}, {"params": params, "state": scalars}

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict) -> RoutingClassifier:
        model = cls(**meta["params"])
        for name in cls.ARRAYS:
            setattr(model, name, np.asarray(arrays[name]))
        for name in cls.SCALARS:
            setattr(model, name, meta["state"][name])
        return model
