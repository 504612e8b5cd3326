"""Benchmark: analysing a log through a conversation sample (advisor.ingest.sampling) vs reading it whole.

    python -m tests.benchmarks.bench_sampling --rows 1000000 [--max-rows 100000] [--out docs/benchmarks-sampling.md]

Generates the seeded log of bench_ingest (conversation and user ids, 4 catalog models), writes
it as CSV and Parquet, then runs each case in a fresh Python process so that its peak RSS is
its own: `load_log` + cost model on the whole file, and `load_sampled_log` with `--max-rows`
and with a 10 % fraction + cost model. Reports time, peak memory, the sample fraction and how
far the sampled monthly API cost lands from the whole-log figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.bench_ingest import make_frame, peak_rss_mb


def run_case(case: str, path: str, max_rows: int) -> dict:
    """One measurement, in this (fresh) process."""
    from advisor.core.config import Config
    from advisor.cost.baseline import compute_baseline
    from advisor.prices.catalog import load_prices

    t0 = time.perf_counter()
    if case == "whole":
        from advisor.ingest import load_log

        log = load_log(path)
    else:
        from advisor.ingest.sampling import load_sampled_log

        kwargs = {"max_rows": max_rows} if case == "max_rows" else {"fraction": 0.1}
        log = load_sampled_log(path, seed=0, **kwargs)
    load_s = time.perf_counter() - t0
    config = Config(sections={"prices": {"as_of": "2026-11-20"}})
    baseline = compute_baseline(log, load_prices(config), config)
    return {
        "case": case,
        "rows": log.n_calls,
        "fraction": log.sample_fraction,
        "load_s": load_s,
        "total_s": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
        "api_cost_per_month_usd": float(baseline.api_cost_per_month_usd),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--max-rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("docs/benchmarks-sampling.md"))
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.path, args.max_rows)))
        return

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        frame = make_frame(args.rows)
        files = {"csv": Path(tmp) / "log.csv", "parquet": Path(tmp) / "log.parquet"}
        frame.to_csv(files["csv"], index=False)
        frame.to_parquet(files["parquet"], index=False)
        del frame
        gen_s = time.perf_counter() - t0
        sizes = {k: p.stat().st_size / 1e6 for k, p in files.items()}
        for fmt, path in files.items():
            for case in ("whole", "max_rows", "fraction"):
                out = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "tests.benchmarks.bench_sampling",
                        "--case",
                        case,
                        "--path",
                        str(path),
                        "--max-rows",
                        str(args.max_rows),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ},
                )
                results.append({"format": fmt, **json.loads(out.stdout.strip().splitlines()[-1])})
                print(results[-1], file=sys.stderr)

    lines = [
        "# Benchmark: analysis through a conversation sample",
        "",
        f"Command: `python -m tests.benchmarks.bench_sampling --rows {args.rows} --max-rows {args.max_rows}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs while measured), "
        f"CPython {platform.python_version()}.",
        "",
        f"Generated log (tests/benchmarks/bench_ingest.make_frame, seed 0): {args.rows:,} calls, "
        f"CSV {sizes['csv']:.0f} MB, Parquet {sizes['parquet']:.0f} MB (generation {gen_s:.1f} s, not counted).",
        "Each case runs in a fresh process; peak RSS is that process's maximum resident memory, interpreter",
        "and libraries included. `whole` is `load_log`; `max_rows` and `fraction` are",
        "`advisor.ingest.sampling.load_sampled_log` (streamed in chunks of 100,000 rows, whole conversations kept).",
        "All cases then run the cost model; the last column compares the sample's scaled monthly API cost",
        "with the whole log's.",
        "",
        "| format | case | rows kept | sample fraction | load (s) | load + cost (s) | peak RSS (MB) "
        "| API $/month | vs whole log |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    whole = {r["format"]: r["api_cost_per_month_usd"] for r in results if r["case"] == "whole"}
    for r in results:
        label = {"whole": "whole log", "max_rows": f"--max-rows {args.max_rows:,}", "fraction": "--sample-fraction 0.1"}
        diff = r["api_cost_per_month_usd"] / whole[r["format"]] - 1
        lines.append(
            f"| {r['format']} | {label[r['case']]} | {r['rows']:,} | {r['fraction']:.4f} | {r['load_s']:.2f} "
            f"| {r['total_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['api_cost_per_month_usd']:,.0f} "
            f"| {diff:+.2%} |"
        )
    peak = {(r["format"], r["case"]): r["peak_rss_mb"] for r in results}
    ratios = ", ".join(f"{fmt} {peak[(fmt, 'max_rows')] / peak[(fmt, 'whole')]:.2f}" for fmt in files)
    lines += [
        "",
        f"Peak RSS of the `--max-rows` sample / peak RSS of the whole log: {ratios}. By construction the",
        "sample holds at most `max_rows` rows plus one chunk, whatever the file's size; the whole log",
        "holds every row. Both read every row once, so time is not reduced.",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
