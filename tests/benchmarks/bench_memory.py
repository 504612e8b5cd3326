"""Benchmark: peak memory of `advisor cost` as a user runs it, on big and compressed logs.

    python -m tests.benchmarks.bench_memory [--calls 1000000] [--out docs/benchmarks-memory.md]

Makes a log with `advisor sample --calls N` (query texts included), writes it as CSV and
CSV.gz, and a gzip "bomb" (a ~2 MB .csv.gz that expands to 2 GiB), then runs each case as
its own `advisor cost ... --json` process under `/usr/bin/time -v` and reads "Maximum
resident set size". The goal (issue #19): every case under 1 GB, the bomb refused (exit 2)
or streamed, never read whole.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_MB = 1024
BOMB_BYTES = 2 * 1024**3


def _advisor(*args: str) -> list[str]:
    return [sys.executable, "-c", "from advisor.cli.main import main; main()", *args]


def measure(args: list[str]) -> dict:
    """Exit status, wall time and peak RSS (MB) of one `advisor` process."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *_advisor(*args)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    error = next((line for line in proc.stderr.splitlines() if line.startswith("Error: ")), "")
    return {
        "exit": proc.returncode,
        "seconds": seconds,
        "peak_mb": int(match.group(1)) / 1024 if match else float("nan"),
        "error": error,
    }


def write_bomb(path: Path) -> None:
    """A valid CSV header, then BOMB_BYTES of one repeated row: compresses ~1000:1."""
    row = b"2026-10-01T00:00:00Z,gpt-4o-mini,openai,100,20,c1,where is my order\n"
    block = row * (1024 * 1024 // len(row))
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"timestamp,model,provider,input_tokens,output_tokens,conversation_id,query\n")
        for _ in range(BOMB_BYTES // len(block)):
            out.write(block)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--out", default="docs/benchmarks-memory.md")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="advisor-bench-memory-") as tmp:
        folder = Path(tmp)
        log = folder / "calls.csv"
        subprocess.run(
            _advisor("sample", "--calls", str(opts.calls), "--out", str(log)), check=True, capture_output=True
        )
        gz = folder / "calls.csv.gz"
        with log.open("rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
            dst.writelines(src)
        bomb = folder / "bomb.csv.gz"
        write_bomb(bomb)
        sizes = {p.name: p.stat().st_size / 2**20 for p in (log, gz, bomb)}
        cases = [
            (f"csv, {opts.calls:,} calls", [str(log), "--json"]),
            (f"csv.gz, {opts.calls:,} calls", [str(gz), "--json"]),
            (f"csv.gz, {opts.calls:,} calls, --sample-fraction 0.1", [str(gz), "--json", "--sample-fraction", "0.1"]),
            ("gzip bomb (2 GiB of text), whole", [str(bomb), "--json"]),
            ("gzip bomb (2 GiB of text), --max-rows 100000", [str(bomb), "--json", "--max-rows", "100000"]),
        ]
        rows = [(name, measure(["cost", *args])) for name, args in cases]
    lines = [
        "# Benchmark: peak memory of `advisor cost`",
        "",
        f"Command: `python -m tests.benchmarks.bench_memory --calls {opts.calls}`",
        "",
        f"Machine: {platform.machine()}, CPython {platform.python_version()}, shared with other jobs while measured.",
        "",
        f"Files: calls.csv {sizes['calls.csv']:.0f} MB (`advisor sample`, query texts included), calls.csv.gz "
        f"{sizes['calls.csv.gz']:.0f} MB, bomb.csv.gz {sizes['bomb.csv.gz']:.1f} MB expanding to 2,048 MB. Each case is "
        "one `advisor cost FILE --json` process; peak memory is its maximum resident set size from "
        "`/usr/bin/time -v`.",
        "",
        f"| case | exit | time (s) | peak RSS (MB) | under {GOAL_MB:,} MB | message |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        ok = "yes" if r["peak_mb"] < GOAL_MB else "NO"
        message = r["error"].replace("|", "\\|")[:160] if r["error"] else ""
        lines.append(f"| {name} | {r['exit']} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} | {ok} | {message} |")
    Path(opts.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
