"""Benchmark: the routing analyzer alone (embeddings precomputed) on generated logs, and how
close its estimates are to the generator's truth.

    advisor sample --calls 10000 --out /tmp/r/s10k.csv
    advisor sample --calls 100000 --out /tmp/r/s100k.csv
    python -m tests.benchmarks.bench_routing /tmp/r/s10k.csv /tmp/r/s100k.csv [--repeats 3] \
        [--out docs/benchmarks-routing.md]

Time: `analyze_routing` with an embedder that looks vectors up (MiniLM vectors computed once
and cached as .npy in --cache-dir), so the number is the analyzer's own work: classifier fits,
cross-validation, learning curve, segments. Median of --repeats runs in this process.

Accuracy, per cheaper candidate, against the `<log>.truth.calls.parquet` sidecar:
- AUC of the per-call P(good enough) against the realized truth (candidate's true score >= the
  served model's), on the calls without shadow labels (the ones the model had to predict);
- mean P(good enough) over all calls against the true routable share;
- the realized relative quality when the analyzer's own chosen share is routed in its order
  (the quality target is 0.95: realized at or above it means the claim holds).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np


def _fmt(v, f=".3f"):
    return "–" if v is None else format(v, f)


class LookupEmbedder:
    """Vectors computed beforehand, looked up by text: analyzer time without model time."""

    def __init__(self, texts: list[str], vectors: np.ndarray, model_id: str):
        self.index = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors
        self.model_id = model_id
        self.dim = vectors.shape[1]

    def encode(self, texts, progress=None) -> np.ndarray:
        return self.vectors[[self.index[t] for t in texts]]


def prepare(log_path: str, cache_dir: Path):
    from advisor.core.config import Config
    from advisor.core.schema import QUERY
    from advisor.cost.baseline import compute_baseline
    from advisor.ingest import load_log
    from advisor.lab.train.router_data import embed_cached
    from advisor.prices.catalog import load_prices

    config = Config(seed=0)
    log = load_log([log_path])
    prices = load_prices(config)
    baseline = compute_baseline(log, prices, config)
    texts = sorted(set(log.frame[QUERY].fillna("").astype(str)))
    vectors, model_id = embed_cached(texts, cache_dir)
    return config, log, prices, baseline, LookupEmbedder(texts, vectors, model_id)


def time_analyzer(config, log, prices, baseline, embedder, repeats: int):
    from advisor.analyzers import AnalysisContext
    from advisor.analyzers.routing.analyzer import analyze_routing

    times, cpu, findings = [], [], None
    for _ in range(repeats):
        ctx = AnalysisContext(config=config, prices=prices, embedder=embedder)
        t0, c0 = time.perf_counter(), time.process_time()
        findings = analyze_routing(log, baseline, ctx)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, findings


def accuracy_rows(log_path: str, log, findings) -> list[dict]:
    import pandas as pd

    from advisor.analyzers.routing.router.metrics import auc_score
    from advisor.core.schema import QUALITY_PREFIX

    sidecar = Path(str(log_path).rsplit(".csv", 1)[0] + ".truth.calls.parquet")  # advisor sample's naming
    if not sidecar.is_file():
        return []
    truth = pd.read_parquet(sidecar)
    # The sidecar is aligned with the file's rows; check ingest kept that order.
    assert (truth["conversation_id"].to_numpy() == log.frame["conversation_id"].astype(str).to_numpy()).all()
    served = truth[[c for c in truth.columns if c.startswith("quality_true__")]]
    rows = []
    for c in findings.candidates:
        if c.per_call_p_good_enough is None or f"routable__{c.model}" not in truth.columns:
            continue
        routable = truth[f"routable__{c.model}"].to_numpy(bool)
        unlabelled = (
            ~log.frame[QUALITY_PREFIX + c.model].notna().to_numpy()
            if QUALITY_PREFIX + c.model in log.frame
            else np.ones(len(truth), bool)
        )
        current = log.frame["quality"].to_numpy(float)
        cand_true = served[f"quality_true__{c.model}"].to_numpy(float)
        k = round(c.max_share_at_target * len(truth))
        new = current.copy()
        new[c.per_call_routable_order[:k]] = cand_true[c.per_call_routable_order[:k]]
        rows.append(
            {
                "model": c.model,
                "n_labelled": c.n_labelled,
                "auc_unlabelled": auc_score(c.per_call_p_good_enough[unlabelled], routable[unlabelled]),
                "mean_p": float(c.per_call_p_good_enough.mean()),
                "true_share": float(routable.mean()),
                "share": c.max_share_at_target,
                "realized_quality": float(new.sum() / current.sum()),
                "oof_auc": c.metrics.auc if c.metrics else None,
                "oof_ece": c.metrics.ece if c.metrics else None,
                "stable_at": c.learning.n_needed_for_stable_auc if c.learning else None,
            }
        )
    return rows


def main(argv=None) -> None:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "advisor-router-cache")
    ap.add_argument("--out", default="docs/benchmarks-routing.md")
    args = ap.parse_args(argv)

    command = (
        f"python -m tests.benchmarks.bench_routing {' '.join(Path(p).name for p in args.logs)} --repeats {args.repeats}"
    )
    intro = (
        f"Written by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs). Logs from `advisor sample --calls N` "
        "(seed 0). Embeddings precomputed (MiniLM), so the time is the analyzer's own work. CPU is the "
        "process's CPU time over all its threads (the candidates' fits and learning-curve draws run on "
        "one thread per core, each with one BLAS thread), so CPU above wall means the cores were shared "
        "out; wall time also counts waiting for other processes (see the load average)."
    )
    table = (
        "| calls | unique texts | labelled rows per candidate | unique labelled texts | analyzer wall (s, median) "
        "| analyzer CPU (s, median) | wall per run (s) | load average at start |"
    )
    lines = ["# Routing analyzer benchmark", "", intro, "", table, "|---:|---:|---:|---:|---:|---:|---|---:|"]
    truth_intro = (
        "AUC on unlabelled calls: per-call P(good enough) vs the realized truth (candidate's true score >= "
        "served model's). Realized quality: relative quality when the analyzer's chosen share is routed in "
        "its order, scored with the true outcomes (target 0.95)."
    )
    truth_table = (
        "| calls | candidate | labelled | out-of-fold AUC | out-of-fold ECE | AUC on unlabelled calls | mean P "
        "| true routable share | chosen share | realized quality | stable AUC at |"
    )
    acc_lines = [
        "",
        "## Estimates against the generator's truth",
        "",
        truth_intro,
        "",
        truth_table,
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path in args.logs:
        config, log, prices, baseline, embedder = prepare(path, args.cache_dir)
        load = os.getloadavg()[0]  # other processes on the machine: the wall time is only as good as this
        times, cpu, findings = time_analyzer(config, log, prices, baseline, embedder, args.repeats)
        labelled = [c.n_labelled for c in findings.candidates]
        from advisor.core.schema import QUALITY_PREFIX, QUERY

        cols = [c for c in log.frame.columns if c.startswith(QUALITY_PREFIX)]
        uniq_lab = log.frame.loc[log.frame[cols].notna().any(axis=1), QUERY].nunique() if cols else 0
        lines.append(
            f"| {log.n_calls:,} | {len(embedder.index):,} | {', '.join(map(str, labelled))} | {uniq_lab:,} | "
            f"{statistics.median(times):.2f} | {statistics.median(cpu):.2f} | {', '.join(f'{t:.2f}' for t in times)} | "
            f"{load:.1f} |"
        )
        for r in accuracy_rows(path, log, findings):
            acc_lines.append(
                f"| {log.n_calls:,} | {r['model']} | {r['n_labelled']:,} | {_fmt(r['oof_auc'])} | "
                f"{_fmt(r['oof_ece'])} | {_fmt(r['auc_unlabelled'])} | {r['mean_p']:.3f} | "
                f"{r['true_share']:.3f} | {r['share']:.3f} | {r['realized_quality']:.3f} | "
                f"{'–' if r['stable_at'] is None else r['stable_at']} |"
            )
        print(lines[-1], flush=True)
    text = "\n".join(lines + acc_lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
