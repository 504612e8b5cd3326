"""Cache evaluation table: CLINC150 (+ QQP when present) streams -> docs/cache-evaluation.md.

    advisor evaluate cache-table [--out docs/cache-evaluation.md] [--qqp FILE] [--seeds 3]

For each dataset and seed: the stream (seeded shuffle) is replayed once, then evaluated
without labels and with a 100-pair label budget over LABEL_DRAWS independent label samples;
per run the worst |estimated - true precision| over the thresholds 0.75..0.95, whether the
intervals cover the truth, and the chosen threshold. A second table (seed 0) shows how the
error falls with 100, 200 and 400 labels, next to the error that label noise alone causes
(`label_noise_floor`): the part no estimator of this kind can remove.
"""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from advisor.analyzers.cache.calibration import load_calibration, update_with_labels
from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS
from advisor.lab.evaluate.cache import evaluate_matches, replay_stream, reveal_pairs, true_same
from advisor.lab.evaluate.cache_ranking import fit_ranker, ranking_aucs
from advisor.lab.evaluate.cache_streams import QQP_DEFAULT, clinc_stream, qqp_stream

LABEL_DRAWS = 20  # independent label samples per labelled run: 100 labels vary a lot
BUDGET_CURVE = (100, 200, 400)
CHECK_RANGE = (0.75, 0.95)
TARGET_WITH_LABELS = 0.03
DETAIL = (0.75, 0.80, 0.85, 0.90, 0.95)


def _in_check(t: float) -> bool:
    return CHECK_RANGE[0] - 1e-9 <= t <= CHECK_RANGE[1] + 1e-9


def _checked(result):
    return [t for t in result.thresholds if _in_check(t.threshold) and t.hits]


def _worst(result) -> tuple[float, int, int]:
    rows = _checked(result)
    worst = max(abs(t.estimated_precision - t.true_precision) for t in rows)
    covered = sum(t.precision_interval[0] <= t.true_precision <= t.precision_interval[1] for t in rows)
    return worst, covered, len(rows)


def _draw_stats(results) -> str:
    """'median / p90 / max | k/N draws <= target | covered/checks' over label draws."""
    stats = [_worst(r) for r in results]
    w = np.array([s[0] for s in stats])
    return (
        f"{np.median(w):.3f} / {np.quantile(w, 0.9):.3f} / {w.max():.3f} | "
        f"{int(np.sum(w <= TARGET_WITH_LABELS))}/{w.size} | {sum(s[1] for s in stats)}/{sum(s[2] for s in stats)}"
    )


def _summary_row(dataset: str, seed: int, n: int, results: list) -> str:
    """One row; with several label draws: the first draw's figures, then the spread over draws."""
    first = results[0]
    worst, covered, total = _worst(first)
    c = first.chosen
    chosen = (
        "none" if c is None else f"{c.threshold:.2f} (hit rate {c.hit_rate:.3f}, true precision {c.true_precision:.3f})"
    )
    draws = _draw_stats(results) if len(results) > 1 else "n/a | n/a | n/a"
    return (
        f"| {dataset} | {seed} | {n:,} | {first.label_budget} | {worst:.3f} | {covered}/{total} | {draws} | {chosen} |"
    )


def _detail_rows(dataset: str, result) -> list[str]:
    out = []
    for t in result.thresholds:
        if any(abs(t.threshold - d) < 1e-9 for d in DETAIL):
            iv = (
                "n/a"
                if t.precision_interval is None
                else f"{t.precision_interval[0]:.3f} - {t.precision_interval[1]:.3f}"
            )
            out.append(
                f"| {dataset} | {result.label_budget} | {t.threshold:.2f} | {t.hit_rate:.3f} | "
                f"{t.estimated_precision:.3f} | {iv} | {t.true_precision:.3f} |"
            )
    return out


def ranking_auc(matches, truth: np.ndarray, from_cosine: float = CHECK_RANGE[0]) -> float:
    """How well cosine separates right from wrong matches (non-identical, cosine >= from_cosine).

    The labels can only recalibrate this ranking: the lower it is, the more labels an
    estimate within a given error needs.
    """
    from scipy.stats import rankdata

    keep = matches.matched & ~matches.same_text & (matches.match_cosine >= from_cosine)
    y, s = truth[keep], matches.match_cosine[keep]
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def label_noise_floor(matches, truth: np.ndarray, budget: int, seeds, thresholds=DEFAULT_THRESHOLDS) -> np.ndarray:
    """Worst error per label draw when the update's two-parameter model is exactly right.

    The stream's own best-fitting curve (the update fitted on every matched pair's true label)
    is taken as the truth; labels are simulated from it at the pairs `reveal_pairs` picks, and
    the update is refitted on them. What remains is the binomial noise of `budget` labels:
    evaluation only, it reads every label of the stream.
    """
    cal = load_calibration()
    cos, same_text = matches.match_cosine, matches.same_text
    fit = np.flatnonzero(matches.matched & ~same_text & (cos >= min(thresholds)))
    oracle = update_with_labels(cal, cos[fit], truth[fit])
    p_true = np.where(same_text, 1.0, oracle.predict(cos))
    hits = [cos >= t for t in thresholds if _in_check(t)]
    true_prec = np.array([p_true[h].mean() for h in hits])
    out = []
    for seed in seeds:
        shown = reveal_pairs(matches, thresholds, budget, seed)
        y = np.random.default_rng(seed).random(shown.size) < p_true[shown]
        p = np.where(same_text, 1.0, update_with_labels(cal, cos[shown], y).predict(cos))
        out.append(np.max(np.abs(np.array([p[h].mean() for h in hits]) - true_prec)))
    return np.array(out)


def _shift_row(name: str, n: int, matches, no_label_result) -> str:
    """Label-free statistics of the replayed stream beside the no-label error they would have to predict."""
    cos = matches.match_cosine
    close = cos >= 0.5
    q10, q50, q90 = np.quantile(cos[close], [0.1, 0.5, 0.9]) if close.any() else (np.nan,) * 3
    hits = cos >= CHECK_RANGE[0]
    identical = float(matches.same_text[hits].mean()) if hits.any() else float("nan")
    return (
        f"| {name} | {n:,} | {hits.mean():.3f} | {q10:.3f} / {q50:.3f} / {q90:.3f} | {identical:.3f} | "
        f"{_worst(no_label_result)[0]:.3f} |"
    )


def _budget_rows(name: str, matches, labels, seed: int) -> list[str]:
    truth = true_same(matches, labels)
    auc = ranking_auc(matches, truth)
    rows = []
    seeds = [seed * 1000 + k for k in range(LABEL_DRAWS)]
    for budget in BUDGET_CURVE:
        results = [evaluate_matches(matches, labels, label_budget=budget, seed=s) for s in seeds]
        floor = label_noise_floor(matches, truth, budget, seeds)
        rows.append(
            f"| {name} | {auc:.3f} | {budget} | {_draw_stats(results)} | "
            f"{np.median(floor):.3f} / {np.quantile(floor, 0.9):.3f} | "
            f"{int(np.sum(floor <= TARGET_WITH_LABELS))}/{floor.size} |"
        )
    return rows


def write_table(
    out: Path, embedder, *, qqp_path: Path | None = None, seeds: int = 3, qqp_pairs: int = 3000
) -> list[str]:
    """Run every evaluation and write the Markdown file; returns messages for the user."""
    messages: list[str] = []
    streams = [("CLINC150 test+oos", s, clinc_stream(s)) for s in range(seeds)]
    qqp_file = Path(qqp_path) if qqp_path else QQP_DEFAULT
    if qqp_file.exists():
        streams += [("QQP", s, qqp_stream(qqp_file, n_pairs=qqp_pairs, seed=s)) for s in range(seeds)]
    else:
        messages.append(f"QQP skipped: {qqp_file} not found (it is evaluation-only data, not shipped).")
    summary, detail, budget_rows, shift_rows = [], [], [], []
    started = time.time()
    for name, seed, df in streams:
        matches = replay_stream(df["text"].tolist(), embedder)
        labels = df["label"].tolist()
        for budget in (0, 100):
            draws = range(LABEL_DRAWS) if budget else range(1)
            # Label draw k uses seed 1000 * stream seed + k, so draws differ across streams too.
            results = [evaluate_matches(matches, labels, label_budget=budget, seed=seed * 1000 + k) for k in draws]
            summary.append(_summary_row(name, seed, len(df), results))
            if seed == 0:
                detail += _detail_rows(name, results[0])
            if budget == 0:
                shift_rows.append(_shift_row(f"{name} seed {seed}", len(df), matches, results[0]))
        if seed == 0:
            budget_rows += _budget_rows(name, matches, labels, seed)
    # Contrast for the label-free statistics: the calibration's own training traffic, longer.
    train = clinc_stream(0, splits=("train", "oos_train"))
    train_matches = replay_stream(train["text"].tolist(), embedder)
    shift_rows.append(
        _shift_row(
            "CLINC150 train+oos (the calibration's training data) seed 0",
            len(train),
            train_matches,
            evaluate_matches(train_matches, train["label"].tolist()),
        )
    )
    ranker = fit_ranker(train["text"].tolist(), train_matches, train["label"].tolist())
    ranking_rows = []
    for name, seed, df in streams:
        if seed == 0:
            texts = df["text"].tolist()
            aucs = ranking_aucs(texts, replay_stream(texts, embedder), df["label"].tolist(), ranker)
            ranking_rows += [f"| {name} | {feature} | {auc:.3f} |" for feature, auc in aucs.items()]
    lines = [
        "# Cache evaluation: estimated vs true precision",
        "",
        "Regenerate with `advisor evaluate cache-table` (writes this file; QQP rows appear only when",
        (
            "`../shared/data/qqp` or `--qqp FILE` is present). "
            f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"embedding model `{getattr(embedder, 'model_id', '?')}`, {time.time() - started:.0f} s."
        ),
        "",
        "Streams: CLINC150 `test` + `oos_test` (5,500 queries, data/clinc150/) shuffled with each seed;",
        f"QQP: both questions of {qqp_pairs:,} random pairs per seed, label = duplicate cluster over all",
        "80,854 pairs. Two queries with the same label share a cached answer. Every query enters the",
        "cache; a query hits at threshold t when its best earlier match has cosine >= t.",
        "Estimates never read labels, except the pairs a `--label-budget` reveals (stratified",
        "over the threshold bins, as `advisor cache label` would show them to a person).",
        "",
        "Targets (issue 3): worst |est - true| over thresholds 0.75..0.95 <= 0.05 without labels,",
        f"<= {TARGET_WITH_LABELS} with 100 labels and intervals covering the truth.",
        "",
        "## Summary (thresholds 0.75, 0.76, ..., 0.95)",
        "",
        "'First draw' is label sample seed = 1000 x stream seed (what `advisor evaluate cache --label-budget 100",
        (
            f"--seed <that>` reproduces); the next three columns are over {LABEL_DRAWS} label samples "
            f"(seeds 1000 x stream seed + 0..{LABEL_DRAWS - 1})."
        ),
        "",
        (
            "| stream | seed | queries | labels | first draw: worst abs error | first draw: intervals covering truth "
            f"| over {LABEL_DRAWS} draws: worst error median / p90 / max | draws with worst error <= {TARGET_WITH_LABELS} "
            "| intervals covering truth, all draws | chosen, first draw (2 % false-hit budget) |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
        *summary,
        "",
        "## How many labels? (seed 0)",
        "",
        "'Label noise alone': the same estimator when its two-parameter model is exactly right (labels",
        "simulated from the stream's own best-fitting curve at the same pairs; `label_noise_floor`). It is",
        "the error that a number of labels cannot avoid given how well cosine ranks right and wrong",
        "matches (AUC over matched, non-identical pairs with cosine >= 0.75).",
        "",
        (
            f"| stream | cosine AUC | labels | over {LABEL_DRAWS} draws: worst error median / p90 / max "
            f"| draws <= {TARGET_WITH_LABELS} | intervals covering truth | label noise alone: median / p90 "
            f"| label noise alone: draws <= {TARGET_WITH_LABELS} |"
        ),
        "|---|---|---|---|---|---|---|---|",
        *budget_rows,
        "",
        "## Can the log alone tell? (no labels)",
        "",
        "Label-free statistics of each replayed stream beside the no-label error: could a",
        "statistic of the log flag that the calibration does not hold? The last row is the",
        "calibration's own training traffic (a longer stream, so more and closer matches).",
        "",
        (
            "| stream | queries | hit rate at 0.75 | best-match cosine (matches >= 0.5): p10 / median / p90 "
            "| identical text, share of hits at 0.75 | no-label worst abs error |"
        ),
        "|---|---|---|---|---|---|",
        *shift_rows,
        "",
        "## Does anything rank better than cosine? (seed 0)",
        "",
        "AUC of label-free pair features for telling right from wrong matches (matched,",
        "non-identical pairs with cosine >= 0.75; `advisor/lab/evaluate/cache_ranking.py`). A feature",
        "that beat cosine on both datasets would let a hundred labels recalibrate a sharper score.",
        "",
        "| stream | feature | AUC |",
        "|---|---|---|",
        *ranking_rows,
        "",
        "## Detail, seed 0, first draw",
        "",
        "| stream | labels | threshold | hit rate | estimated precision | 95 % interval | true precision |",
        "|---|---|---|---|---|---|---|",
        *detail,
        "",
        *READING,
    ]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return messages


READING = [
    "## Reading it",
    "",
    "- The shipped calibration (CLINC150 train, logistic in cosine) transfers to CLINC150 test:",
    "  intent-level answers, where a close paraphrase almost always wants the same answer.",
    "- QQP is a different notion of 'same answer': two questions are duplicates only if they ask",
    "  exactly the same thing, and its non-duplicate pairs are chosen to look alike. Without",
    "  labels the estimate cannot know that and is far too optimistic there. Which notion applies",
    "  is a property of the application (an FAQ bot vs. a precise answer engine), not of the",
    "  queries. The label-free statistics above move more with the stream's length (the training",
    "  row) than between CLINC150 and QQP, where the calibration is right on one and wrong on the",
    "  other, so advisor does not use them to adjust or widen the estimate; it warns instead that",
    "  a no-label estimate assumes intent-level answers, and asks for labelled pairs (or uses the",
    "  logged responses, when the log has them, to lower the estimate for pairs whose answers differ).",
    "- Without labels the interval is the sampling spread (block bootstrap) widened by the",
    "  calibration's held-out error on CLINC150 val (models/cache_calibration/). It covers the",
    "  truth on CLINC150 but says nothing about a shift to another notion of 'same answer'.",
    "- With labels the point estimate is the shipped curve recalibrated on them (logit p' = a + b",
    "  logit p, Bayesian). Its interval draws half its samples from that curve's posterior and half",
    "  from a per-bin Beta posterior of the labelled share of right matches (the bins the labels",
    "  were stratified over), so it still covers the truth when the two-parameter curve misfits.",
    "- With labels the error is mostly binomial noise: compare the 'label noise alone' columns,",
    "  where the estimator's model is exactly right by construction. Where cosine ranks right and",
    "  wrong matches poorly (QQP's AUC) and precision is far from 1, a hundred labels leave a",
    "  standard error of about 0.05 on the precision at 0.75 for any estimator that recalibrates",
    "  cosine, so 0.03 holds only in a minority of label draws; the budget table shows how the",
    "  error falls with more labels. Near precision 0.97 (CLINC150) a hundred labels suffice.",
    "- A sharper label-free score would lower that noise, but none of the lexical features tried",
    "  ranks right and wrong matches better than cosine, and their combination trained on",
    "  CLINC150 learns 'same intent' and ranks QQP's matches worse than cosine alone. Which pairs",
    "  get labelled matters less: equal shares per 0.05 cosine bin are kept (more labels at the",
    "  ends of the range, or none below 0.75, did not beat the noise between label draws in a",
    "  development check that is not part of this table).",
]
