"""Where one process spends its CPU, stage by stage: what `--engine ray` leaves in the driver.

    python -m tests.benchmarks.bench_stages --calls 200000     # writes docs/benchmarks-scale-stages.md

`run_analysis` on a log from the synthetic generator behind `advisor sample`, twice in one fresh
process each: a cold vector cache (a fresh ADVISOR_HOME), then a warm one (the same home). Each
stage's CPU seconds are this process's (all threads, user + system) between the pipeline's
progress marks, so the numbers do not depend on how loaded the machine is as wall time does.
Embedding is the work Ray spreads over its actors (and the cache replay over its tasks); the
rest is what the driver does as one process would: Amdahl's serial part.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks-scale-stages.md"


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _phase(stage: str, done: int, total: int, current: str) -> str:
    """The phase a progress mark belongs to: before the analyzers, "ingest" (with prices and the
    cost model) and "embedding" (the distinct queries, spread over Ray's actors); then one phase
    per analyzer (its sub-stages, e.g. the cache's own embedding look-up, included); then the rest."""
    from advisor.analyzers import DEFAULT_ORDER

    if stage == "analyzers":
        names = [n for n in DEFAULT_ORDER if n != "capacity"] if total == len(DEFAULT_ORDER) - 1 else DEFAULT_ORDER
        return f"analyzer: {names[done]}" if done < total else "optimizer, recommendations, reports"
    if current.startswith("analyzer"):
        return current
    if stage.startswith("embedding"):
        return "embedding"
    return "optimizer, recommendations, reports" if stage == "optimizer" else stage


def task(log: str) -> dict:
    """CPU seconds of each phase (see _phase), in this process."""
    from advisor.core.config import Config
    from advisor.pipeline import run_analysis

    marks: list[tuple[str, float]] = [("imports and start", _cpu_s())]

    def progress(stage: str, done: int, total: int) -> None:
        phase = _phase(stage, done, total, marks[-1][0])
        if phase != marks[-1][0]:
            marks.append((phase, _cpu_s()))

    r = run_analysis([log], Config(), progress=progress)
    marks.append(("end", _cpu_s()))
    spent: dict[str, float] = {}
    for (stage, t0), (_, t1) in itertools.pairwise(marks):
        spent[stage] = spent.get(stage, 0.0) + t1 - t0
    return {
        "calls": r.log.n_calls,
        "stages": spent,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_task(log: Path, home: Path) -> dict:
    env = dict(os.environ, ADVISOR_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    cmd = [sys.executable, "-m", "tests.benchmarks.bench_stages", "--task", "--log", str(log)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"task failed: {proc.stderr.strip().splitlines()[-3:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rows(cold: dict, warm: dict) -> list[str]:
    """One row per stage (first-seen order), CPU seconds cold and warm, and the serial share."""
    names = list(dict.fromkeys([*cold["stages"], *warm["stages"]]))
    out = [
        f"| {n} | {cold['stages'].get(n, 0.0):,.1f} | {warm['stages'].get(n, 0.0):,.1f} |" for n in names if n != "end"
    ]
    for label, r in (("cold", cold), ("warm", warm)):
        total = sum(r["stages"].values())
        parallel = r["stages"].get("embedding", 0.0)
        out.append(
            f"| total, {label} cache: {total:,.1f} s ({1e6 * total / r['calls']:,.0f} µs a call), peak {r['peak_mb']:,.0f} MB | "
            f"embedding {parallel:,.1f} s | the rest {total - parallel:,.1f} s = {(total - parallel) / max(total, 1e-9):.0%} |"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.task:
        print(json.dumps(task(args.log)))
        return
    from advisor.embed.onnx_export import export_onnx
    from advisor.lab.synthetic import generate_log, write_sample

    export_onnx()  # once, before any measurement (ADVISOR_MODELS shares it with the tasks' homes)
    with tempfile.TemporaryDirectory() as tmp:
        log, home = Path(tmp) / "calls.csv", Path(tmp) / "home"
        write_sample(generate_log(args.calls, seed=0), log)
        cold, warm = run_task(log, home), run_task(log, home)
    command = "python -m tests.benchmarks.bench_stages " + " ".join(argv if argv is not None else sys.argv[1:])
    head = [
        "# Where one process spends its CPU, stage by stage (what `--engine ray` leaves in the driver)",
        "",
        f"Written by `{command.strip()}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "Method: tests/benchmarks/bench_stages.py. CPU seconds of the process (all threads) between the",
        'pipeline\'s progress marks. "ingest" includes prices and the cost model; "embedding" is the distinct',
        "queries' embedding, which `--engine ray` spreads over its actors; each analyzer's row is all of its work",
        "(the cache analyzer's includes its replay, which `--engine ray` runs in chunk tasks); the rest runs in",
        "the driver with either engine: Amdahl's serial part.",
        "",
        "| stage | CPU s, cold vector cache | CPU s, warm |",
        "|---|---|---|",
    ]
    text = rows(cold, warm)
    args.out.write_text("\n".join(head + text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
