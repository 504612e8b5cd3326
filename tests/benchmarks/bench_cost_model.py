"""Benchmark: price and roll up N generated calls with compute_baseline (no ingest).

    python -m tests.benchmarks.bench_cost_model [--calls 1000000] [--out docs/benchmarks/cost_model.md]

Builds a QueryLog frame in memory (seeded; plain string columns, as ingest produces), then
times `load_prices` + `compute_baseline` and reports the process's peak resident memory
before and after the step (the difference is what pricing adds on top of the log).
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.prices.catalog import load_prices

MODELS = [
    ("gpt-4o-mini", "openai"),
    ("gpt-4o", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("gemini-2.5-pro", "google"),
]


def make_log(n: int, seed: int = 0) -> S.QueryLog:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(MODELS), n)
    start = pd.Timestamp("2026-11-01", tz="UTC")
    ts = start + pd.to_timedelta(np.sort(rng.uniform(0, 14 * 86400, n)), unit="s")
    inp = rng.integers(300, 8000, n)
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: ts,
            S.MODEL: np.array([m for m, _ in MODELS], dtype=object)[pick],
            S.PROVIDER: np.array([p for _, p in MODELS], dtype=object)[pick],
            S.INPUT_TOKENS: inp,
            S.OUTPUT_TOKENS: rng.integers(20, 800, n),
            S.CACHED_INPUT_TOKENS: (inp * rng.uniform(0, 0.5, n)).astype(np.int64),
            S.IS_BATCH: rng.random(n) < 0.1,
            S.CONVERSATION_ID: rng.integers(0, n // 6 + 1, n).astype(str).astype(object),
            S.USER_ID: rng.integers(0, n // 50 + 1, n).astype(str).astype(object),
            S.BUSINESS_UNIT: (rng.random(n) < 0.15).astype(float),
        }
    )
    return S.QueryLog(frame=frame, sources=("generated",))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--out", default="docs/benchmarks/cost_model.md")
    args = ap.parse_args()
    log = make_log(args.calls)
    config = Config(sections={"prices": {"as_of": "2026-11-20"}})
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB -> MB on Linux
    t0 = time.perf_counter()
    baseline = compute_baseline(log, load_prices(config), config)
    seconds = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = (
        "# Benchmark: baseline cost model\n\n"
        f"Command: `python -m tests.benchmarks.bench_cost_model --calls {args.calls}`\n\n"
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        "2 shared cores.\n\n"
        "| calls | load_prices + compute_baseline (s) | peak RSS with the log built (MB) "
        "| peak RSS after pricing (MB) | API cost / month (USD) |\n"
        "|---|---|---|---|---|\n"
        f"| {args.calls:,} | {seconds:.2f} | {rss_before:.0f} | {rss_after:.0f} | "
        f"{baseline.api_cost_per_month_usd:,.0f} |\n\n"
        "The log is generated in memory (4 catalog models with tiers, cached tokens, 10 % batch\n"
        "calls, conversation and user ids); ingest is not part of this figure.\n"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
