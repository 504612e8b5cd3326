"""Domain check: user query embeddings (+ text features) and a router's training distribution -> DomainCheck.

A router trained on one kind of traffic does not transfer to another, so before the shipped
router's probabilities are used on a user's log we ask, two ways, whether the log looks like
its training data. Either test failing makes the verdict "out_of_domain":

1. topic: each query's cosine similarity to the nearest of the router's training centroids
   (KMeans over the training embeddings). The router stores the same statistic for held-out
   in-domain queries; its 5th percentile is the cut-off, so in-domain traffic puts about 5 %
   of queries below it. Out of domain when more than `max_share_below` fall below.
2. form: a classifier two-sample test. A logistic regression tries to tell the user's queries
   from a sample of training queries (reduced embeddings + text features: length, lines,
   digits, options); its cross-validated AUC is about 0.5 when the two are alike. Out of domain
   above `max_two_sample_auc`. This catches traffic on familiar topics in another form (maths
   word problems against multiple-choice exam questions), which the topic test misses.

Fewer than MIN_QUERIES queries cannot support an in-domain verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

IN_DOMAIN = "in_domain"
OUT_OF_DOMAIN = "out_of_domain"
MIN_QUERIES = 10
MAX_TWO_SAMPLE_AUC = 0.75


class Rows(Protocol):
    """A sample the two-sample test indexes by row: an array, or rows built on demand."""

    def __len__(self) -> int: ...

    def __getitem__(self, rows: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class DomainCheck:
    verdict: str  # in_domain | out_of_domain
    n_queries: int
    median_similarity: float  # of the user's queries to the nearest training centroid
    reference_median_similarity: float  # the same for held-out in-domain queries
    cutoff_similarity: float  # 5th percentile of held-out in-domain similarity
    share_below_cutoff: float  # user queries below the cut-off (in-domain: about 0.05)
    max_share_below: float
    two_sample_auc: float | None = None  # None when the test was not run
    max_two_sample_auc: float = MAX_TWO_SAMPLE_AUC

    @property
    def in_domain(self) -> bool:
        return self.verdict == IN_DOMAIN

    def to_dict(self) -> dict:
        return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in self.__dict__.items()}

    def describe(self) -> str:
        if self.n_queries < MIN_QUERIES:
            return f"only {self.n_queries} queries: too few to compare with the router's training data"
        text = (
            f"{self.share_below_cutoff:.0%} of {self.n_queries} queries are less similar to the router's training "
            f"data than 95 % of held-out training-domain queries (cut-off cosine {self.cutoff_similarity:.2f}; "
            f"median {self.median_similarity:.2f} vs {self.reference_median_similarity:.2f} in domain)"
        )
        if self.two_sample_auc is not None:
            text += (
                f"; a classifier tells them from training queries with AUC {self.two_sample_auc:.2f} "
                f"(about 0.5 when alike, limit {self.max_two_sample_auc:.2f})"
            )
        return text


def nearest_centroid_similarity(embeddings: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row to its nearest centroid (both sides L2-normalised here)."""
    e = np.asarray(embeddings, dtype=np.float32)
    c = np.asarray(centroids, dtype=np.float32)
    e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    c = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    return (e @ c.T).max(axis=1)


def two_sample_auc(user: Rows, reference: np.ndarray, *, seed: int = 0, max_rows: int = 2000) -> float:
    """Cross-validated AUC of a logistic regression separating `user` rows from `reference` rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    # `user` may build its rows on demand (advisor.analyzers.routing.router.model._CallRows): index it either way.
    rows = user[rng.choice(len(user), max_rows, replace=False) if len(user) > max_rows else np.arange(len(user))]
    n_ref = min(len(reference), max(len(rows), 500))
    ref = reference[rng.choice(len(reference), n_ref, replace=False)]
    X = np.vstack([rows, ref]).astype(np.float64)
    y = np.r_[np.ones(len(rows)), np.zeros(len(ref))]
    folds = StratifiedKFold(n_splits=min(5, len(rows)), shuffle=True, random_state=seed)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced"))
    p = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, p))


def check_domain(
    embeddings: np.ndarray,
    centroids: np.ndarray,
    *,
    cutoff_similarity: float,
    reference_median_similarity: float,
    max_share_below: float = 0.25,
    user_sample: Rows | None = None,
    reference_sample: np.ndarray | None = None,
    max_two_sample_auc: float = MAX_TWO_SAMPLE_AUC,
    seed: int = 0,
    text_ids: np.ndarray | None = None,
) -> DomainCheck:
    """`user_sample` / `reference_sample`: rows for the two-sample test (skipped when None); the
    user's may be any object with len() and row indexing. `text_ids`: each call's row in
    `embeddings` (one row per distinct text); every call counts."""
    sims = nearest_centroid_similarity(embeddings, centroids)
    if text_ids is not None:
        sims = sims[np.asarray(text_ids)]
    n = len(sims)
    share_below = float((sims < cutoff_similarity).mean()) if n else 1.0
    auc = None
    if user_sample is not None and reference_sample is not None and n >= MIN_QUERIES:
        auc = two_sample_auc(user_sample, reference_sample, seed=seed)
    out = n < MIN_QUERIES or share_below > max_share_below or (auc is not None and auc > max_two_sample_auc)
    return DomainCheck(
        verdict=OUT_OF_DOMAIN if out else IN_DOMAIN,
        n_queries=int(n),
        median_similarity=float(np.median(sims)) if n else float("nan"),
        reference_median_similarity=float(reference_median_similarity),
        cutoff_similarity=float(cutoff_similarity),
        share_below_cutoff=share_below,
        max_share_below=float(max_share_below),
        two_sample_auc=auc,
        max_two_sample_auc=float(max_two_sample_auc),
    )
