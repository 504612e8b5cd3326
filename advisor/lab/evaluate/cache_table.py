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
from advisor.lab.evaluate.cache_table_page import TableRows, table_page

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
    started = time.time()
    rows = _evaluate_streams(streams, embedder)
    # Contrast for the label-free statistics: the calibration's own training traffic, longer.
    train = clinc_stream(0, splits=("train", "oos_train"))
    train_matches = replay_stream(train["text"].tolist(), embedder)
    rows.shift.append(
        _shift_row(
            "CLINC150 train+oos (the calibration's training data) seed 0",
            len(train),
            train_matches,
            evaluate_matches(train_matches, train["label"].tolist()),
        )
    )
    ranker = fit_ranker(train["text"].tolist(), train_matches, train["label"].tolist())
    for name, seed, df in streams:
        if seed == 0:
            texts = df["text"].tolist()
            aucs = ranking_aucs(texts, replay_stream(texts, embedder), df["label"].tolist(), ranker)
            rows.ranking += [f"| {name} | {feature} | {auc:.3f} |" for feature, auc in aucs.items()]
    heading = (
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"embedding model `{getattr(embedder, 'model_id', '?')}`, {time.time() - started:.0f} s."
    )
    lines = table_page(rows, generated=heading, qqp_pairs=qqp_pairs, label_draws=LABEL_DRAWS, target=TARGET_WITH_LABELS)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return messages


def _evaluate_streams(streams: list, embedder) -> TableRows:
    """Replay each stream once; evaluate it without labels and with 100 labels (LABEL_DRAWS draws)."""
    rows = TableRows()
    for name, seed, df in streams:
        matches = replay_stream(df["text"].tolist(), embedder)
        labels = df["label"].tolist()
        for budget in (0, 100):
            draws = range(LABEL_DRAWS) if budget else range(1)
            # Label draw k uses seed 1000 * stream seed + k, so draws differ across streams too.
            results = [evaluate_matches(matches, labels, label_budget=budget, seed=seed * 1000 + k) for k in draws]
            rows.summary.append(_summary_row(name, seed, len(df), results))
            if seed == 0:
                rows.detail += _detail_rows(name, results[0])
            if budget == 0:
                rows.shift.append(_shift_row(f"{name} seed {seed}", len(df), matches, results[0]))
        if seed == 0:
            rows.budget += _budget_rows(name, matches, labels, seed)
    return rows
