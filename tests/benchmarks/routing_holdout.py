"""Routing on held-out halves of real labelled traffic: does the promised quality hold?

    python -m tests.benchmarks.routing_holdout [--data data/routellm-mmlu/mmlu_heldout_sample.csv]
        [--splits 20] [--out docs/routing-holdout.md]

Data: the MMLU questions in data/routellm-mmlu (RouteLLM's per-question correctness of
Mixtral-8x7B, the cheaper model, and GPT-4-1106, the current one; see that folder's README).
Per seeded split, half the questions keep their labels and half lose them; the routing
analyzer's per-candidate estimate (advisor.analyzers.routing.candidates.estimate_from_labels,
the code `advisor analyze` runs) sees the whole log, trains on the labelled half, and routes
calls in order of its score up to the share its cross-fitted lower bound allows at the target.
The unlabelled half is the new traffic: its hidden labels give the realized quality
(relative to GPT-4 on the same questions) and the realized savings.

Cost per call is taken proportional to the prompt's length (MMLU answers are one token; the
same prices for every call), so savings are shares of today's cost.

The AUC interval rows fit the router on n labelled questions of the first half and compare
the interval the analyzer reports (out-of-fold AUC, bootstrap) with the AUC the same fit
reaches on the other half.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from datetime import date
from pathlib import Path

import numpy as np

from advisor.analyzers.routing.candidates import CandidateInputs, estimate_from_labels
from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.router.metrics import auc_score, bootstrap_auc_interval

COMMAND = "python -m tests.benchmarks.routing_holdout"
TARGETS = (0.90, 0.95, 0.98)
SIZES = (50, 100, 200, 400, 800)
COST_RATIO = 0.6 / 10.0  # Mixtral-8x7B vs GPT-4-1106 input price per token (0.6 vs 10 $/M)


def load(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    truth = lambda v: 1.0 if v.strip().lower() == "true" else 0.0  # noqa: E731
    texts = [r["prompt"] for r in rows]
    return (
        texts,
        np.array([truth(r["mixtral_correct"]) for r in rows]),
        np.array([truth(r["gpt4_correct"]) for r in rows]),
    )


def embed(texts: list[str], cache_dir: Path) -> np.ndarray:
    key = hashlib.sha256("\n\0".join(texts).encode()).hexdigest()[:16]
    cache = cache_dir / f"routing-holdout-{key}.npy"
    if cache.exists():
        return np.load(cache, allow_pickle=False)
    from advisor.embed import default_embedder

    vectors = np.asarray(default_embedder().encode(texts), dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def one_split(vectors, features, weak, strong, cost, seed: int, target: float) -> dict:
    n = len(weak)
    test = np.random.default_rng(seed).permutation(n)[: n // 2]
    hidden = np.zeros(n, dtype=bool)
    hidden[test] = True
    inp = CandidateInputs(
        model="mixtral",
        provider="x",
        eligible=np.ones(n, dtype=bool),
        per_call_saving_usd=cost * (1 - COST_RATIO),
        cost_ratio=np.full(n, COST_RATIO),
        current_quality=np.where(hidden, strong[~hidden].mean(), strong),
        candidate_labels=np.where(hidden, np.nan, weak),
        current_labels=np.where(hidden, np.nan, strong),
        monthly_factor=1.0,
    )
    est = estimate_from_labels(
        inp,
        vectors,
        features,
        target=target,
        threshold=None,
        seed=seed,
        with_learning_curve=False,
        text_ids=np.arange(n),
    )
    k = round(est.max_share_at_target * n)
    routed = np.zeros(n, dtype=bool)
    routed[est.per_call_routable_order[:k]] = True
    served = np.where(routed, weak, strong)
    saving = cost * (1 - COST_RATIO) * routed
    return {
        "projected_quality": est.quality_at_share,
        "lower_bound": est.quality_lower_bound,
        "realized_quality": served[hidden].sum() / strong[hidden].sum(),
        "projected_savings": saving.sum() / cost.sum(),
        "realized_savings": saving[hidden].sum() / cost[hidden].sum(),
        "share": est.max_share_at_target,
        "auc_interval": est.auc_interval,
    }


def coverage(vectors, features, weak, strong, size: int, draws: int) -> tuple[int, int, int]:
    """(draws whose interval covers the held-out AUC, draws with an interval, intervals above 0.5)."""
    n = len(weak)
    covered = made = above = 0
    for seed in range(draws):
        perm = np.random.default_rng(1000 + seed).permutation(n)
        train, test = perm[:size], perm[n // 2 :]
        good = weak >= strong
        if good[train].all() or not good[train].any():
            continue
        model = RoutingClassifier(seed=seed).fit(vectors[train], features[train], weak[train], strong[train])
        interval = bootstrap_auc_interval(model.oof_p_good_enough_, good[train], seed=seed)
        held = auc_score(model.predict(vectors[test], features[test]).p_good_enough, good[test])
        if interval is None or held is None:
            continue
        made += 1
        covered += interval[0] <= held <= interval[1]
        above += interval[0] > 0.5
    return covered, made, above


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("data/routellm-mmlu/mmlu_heldout_sample.csv"))
    ap.add_argument("--splits", type=int, default=20)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/advisor-bench-cache"))
    ap.add_argument("--out", type=Path, default=Path("docs/routing-holdout.md"))
    args = ap.parse_args(argv)
    texts, weak, strong = load(args.data)
    vectors = embed(texts, args.cache)
    features = text_features(texts)
    cost = np.array([len(t) for t in texts], dtype=float)
    lines = [
        "# Routing on held-out halves of real labelled traffic",
        "",
        f"Regenerate: `{COMMAND}` ({date.today().isoformat()}). Data: {args.data} ({len(texts)} MMLU questions,",
        "Mixtral-8x7B as the cheaper candidate, GPT-4-1106 as today's model; RouteLLM, see data/routellm-mmlu/README.md).",
        f"{args.splits} seeded 50/50 splits: the labelled half trains, the unlabelled half is new traffic.",
        "Quality is relative to GPT-4 on the same questions; savings are shares of today's cost",
        "(cost per call proportional to the prompt's length, Mixtral at 6 % of GPT-4's price).",
        "",
        "| target | splits with realized quality >= target | projected quality (mean) | lower bound (mean) "
        "| realized quality (mean, min) | projected savings (mean) | realized savings (mean) "
        "| splits with realized savings within +-10 % of projected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for target in TARGETS:
        res = [one_split(vectors, features, weak, strong, cost, seed, target) for seed in range(args.splits)]
        held = sum(r["realized_quality"] >= target for r in res)
        within = sum(abs(r["realized_savings"] - r["projected_savings"]) <= 0.1 * r["projected_savings"] for r in res)
        mean = lambda key: float(np.mean([r[key] for r in res if r[key] is not None]))  # noqa: E731
        lines.append(
            f"| {target:.2f} | {held} of {len(res)} | {mean('projected_quality'):.3f} | {mean('lower_bound'):.3f} "
            f"| {mean('realized_quality'):.3f}, {min(r['realized_quality'] for r in res):.3f} "
            f"| {mean('projected_savings'):.1%} | {mean('realized_savings'):.1%} | {within} of {len(res)} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "## AUC interval (95 % bootstrap of the out-of-fold AUC) against the AUC on the other half",
        "",
        f"{args.draws} seeded draws per size.",
        "",
        "| labelled questions | interval covers the held-out AUC | interval above 0.5 |",
        "|---|---|---|",
    ]
    for size in SIZES:
        covered, made, above = coverage(vectors, features, weak, strong, size, args.draws)
        lines.append(f"| {size} | {covered} of {made} | {above} of {made} |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
