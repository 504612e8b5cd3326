"""Router evaluation: labelled (text, weak quality, strong quality) -> RouterEvaluation.

Two modes, as in `advisor evaluate router`:

- split: a seeded random split (train_frac for training), a RoutingClassifier fitted on the
  training part and scored on the rest;
- default: the shipped router applied to every row, with the domain check's verdict (its
  metrics mean nothing when the verdict is out of domain, and the result says so).

Each reports AUC (with a bootstrap interval), APGR, CPT(50 %), CPT(80 %), ECE, and the same
metrics for RouteLLM's random router on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from advisor.analyzers.routing.labels import parse_score
from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.domain import DomainCheck
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.router.metrics import (
    RouterMetrics,
    bootstrap_auc_interval,
    evaluate_scores,
    random_router_metrics,
)
from advisor.core.errors import InputError


@dataclass(frozen=True)
class LabelledPairs:
    texts: tuple[str, ...]
    weak: np.ndarray
    strong: np.ndarray
    source: str = ""


@dataclass(frozen=True)
class RouterEvaluation:
    mode: str  # "split" | "default"
    n_train: int
    n_test: int
    seed: int
    metrics: RouterMetrics
    random: RouterMetrics
    auc_interval: tuple[float, float] | None
    domain: DomainCheck | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        m = self.metrics
        return {
            "mode": self.mode,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "seed": self.seed,
            "auc": m.auc,
            "auc_interval": None if self.auc_interval is None else list(self.auc_interval),
            "apgr": m.apgr,
            "cpt50": m.cpt50,
            "cpt80": m.cpt80,
            "ece": m.ece,
            "weak_quality": m.weak_quality,
            "strong_quality": m.strong_quality,
            "random": {
                "auc": self.random.auc,
                "apgr": self.random.apgr,
                "cpt50": self.random.cpt50,
                "cpt80": self.random.cpt80,
            },
            "domain": None if self.domain is None else self.domain.to_dict(),
            "warnings": list(self.warnings),
        }


def read_labelled_pairs(path: str | Path, *, text_col: str, weak_col: str, strong_col: str) -> LabelledPairs:
    """A CSV (or JSON Lines) with one row per request: text, weak-model score, strong-model score."""
    from advisor.analyzers.routing.labels import read_label_table

    name = str(Path(path))
    frame = read_label_table(
        path, missing_fix="Check the path.", format_fix="Export the labels as CSV with a header row."
    )
    for option, column in (("--text-col", text_col), ("--weak-col", weak_col), ("--strong-col", strong_col)):
        if column not in frame.columns:
            raise InputError.at(
                name,
                column=column,
                expected=f"the column named by {option}",
                found=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
                fix=f"Pass {option} with one of the columns found.",
            )
    if len(frame) < 20:
        raise InputError.at(
            name,
            expected="at least 20 labelled rows",
            found=f"{len(frame)}",
            fix="Label more requests; a router estimate needs hundreds.",
        )
    weak = np.array(
        [parse_score(v, file=name, row=i + 1, column=weak_col) for i, v in enumerate(frame[weak_col].tolist())]
    )
    strong = np.array(
        [parse_score(v, file=name, row=i + 1, column=strong_col) for i, v in enumerate(frame[strong_col].tolist())]
    )
    texts = tuple("" if v is None else str(v) for v in frame[text_col].tolist())
    return LabelledPairs(texts=texts, weak=weak, strong=strong, source=name)


def split_indices(n: int, train_frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split; the training script uses the same one for the model card."""
    if not 0.0 < train_frac < 1.0:
        from advisor.core.errors import ConfigError

        raise ConfigError.setting("train-frac", "a number strictly between 0 and 1", train_frac)
    perm = np.random.default_rng(seed).permutation(n)
    n_train = round(float(n * train_frac))
    return perm[:n_train], perm[n_train:]


def _score(scores, weak, strong, p_good, seed) -> tuple[RouterMetrics, RouterMetrics, tuple[float, float] | None]:
    good = (weak >= strong).astype(int)
    return (
        evaluate_scores(scores, weak, strong, p_good_enough=p_good),
        random_router_metrics(weak, strong, seed=seed),
        bootstrap_auc_interval(p_good, good, seed=seed),
    )


def evaluate_split(
    pairs: LabelledPairs,
    embeddings: np.ndarray,
    *,
    train_frac: float = 0.5,
    seed: int = 0,
    classifier: RoutingClassifier | None = None,
) -> RouterEvaluation:
    train, test = split_indices(len(pairs.texts), train_frac, seed)
    feats = text_features(pairs.texts)
    model = classifier if classifier is not None else RoutingClassifier(seed=seed)
    model.fit(embeddings[train], feats[train], pairs.weak[train], pairs.strong[train])
    out = model.predict(embeddings[test], feats[test])
    metrics, rand, interval = _score(out.strong_score, pairs.weak[test], pairs.strong[test], out.p_good_enough, seed)
    return RouterEvaluation("split", len(train), len(test), seed, metrics, rand, interval)


def evaluate_shipped(
    pairs: LabelledPairs, embeddings: np.ndarray, router, *, embedder_id: str | None = None, seed: int = 0
) -> RouterEvaluation:
    """Apply the shipped router to all rows; the domain verdict says whether to believe it."""
    expected_dim = router.classifier.pca_mean_.shape[0]
    if embeddings.shape[1] != expected_dim:
        raise InputError(
            f"the router expects {router.embedding_model} embeddings ({expected_dim} dimensions), found "
            f"{embeddings.shape[1]} from '{embedder_id}'. Use the default embedding model with --model, or --train-frac."
        )
    out = router.predict(embeddings, pairs.texts)
    domain = router.check_domain(embeddings, pairs.texts, seed=seed)
    metrics, rand, interval = _score(out.strong_score, pairs.weak, pairs.strong, out.p_good_enough, seed)
    warnings = []
    if not domain.in_domain:
        warnings.append(
            "OUT OF DOMAIN: these requests do not look like the router's training data ("
            + domain.describe()
            + "). Its scores here are not evidence of savings; train on your own labels instead (--train-frac)."
        )
    if embedder_id is not None and embedder_id != router.embedding_model_id:
        warnings.append(
            f"the router was trained on {router.embedding_model} embeddings (id '{router.embedding_model_id}') "
            f"but these come from '{embedder_id}'."
        )
    return RouterEvaluation("default", 0, len(pairs.texts), seed, metrics, rand, interval, domain, tuple(warnings))
