"""Benchmark: are two fresh full analyses, and a cold/warm embedding-cache pair, byte-identical?

    python -m tests.benchmarks.bench_determinism [--calls 2000] [--out docs/benchmarks-determinism.md]

Makes a log with `advisor sample`, then runs `advisor analyze LOG --json --no-store` (every
analyzer, the real embedding model) three times, each its own process: twice with a fresh,
empty ADVISOR_HOME (cold embedding cache) and once more on the first run's home (warm cache).
Compares the JSON outputs byte for byte and counts the values that differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def _flat(value, path: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _flat(item, f"{path}[{i}]", out)
    else:
        out[path] = value
    return out


def differing_values(a: str, b: str) -> int:
    x, y = _flat(json.loads(a)), _flat(json.loads(b))
    return sum(1 for key in x.keys() | y.keys() if x.get(key) != y.get(key))


def analyze(log: Path, home: Path) -> str:
    env = {**os.environ, "ADVISOR_HOME": str(home)}
    code = "from advisor.cli.main import main; main()"
    cmd = [sys.executable, "-c", code, "analyze", str(log), "--json", "--no-store"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--out", default="docs/benchmarks-determinism.md")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="advisor-bench-det-") as tmp:
        folder = Path(tmp)
        log = folder / "calls.csv"
        code = "from advisor.cli.main import main; main()"
        cmd = [sys.executable, "-c", code, "sample", "--calls", str(opts.calls), "--out", str(log), "--seed", "3"]
        subprocess.run(cmd, check=True, capture_output=True)
        cold_1 = analyze(log, folder / "home1")
        cold_2 = analyze(log, folder / "home2")
        warm_1 = analyze(log, folder / "home1")
    pairs = [("two fresh runs (cold cache each)", cold_1, cold_2), ("cold vs warm embedding cache", cold_1, warm_1)]
    lines = [
        "# Benchmark: byte-identical JSON across reruns",
        "",
        f"Command: `python -m tests.benchmarks.bench_determinism --calls {opts.calls}`",
        "",
        f"Log: `advisor sample --calls {opts.calls} --seed 3`. Each run is `advisor analyze LOG --json --no-store` "
        "(all analyzers, the bundled embedding model) in its own process.",
        "",
        "| pair | byte-identical | values that differ | JSON size (bytes) |",
        "|---|---|---|---|",
    ]
    for name, a, b in pairs:
        same = "yes" if a == b else "NO"
        lines.append(f"| {name} | {same} | {differing_values(a, b)} | {len(a.encode()):,} |")
    Path(opts.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
