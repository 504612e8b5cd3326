"""Benchmark: does the cache's precision estimate gain from logged answers and labels, and do
`advisor analyze` and `advisor evaluate cache` give the same estimate? (issue #23)

    python -m tests.benchmarks.cache_responses [--out docs/cache-responses.md] [--calls 20000]

Logs: the shipped sample (`generate_log(20000, seed=0)`, no answers; checked against
data/sample/customer_service.csv), the same log with generated answers
(advisor/lab/synthetic/responses.py), a second generated log with answers (seed 1), and one
with 30 % out-of-scope openings (seed 2), whose near-miss questions make wrong matches common.
Truth: the generator's answer class of each call (responses.answer_classes): a cached answer is
right when the call and its match share a class.

For each log, the cacheable calls (first turns with text) are the stream. 100 pairs are chosen
exactly as `advisor cache label` chooses them (labels.pairs_for_labelling), written to a pairs
CSV with `same` filled in from the truth, and read back as `--pair-labels` reads them. Then,
with and without the labels and with and without the answer column:
  - `analyze`: the cache analyzer (analyze_cache) on the log, [cache] ttl_s = 10^10 s so
    that no entry expires (the stream replay has no TTL);
  - `evaluate`: evaluate_matches on the replayed stream with the same pair labels; it also
    gives the true precision per threshold.
Reported over thresholds 0.75-0.95: the worst |estimated - true precision| of analyze, how
many thresholds' 95 % intervals hold the truth, the largest |analyze - evaluate| difference
in the estimate, and the AUCs the estimator measured on the labelled pairs (question vs answer
cosine), which decide whether the answers are used.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import numpy as np

from advisor.analyzers import AnalysisContext
from advisor.analyzers.cache.analyzer import analyze_cache
from advisor.analyzers.cache.labels import load_pair_labels, pairs_for_labelling, write_pairs
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.lab.evaluate.cache import evaluate_matches, replay_stream
from advisor.lab.synthetic import generate_log
from advisor.lab.synthetic.responses import answer_classes, with_responses
from advisor.prices.catalog import load_prices

THRESHOLDS = (0.75, 0.95)
N_LABELS = 100
CONFIG = Config(sections={"cache": {"ttl_s": 1e10}})
_AUC = re.compile(r"AUC (\d\.\d+) vs (\d\.\d+)")


def _label_pairs(log, classes: np.ndarray, embedder, folder: Path) -> object:
    """`advisor cache label`'s 100 pairs, `same` filled in from the truth, read back as analyze reads them."""
    rows = pairs_for_labelling(log, CONFIG, embedder, n=N_LABELS, seed=0)
    opening = (log.frame[S.TURN].to_numpy() == 1) & log.frame[S.QUERY].notna().to_numpy()
    by_conv = dict(zip(log.frame[S.CONVERSATION_ID].to_numpy()[opening], classes[opening]))
    for row in rows:
        a, b = (by_conv[str(row[k]).rsplit(" ", 1)[-1]] for k in ("call_a", "call_b"))
        row["same"] = "1" if a == b else "0"
    path = folder / "pairs.csv"
    write_pairs(path, rows)
    return load_pair_labels(path)


def _in_range(rows) -> list:
    return [t for t in rows if THRESHOLDS[0] - 1e-9 <= t.threshold <= THRESHOLDS[1] + 1e-9]


def _measure(log, classes, embedder, labels, responses: bool) -> dict:
    """One cell: analyze and evaluate on the same stream, with or without labels and answers."""
    frame = log.frame if responses else log.frame.drop(columns=[S.RESPONSE], errors="ignore")
    qlog = S.QueryLog(frame=frame, sources=log.sources)
    prices = load_prices(CONFIG)
    ctx = AnalysisContext(config=CONFIG, prices=prices, embedder=embedder, cache_pair_labels=labels)
    found = analyze_cache(qlog, compute_baseline(qlog, prices, CONFIG), ctx)
    rows = np.flatnonzero(cacheable_mask(frame, CacheSettings()))
    texts = frame[S.QUERY].iloc[rows].astype(str).tolist()
    answers = frame[S.RESPONSE].iloc[rows].tolist() if S.RESPONSE in frame else None
    m = replay_stream(texts, embedder, responses=answers)
    ev = evaluate_matches(m, classes[rows], encode=embedder.encode, pair_labels=labels)
    by_t = {t.threshold: t for t in found.thresholds}
    est, truth = _in_range(ev.thresholds), []
    worst, covered, gap, hit_gap = 0.0, 0, 0.0, 0
    for e in est:
        a = by_t[e.threshold]
        truth.append(e.true_precision)
        worst = max(worst, abs(a.estimated_precision - e.true_precision))
        lo, hi = a.precision_interval
        covered += int(lo <= e.true_precision <= hi)
        gap = max(gap, abs(a.estimated_precision - e.estimated_precision))
        hit_gap = max(hit_gap, abs(a.hits - e.hits))
    aucs = next((_AUC.search(w).groups() for w in found.warnings if _AUC.search(w)), None)
    used = any(w.startswith("logged answers used") for w in found.warnings)
    return {
        "worst": worst,
        "covered": f"{covered}/{len(est)}",
        "covered_n": covered,
        "gap": gap,
        "hit_gap": hit_gap,
        "chosen": None if found.chosen is None else found.chosen.threshold,
        "auc": aucs,
        "answers_used": used,
    }


def _logs(n_calls: int):
    """(name, SampleLog with a response column or not)."""
    shipped = generate_log(n_calls, seed=0)
    if n_calls == 20_000:  # the shipped file is this log: check, so the table is about what ships
        import pandas as pd

        from advisor.core.paths import data_dir

        shipped_csv = pd.read_csv(data_dir() / "sample" / "customer_service.csv", dtype=str)
        assert shipped_csv["query"].fillna("").tolist() == shipped.frame[S.QUERY].fillna("").tolist()
    yield "shipped sample (no answers)", shipped
    yield "shipped sample + generated answers", with_responses(shipped)
    yield "generated log, seed 1, with answers", with_responses(generate_log(n_calls, seed=1))
    # More near-miss questions: 30 % of openings out of scope (each its own answer class).
    yield (
        "seed 2, 30 % out-of-scope openings, with answers",
        with_responses(generate_log(n_calls, seed=2, oos_share=0.3)),
    )


def run(n_calls: int, embedder) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, sample in _logs(n_calls):
            log = S.QueryLog(frame=sample.frame, sources=(f"{name}.csv",))
            classes = answer_classes(sample.truth)
            labels = _label_pairs(log, classes, embedder, Path(tmp))
            has_answers = S.RESPONSE in sample.frame
            for responses in (False, True) if has_answers else (False,):
                for n in (0, N_LABELS):
                    cell = _measure(log, classes, embedder, labels if n else None, responses)
                    wrong = int((~labels.same).sum()) if n else 0
                    out.append({"log": name, "answers": responses, "labels": n, "wrong": wrong, **cell})
                    print(out[-1], flush=True)
    return out


def _table(rows: list[dict]) -> str:
    lines = [
        "| log | answer column | labels (wrong) | worst \\|est − true\\| | intervals holding the truth | "
        "max \\|analyze − evaluate\\| | hits differ by | AUC questions / answers | answers used | chosen |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        auc = "—" if r["auc"] is None else f"{r['auc'][1]} / {r['auc'][0]}"
        chosen = "none" if r["chosen"] is None else f"{r['chosen']:.2f}"
        lines.append(
            f"| {r['log']} | {'yes' if r['answers'] else 'no'} | {r['labels']} ({r['wrong']}) | {r['worst']:.4f} | {r['covered']} | "
            f"{r['gap']:.1e} | {r['hit_gap']} | {auc} | {'yes' if r['answers_used'] else 'no'} | {chosen} |"
        )
    return "\n".join(lines)


def _verdicts(rows: list[dict]) -> list[str]:
    out = []
    by = {(r["log"], r["answers"], r["labels"]): r for r in rows}
    for (log, answers, n), r in by.items():
        if answers and (log, False, n) in by:
            off = by[log, False, n]
            ok = r["worst"] <= off["worst"] + 1e-12
            out.append(
                f"- {log}, {n} labels: worst error with answers {r['worst']:.4f} vs without {off['worst']:.4f} — "
                f"{'no worse (met)' if ok else 'WORSE (not met)'}."
            )
        if n == N_LABELS and (log, answers, 0) in by:
            zero = by[log, answers, 0]
            ok = r["covered_n"] >= zero["covered_n"]
            out.append(
                f"- {log}, answers {'on' if answers else 'off'}: coverage with {N_LABELS} labels {r['covered']} vs "
                f"without {zero['covered']} — {'not shrunk away from the truth (met)' if ok else 'LOST COVERAGE (not met)'}."
            )
    cells = [r for r in rows if r["answers"] and r["labels"]]
    measured = [f"{r['log']}: questions {r['auc'][1]}, answers {r['auc'][0]}" for r in cells if r["auc"]]
    out.append(
        f"- Answers used in {sum(r['answers_used'] for r in cells)} of {len(cells)} labelled runs with an answer "
        "column. An AUC needs 5 wrong labelled pairs; "
        + (f"where there were enough, the AUCs were ({'; '.join(measured)})." if measured else "no run had enough.")
    )
    gap = max(r["gap"] for r in rows)
    out.append(
        f"- analyze vs evaluate, largest difference in any estimate: {gap:.1e} — "
        f"{'the same to 1e-9 (met)' if gap <= 1e-9 else 'DIFFERENT (not met)'}."
    )
    return out


def write_doc(rows: list[dict], path: Path, n_calls: int) -> None:
    text = f"""# Cache precision with logged answers and labels

Produced by `python -m tests.benchmarks.cache_responses` ({n_calls:,}-call logs, bundled MiniLM
embedder, default [cache] settings except `ttl_s` = 10^10 s so the analyzer's cache never expires
like the stream replay's). Method: tests/benchmarks/cache_responses.py. Errors and coverage are
over the thresholds {THRESHOLDS[0]:.2f}–{THRESHOLDS[1]:.2f}; truth is the generator's answer class
(advisor/lab/synthetic/responses.py); the {N_LABELS} labels are the pairs `advisor cache label`
chooses, filled in from the truth. AUCs are measured by the estimator on the labelled pairs that
carry both answers (at least 5 right and 5 wrong pairs are needed): the answers are used only when
theirs is higher. "labels (wrong)": how many of the labelled pairs are wrong matches.

{_table(rows)}

Done-when checks (issue #23):

{chr(10).join(_verdicts(rows))}
"""
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/cache-responses.md"))
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    from advisor.embed import default_embedder

    rows = run(args.calls, default_embedder(CONFIG))
    write_doc(rows, args.out, args.calls)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
