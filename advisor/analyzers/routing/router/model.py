"""The shipped default router: models/router/{router.npz, router.json, MODEL_CARD.md} <-> ShippedRouter.

Saved as plain arrays (`np.savez_compressed`, loaded with `allow_pickle=False`) and JSON,
never pickle. `router.json` holds the estimator's parameters and scalar state, the domain
check's reference statistics, the embedding model it expects, and the held-out metrics that
the model card quotes. Rebuild with `advisor train router --data DIR`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from advisor.analyzers.routing.router.classifier import NotFittedError, RouterScores, RoutingClassifier
from advisor.analyzers.routing.router.domain import DomainCheck, check_domain
from advisor.analyzers.routing.router.features import text_features
from advisor.core.errors import InputError
from advisor.core.jsonable import to_jsonable
from advisor.core.paths import models_dir

FORMAT_VERSION = 1
ARRAYS_FILE = "router.npz"
META_FILE = "router.json"

# A fitted RoutingClassifier's learned state: arrays go to the .npz, scalars to the JSON.
CLASSIFIER_ARRAYS = (
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
CLASSIFIER_SCALARS = (
    "k_",
    "gap_intercept_",
    "good_intercept_",
    "stack_gap_intercept_",
    "stack_good_intercept_",
    "n_features_",
    "n_train_",
    "threshold_",
)
CLASSIFIER_PARAMS = ("k", "pca_dim", "ridge_alpha", "lr_c", "n_folds", "seed")


@dataclass(frozen=True)
class ShippedRouter:
    """A fitted RoutingClassifier plus what is needed to know when not to trust it."""

    classifier: RoutingClassifier
    domain_centroids: np.ndarray
    domain_cutoff_similarity: float
    domain_reference_median_similarity: float
    domain_reference_features: np.ndarray  # text features of the training rows (two-sample test)
    embedding_model: str  # human-readable name
    embedding_model_id: str  # advisor.embed's model_id of the embedder it was trained with
    weak_model: str
    strong_model: str
    metrics: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)

    def predict(
        self, embeddings: np.ndarray, texts, *, features: np.ndarray | None = None, text_ids: np.ndarray | None = None
    ) -> RouterScores:
        """`features`: text_features(texts) when the caller has them already (a big log computes them
        per distinct text). `text_ids`: each call's row in `embeddings`, which then holds one row per
        distinct text (the calls' embedding matrix is never built); features stay per call."""
        features = text_features(texts) if features is None else features
        if text_ids is not None:
            return self.classifier.predict_by_text(embeddings, text_ids, features)
        return self.classifier.predict(embeddings, features)

    def check_domain(
        self,
        embeddings: np.ndarray,
        texts,
        *,
        max_share_below: float = 0.25,
        seed: int = 0,
        features: np.ndarray | None = None,
        text_ids: np.ndarray | None = None,
    ) -> DomainCheck:
        """`features`, `text_ids`: as in predict(); every call counts, calls of one text alike."""
        # The two-sample test compares the same representation the router uses: its reduced
        # embedding space (training rows are stored there for kNN) plus the text features.
        features = text_features(texts) if features is None else features
        projected = self.classifier._project(np.asarray(embeddings, dtype=np.float32))
        user = _CallRows(projected, np.arange(len(projected)) if text_ids is None else np.asarray(text_ids), features)
        reference = np.c_[self.classifier.reference_.astype(np.float32), self.domain_reference_features]
        return check_domain(
            embeddings,
            self.domain_centroids,
            cutoff_similarity=self.domain_cutoff_similarity,
            reference_median_similarity=self.domain_reference_median_similarity,
            max_share_below=max_share_below,
            user_sample=user,
            reference_sample=reference,
            seed=seed,
            text_ids=text_ids,
        )


class _CallRows:
    """The two-sample test's user rows, [projected embedding of the call's text, the call's
    features], built only for the rows it samples (on a million calls the whole matrix is
    over 500 MB and the test reads 2,000 rows)."""

    def __init__(self, projected: np.ndarray, text_ids: np.ndarray, features: np.ndarray):
        self.projected, self.text_ids = projected, text_ids
        self.features = np.asarray(features)

    def __len__(self) -> int:
        return len(self.text_ids)

    def __getitem__(self, rows) -> np.ndarray:
        return np.c_[self.projected[self.text_ids[rows]], self.features[rows]]


def default_router_dir() -> Path:
    return models_dir() / "router"


def save_router(router: ShippedRouter, directory: str | Path) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    arrays, state = classifier_state(router.classifier)
    arrays = {f"classifier.{k}": v for k, v in arrays.items()}
    arrays["domain.centroids"] = router.domain_centroids.astype(np.float32)
    arrays["domain.reference_features"] = router.domain_reference_features.astype(np.float32)
    np.savez_compressed(out / ARRAYS_FILE, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as its bool option
    meta = {
        "format_version": FORMAT_VERSION,
        "classifier": to_jsonable(state),
        "domain": {
            "cutoff_similarity": router.domain_cutoff_similarity,
            "reference_median_similarity": router.domain_reference_median_similarity,
        },
        "embedding_model": router.embedding_model,
        "embedding_model_id": router.embedding_model_id,
        "weak_model": router.weak_model,
        "strong_model": router.strong_model,
        "metrics": to_jsonable(router.metrics),
        "training": to_jsonable(router.training),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


def load_router(directory: str | Path | None = None) -> ShippedRouter:
    """Load a router saved by save_router; the default is the one shipped in models/router."""
    d = Path(directory) if directory is not None else default_router_dir()
    meta_path, arrays_path = d / META_FILE, d / ARRAYS_FILE
    if not meta_path.is_file() or not arrays_path.is_file():
        raise InputError(
            f"{d}: expected a router ({META_FILE} and {ARRAYS_FILE}), found none. "
            "Rebuild it with `advisor train router --data DIR` or pass the right directory."
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{meta_path}: expected JSON, found a syntax error ({exc}). Rebuild the router.") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{meta_path}: expected router format_version {FORMAT_VERSION}, found {meta.get('format_version')!r}. "
            "Rebuild it with this version of advisor."
        )
    with np.load(arrays_path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    classifier = classifier_from_state(
        {k[len("classifier.") :]: v for k, v in arrays.items() if k.startswith("classifier.")}, meta["classifier"]
    )
    return ShippedRouter(
        classifier=classifier,
        domain_centroids=arrays["domain.centroids"],
        domain_cutoff_similarity=float(meta["domain"]["cutoff_similarity"]),
        domain_reference_median_similarity=float(meta["domain"]["reference_median_similarity"]),
        domain_reference_features=arrays["domain.reference_features"],
        embedding_model=meta["embedding_model"],
        embedding_model_id=meta["embedding_model_id"],
        weak_model=meta["weak_model"],
        strong_model=meta["strong_model"],
        metrics=meta.get("metrics", {}),
        training=meta.get("training", {}),
    )


def classifier_state(model: RoutingClassifier) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, {"params", "state"}) of a fitted classifier: plain arrays and JSON scalars."""
    if not hasattr(model, "stack_gap_coef_"):
        raise NotFittedError("This RoutingClassifier instance is not fitted yet. Call 'fit' first.")
    params = {name: getattr(model, name) for name in CLASSIFIER_PARAMS}
    scalars = {name: getattr(model, name) for name in CLASSIFIER_SCALARS}
    return {name: getattr(model, name) for name in CLASSIFIER_ARRAYS}, {"params": params, "state": scalars}


def classifier_from_state(arrays: dict[str, np.ndarray], meta: dict) -> RoutingClassifier:
    """The classifier classifier_state() described, fitted again without refitting."""
    model = RoutingClassifier(**meta["params"])
    for name in CLASSIFIER_ARRAYS:
        if name == "reference_weight_" and name not in arrays:  # saved before texts were merged: one call each
            arrays = {**arrays, name: np.ones(len(arrays["reference_gap_"]), dtype=np.float32)}
        setattr(model, name, np.asarray(arrays[name]))
    for name in CLASSIFIER_SCALARS:
        setattr(model, name, meta["state"][name])
    return model
