"""Cache estimate WITH labels chosen by `advisor cache label` -> docs/cache-labels.md.

    advisor evaluate cache-labels [--out docs/cache-labels.md] [--hwu FILE] [--qqp FILE] [--draws 10]

Streams: CLINC150 test + oos_test (shipped calibration); HWU64, one group of scenarios held out
of a calibration trained without it (as in docs/cache-transfer.md); QQP (strict duplicates,
read from --qqp only: never shipped). For each stream and label draw (seed k), the labels a
person would give to the pairs `advisor cache label` picks are revealed and the estimate
redone (advisor.lab.evaluate.cache.evaluate_matches). Per stream: the worst
|estimated - true precision| over thresholds 0.75..0.95, with the pairs spread over clusters
(today's selection) and drawn at random inside each bin (the selection before), on the same
draws' seeds; how often the labels were found stricter than the calibration (refit from the
labels); and the stated "more labels for +-0.03". On QQP that statement is checked: the
stated total N is drawn at N / 1.5, N and 1.5 N labels; it is right within a factor of 1.5
when the median worst error is above 0.03 at N / 1.5 and at most 0.03 at 1.5 N.
"""

from __future__ import annotations

import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from advisor.analyzers.cache.label_fit import SOURCE_LABELS
from advisor.core.paths import data_dir
from advisor.lab.evaluate.cache import evaluate_matches, replay_stream
from advisor.lab.evaluate.cache_labels_bars import (
    CHECK_RANGE,
    FACTOR,
    INTENT_LABELS,
    INTENT_TARGET,
    QQP_LABELS,
    QQP_TARGET,
)
from advisor.lab.evaluate.cache_labels_page import labels_page
from advisor.lab.evaluate.cache_streams import CLINC_FILE, QQP_DEFAULT, clinc_stream, qqp_stream
from advisor.lab.evaluate.cache_transfer_table import scenario_groups
from advisor.lab.train.cache_calibration import HWU_DEFAULT, read_hwu, train


def worst_error(result) -> float:
    lo, hi = CHECK_RANGE
    rows = [t for t in result.thresholds if lo - 1e-9 <= t.threshold <= hi + 1e-9 and t.hits]
    return max(abs(t.estimated_precision - t.true_precision) for t in rows)


def _draws(matches, labels, budget: int, draws: int, **kw) -> list:
    return [evaluate_matches(matches, labels, label_budget=budget, seed=k, **kw) for k in range(draws)]


def _stats(results) -> str:
    w = np.array([worst_error(r) for r in results])
    return f"{np.median(w):.3f} / {np.quantile(w, 0.9):.3f} / {w.max():.3f}"


def _within(results, target: float) -> str:
    w = np.array([worst_error(r) for r in results])
    return f"{int(np.sum(w <= target))}/{w.size}"


def _refits(results) -> str:
    return f"{sum(r.precision_source == SOURCE_LABELS for r in results)}/{len(results)}"


def _stated_total(results) -> int | None:
    """Median over draws of the stated total labels for +-0.03 (labels used + more needed)."""
    totals = [r.labels_used + r.more_labels_for_target for r in results if r.more_labels_for_target is not None]
    return int(np.median(totals)) if totals else None


def stream_row(name: str, n: int, matches, labels, budget: int, draws: int, *, target: float, cal=None) -> str:
    """One stream at `budget` labels: spread (today) vs random-in-bin (before), refits, stated total."""
    spread = _draws(matches, labels, budget, draws, calibration_path=cal)
    plain = _draws(matches, labels, budget, draws, calibration_path=cal, spread=False)
    total = _stated_total(spread)
    return (
        f"| {name} | {n:,} | {budget} | {_stats(spread)} | {_within(spread, target)} | {_stats(plain)} | "
        f"{_within(plain, target)} | {_refits(spread)} | {'n/a' if total is None else total} |"
    )


def labels_needed_check(name: str, matches, labels, draws: int) -> tuple[list[str], str]:
    """(rows, verdict): the stated total N after 100 labels, drawn at N / 1.5, N and 1.5 N."""
    first = _draws(matches, labels, INTENT_LABELS, draws)
    stated = _stated_total(first)
    if stated is None:
        return [f"| {name} | {INTENT_LABELS} | none stated | n/a | n/a | n/a |"], "not checked (nothing stated)"
    rows, medians = [], []
    for k, size in ((1 / FACTOR, "N / 1.5"), (1.0, "N"), (FACTOR, "1.5 N")):
        budget = max(round(stated * k), 1)
        results = _draws(matches, labels, budget, draws)
        medians.append(float(np.median([worst_error(r) for r in results])))
        rows.append(f"| {name} | {size} = {budget} | {stated} | {_stats(results)} | {_within(results, 0.03)} |")
    right = medians[0] > 0.03 >= medians[2]
    verdict = (
        f"stated N = {stated}: median worst error {medians[0]:.3f} at N / 1.5 and {medians[2]:.3f} at 1.5 N "
        f"-> {'right' if right else 'NOT right'} within a factor of {FACTOR}"
    )
    return rows, verdict


def _hwu_rows(hwu_csv: Path, embedder, draws: int, work: Path) -> list[str]:
    hwu = read_hwu(hwu_csv)
    rows = []
    for k, group in enumerate(scenario_groups(hwu)):
        train(data_dir() / CLINC_FILE, embedder, seeds=3, out_dir=work / f"g{k}", hwu_csv=hwu_csv, hwu_exclude=group)
        held = hwu[hwu["scenario"].astype(str).isin(group)].sample(frac=1.0, random_state=k).reset_index(drop=True)
        matches = replay_stream(held["text"].astype(str).tolist(), embedder)
        name = f"HWU64 held out: {', '.join(group)}"
        labels = held["intent"].astype(str).tolist()
        rows.append(
            stream_row(name, len(held), matches, labels, INTENT_LABELS, draws, target=INTENT_TARGET, cal=work / f"g{k}")
        )
    return rows


def write_labels_table(
    out: Path, embedder, *, hwu_csv: Path | None = None, qqp_path: Path | None = None, draws: int = 10
) -> list[str]:
    """Run the evaluations and write the Markdown page; returns messages for the user."""
    started = time.time()
    messages: list[str] = []
    df = clinc_stream(0)
    intent = [
        stream_row(
            "CLINC150 test+oos seed 0 (shipped calibration)",
            len(df),
            replay_stream(df["text"].tolist(), embedder),
            df["label"].tolist(),
            INTENT_LABELS,
            draws,
            target=INTENT_TARGET,
        )
    ]
    hwu_file = Path(hwu_csv) if hwu_csv else HWU_DEFAULT
    if hwu_file.exists():
        with tempfile.TemporaryDirectory() as work:
            intent += _hwu_rows(hwu_file, embedder, draws, Path(work))
    else:
        messages.append(f"HWU64 skipped: {hwu_file} not found (it is read at evaluation time only).")
    qqp_rows: list[str] = []
    need_rows: list[str] = []
    verdict = "not measured (QQP file not found)"
    qqp_file = Path(qqp_path) if qqp_path else QQP_DEFAULT
    if qqp_file.exists():
        q = qqp_stream(qqp_file, seed=0)
        qm, ql = replay_stream(q["text"].tolist(), embedder), q["label"].tolist()
        for budget in (INTENT_LABELS, QQP_LABELS):
            qqp_rows.append(stream_row("QQP seed 0", len(q), qm, ql, budget, draws, target=QQP_TARGET))
        need_rows, verdict = labels_needed_check("QQP seed 0", qm, ql, draws)
    else:
        messages.append(f"QQP skipped: {qqp_file} not found (evaluation-only data, never shipped).")
    generated = (
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, embedding model "
        f"`{getattr(embedder, 'model_id', '?')}`, {draws} label draws per row, {time.time() - started:.0f} s."
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("\n".join(labels_page(intent, qqp_rows, need_rows, verdict, generated)) + "\n", "utf-8")
    return messages
