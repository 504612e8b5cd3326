"""The shipped router re-measured on RouteLLM's MMLU data, without retraining it -> docs/router-evaluation.md.

    advisor evaluate router-page --data ../shared/data/routellm-mmlu \
        --ood-json ../shared/data/clinc150/data_full.json                 (advisor/cli/evaluate_router.py)

`advisor train router` fits the router on the training half of a seeded 50/50 split, saves it
to models/router and writes the evaluation page; running it again rewrites the model. This
module writes the same page from the model as shipped: it rebuilds the same split (same data,
same seed: the router's own `training` record says which), applies models/router to the
held-out half (`evaluate_shipped`, with its domain check), fits the logistic-regression
baseline and the learning curve on the training half as the training run does (neither
touches the shipped model), and runs the domain checks on the same query sets.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from advisor.core.errors import InputError


def evaluate_shipped_router(
    data_dir: Path,
    report_path: Path,
    *,
    model_dir: Path | None = None,
    embedder=None,
    cache_dir: Path | None = None,
    ood_json: Path | None = None,
    probes_csv: Path | None = None,
    learning: bool = True,
    command: str = "",
):
    """Measure the router in `model_dir` (default: models/router) and write `report_path`.
    Returns the RouterTraining-shaped record (model_dir, held-out evaluation, baseline, domain rows)."""
    from advisor.analyzers.routing.router.model import default_router_dir, load_router
    from advisor.lab.evaluate.router import LabelledPairs, evaluate_shipped, split_indices
    from advisor.lab.train.router import RouterTraining, held_out_learning_curve, logistic_baseline
    from advisor.lab.train.router_data import (
        STRONG,
        WEAK,
        embed_cached,
        load_mmlu,
        read_clinc_test_queries,
        read_probes,
    )
    from advisor.lab.train.router_domain import DomainInputs, domain_checks
    from advisor.lab.train.router_report import write_report

    shipped = load_router(model_dir)
    data, _ = load_mmlu(data_dir)
    ood_queries = read_clinc_test_queries(ood_json) if ood_json is not None else None
    probes = read_probes(probes_csv) if probes_csv is not None else None
    seed = _check_same_data(shipped.training, len(data), data_dir)
    texts = data["prompt"].astype(str).tolist()
    weak = data[WEAK].astype(float).to_numpy()
    strong = data[STRONG].astype(float).to_numpy()
    X, model_id = embed_cached(texts, cache_dir, embedder)
    train_rows, test = split_indices(len(texts), 0.5, seed)
    held_out = LabelledPairs(tuple(texts[i] for i in test), weak[test], strong[test], str(data_dir))
    evaluation = evaluate_shipped(held_out, X[test], shipped, embedder_id=model_id, seed=seed)
    # The page reads it as the split the router was trained on: n_train rows fitted it.
    evaluation = dataclasses.replace(evaluation, n_train=len(train_rows))
    baseline = logistic_baseline(X, weak, strong, train_rows, test)
    inputs = DomainInputs(
        texts,
        X,
        data["subject"].to_numpy(),
        probes,
        ood_queries,
        embed=lambda q: embed_cached(q, cache_dir, embedder)[0],
    )
    domain_rows = domain_checks(shipped, inputs, test[len(test) // 2 :], seed=seed)
    curve = held_out_learning_curve(X, texts, weak, strong, seed=seed, split=(train_rows, test)) if learning else None
    write_report(Path(report_path), evaluation, baseline, domain_rows, shipped, curve, command=command)
    return RouterTraining(
        model_dir=Path(model_dir) if model_dir is not None else default_router_dir(),
        evaluation=evaluation,
        baseline=baseline,
        domain_checks=tuple(domain_rows),
        learning=curve,
    )


def _check_same_data(training: dict, n_rows: int, data_dir: Path) -> int:
    """The router's seed, once its training record agrees with the data given (else the split,
    and so the held-out half, would not be the one the router never saw)."""
    expected = (training or {}).get("n_after_decontamination")
    if expected is not None and int(expected) != n_rows:
        raise InputError.at(
            str(data_dir),
            expected=f"the {expected} decontaminated questions the shipped router was trained on",
            found=f"{n_rows}",
            fix="Pass --data the unmodified RouteLLM mmlu folder, or retrain with `advisor train router`.",
        )
    split = str((training or {}).get("split", ""))
    digits = split.partition("default_rng(")[2].partition(")")[0]
    return int(digits) if digits.isdigit() else 0
