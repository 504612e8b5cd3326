"""Benchmark: cache replay time for N unique queries after embedding, and index recall.

    python -m tests.benchmarks.bench_cache [--n 100000] [--out docs/benchmarks-cache.md]

Timing: N random L2-normalized 384-d vectors (MiniLM's size; random vectors are the worst
case for an inverted-file index, which has no clusters to exploit), replayed with a one-day
TTL over 14 days of arrivals and with no TTL. Recall: the faiss path against exact search
on the embedded CLINC150 utterances (23,700; needs the model, skipped with --no-recall).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from advisor.analyzers.cache_replay import replay


def random_unit(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def timed(fn):
    """(result, wall seconds); CPU seconds of the process go to the module-level CPU dict."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    CPU[id(out)] = time.process_time() - c
    return out, time.perf_counter() - t


CPU: dict[int, float] = {}


def recall_rows() -> list[str]:
    from advisor.embed import SentenceTransformerEmbedder
    from advisor.evaluate.cache_streams import clinc_frame

    df = clinc_frame().sample(frac=1.0, random_state=0)
    v = SentenceTransformerEmbedder().encode(df["text"].astype(str).tolist())
    exact, te = timed(lambda: replay(v))
    ann, ta = timed(lambda: replay(v, ann_above=0))
    has = exact.match_index >= 0
    same = (exact.match_index == ann.match_index) | (np.abs(exact.match_cosine - ann.match_cosine) < 1e-6)
    rows = [f"| CLINC150 all splits, {len(v):,} | exact {te:.1f} s, index {ta:.1f} s | recall@1 {same[has].mean():.3f} |"]
    for t in (0.75, 0.85, 0.95):
        rows.append(f"| hit rate at {t:.2f} | exact {np.mean(exact.match_cosine >= t):.4f} | "
                    f"index {np.mean(ann.match_cosine >= t):.4f} |")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--out", default="docs/benchmarks-cache.md")
    ap.add_argument("--no-recall", action="store_true")
    args = ap.parse_args(argv)
    v = random_unit(args.n)
    times = np.sort(np.random.default_rng(1).uniform(0, 14 * 86400, args.n))
    r_ttl, t_ttl = timed(lambda: replay(v, times_s=times, ttl_s=86_400.0))
    r_all, t_all = timed(lambda: replay(v))
    small = random_unit(20_000, seed=2)
    r_small, t_exact = timed(lambda: replay(small))
    load = os.getloadavg()
    lines = [
        "# Cache replay benchmark",
        "",
        f"`python -m tests.benchmarks.bench_cache --n {args.n}` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} during the run (the machine is shared, so",
        "these are upper bounds). Target (issue 3): 100,000 unique queries replayed in <= 30 s after embedding.",
        "",
        "| case | method | wall seconds | CPU seconds (all threads) |",
        "|---|---|---|---|",
        f"| {args.n:,} unique queries, TTL 1 day over 14 days | {r_ttl.method} | {t_ttl:.1f} | {CPU[id(r_ttl)]:.1f} |",
        f"| {args.n:,} unique queries, no TTL | {r_all.method} | {t_all:.1f} | {CPU[id(r_all)]:.1f} |",
        f"| 20,000 unique queries, no TTL | exact (blocked matrix products) | {t_exact:.1f} | {CPU[id(r_small)]:.1f} |",
        "",
        "On an idle 2-core machine the wall time is about the CPU time divided by the cores in use;",
        "on this shared one the wall time mostly measures the other jobs.",
        "",
        "Above 30,000 cacheable calls the replay uses a faiss inverted-file index (2*sqrt(n) lists,",
        "4 probed; install the `ann` extra), below it exact blocked search.",
    ]
    if not args.no_recall:
        lines += ["", "## Index vs exact on real embeddings", "", "| data | time | result |", "|---|---|---|",
                  *recall_rows()]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
