"""Benchmark: the sample generator (generate_log + writing CSV and truth) on N calls.

    python -m tests.benchmarks.bench_sample [--calls 100000 1000000] [--out docs/benchmarks/sample.md]

Each size runs in a fresh Python process so its peak RSS (resource.getrusage ru_maxrss) is
its own; the times exclude interpreter start-up and imports. Writes a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

_CASE = """
import json, resource, sys, time
from pathlib import Path
from advisor.lab.synthetic import generate_log, write_sample
n, folder = int(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
log = generate_log(n, seed=0)
t1 = time.perf_counter()
write_sample(log, folder / "log.csv")
t2 = time.perf_counter()
print(json.dumps({"calls": n, "generate_s": t1 - t0, "write_s": t2 - t1,
                  "csv_mb": (folder / "log.csv").stat().st_size / 2**20,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_case(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", _CASE, str(n), tmp], check=True, capture_output=True, text=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", default="docs/benchmarks/sample.md")
    args = parser.parse_args()
    rows = [run_case(n) for n in args.calls]
    lines = [
        "# Benchmark: sample generator",
        "",
        f"Command: `python -m tests.benchmarks.bench_sample --calls {' '.join(map(str, args.calls))}`",
        "",
        (
            f"Machine: {platform.machine()}, CPython {platform.python_version()}; each size in a fresh process "
            "(peak RSS includes the interpreter and imported libraries). Seed 0, 14 days, stable traffic."
        ),
        "",
        "| calls | generate_log (s) | write CSV + truth (s) | CSV (MB) | peak RSS (MB) | 1 M goal (< 60 s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = "yes" if r["generate_s"] < 60 else "no"
        lines.append(
            f"| {r['calls']:,} | {r['generate_s']:.2f} | {r['write_s']:.2f} | {r['csv_mb']:.1f} | "
            f"{r['peak_rss_mb']:,.0f} | {ok} |"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
