"""Does the int8 ONNX embedder change advisor's answers? torch vs onnx, side by side.

    python -m tests.benchmarks.bench_onnx_default        # writes docs/benchmarks-onnx-default.md

Runs the whole analysis (`run_analysis`) twice on each stream, once per embedding back end,
cold vector cache each time, and compares what a user reads: the cache's chosen threshold,
its hit rate there, the precision estimate and net savings with their 95 % intervals, and the
routing savings with its interval. Streams:
- the shipped sample log (data/sample/customer_service.csv with its advisor.toml);
- a CLINC150 stream: the same sample's first 5,500 calls with their query texts replaced by
  CLINC150 test + out-of-scope test utterances in a seeded shuffle (data/clinc150, CC BY 3.0),
  so the cache replays real paraphrases.
A figure is "unchanged" when each back end's value lies inside the other's 95 % interval
(hit rates: inside the binomial sampling interval of the torch hit rate, 1.96·sqrt(p(1-p)/n)),
and the chosen threshold moves by at most one sweep step.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.config import load_config
from advisor.core.paths import data_dir
from advisor.lab.evaluate.cache_streams import clinc_stream
from advisor.pipeline import run_analysis

OUT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks-onnx-default.md"
BACKENDS = ("torch", "onnx")
REFERENCE_T = 0.9  # a threshold in every sweep, compared whether or not either run chose it


def clinc_log(dest: Path, n: int = 5_500, seed: int = 0) -> Path:
    """The sample log's first `n` calls, query texts replaced by a CLINC150 stream."""
    frame = pd.read_csv(data_dir() / "sample" / "customer_service.csv", nrows=n, dtype=str, keep_default_na=False)
    texts = clinc_stream(seed=seed)["text"].tolist()[: len(frame)]
    frame = frame.iloc[: len(texts)].copy()
    frame["query"] = texts
    frame.to_csv(dest, index=False)
    return dest


def measure(path: Path, backend: str, home: Path) -> dict:
    import os

    os.environ["ADVISOR_HOME"] = str(home)  # a fresh home: cold vector cache (the ONNX export is reused)
    config = load_config(data_dir() / "sample" / "advisor.toml").with_section("embedding", backend=backend)
    t0 = time.perf_counter()
    result = run_analysis([path], config)
    seconds = time.perf_counter() - t0
    cache, routing = result.findings["cache"], result.findings.get("routing")
    chosen = cache.chosen
    return {
        "seconds": seconds,
        "n": result.log.n_calls,
        "threshold": None if chosen is None else chosen.threshold,
        "step": _step(cache.thresholds),
        "hit_rate": None if chosen is None else chosen.hit_rate,
        "rates": {t.threshold: t.hit_rate for t in cache.thresholds},
        "precision": None if chosen is None else (chosen.estimated_precision, chosen.precision_interval),
        "precision_ref": next(
            (
                (x.estimated_precision, x.precision_interval)
                for x in cache.thresholds
                if abs(x.threshold - REFERENCE_T) < 1e-9
            ),
            None,
        ),
        "cache_savings": (cache.monthly_savings_usd, tuple(cache.savings_interval_usd)),
        "routing_savings": None
        if routing is None
        else (routing.monthly_savings_usd, tuple(routing.savings_interval_usd)),
        "model": cache.embedding_model,
    }


def _step(thresholds) -> float:
    ts = sorted(t.threshold for t in thresholds)
    return float(min(np.diff(ts), default=0.0)) if len(ts) > 1 else 0.0


def _inside(x: float | None, interval) -> bool:
    return x is not None and interval is not None and interval[0] - 1e-9 <= x <= interval[1] + 1e-9


def _both_inside(a, b) -> bool:
    """Each back end's point estimate inside the other's 95 % interval."""
    return a is not None and b is not None and _inside(a[0], b[1]) and _inside(b[0], a[1])


def _fmt(pair, digits: int = 3) -> str:
    if pair is None or pair[0] is None:
        return "–"
    x, (lo, hi) = pair[0], pair[1] or (math.nan, math.nan)
    return f"{x:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def _same_threshold(t: dict, o: dict) -> bool:
    """Both chose none (the cache does not pay at any threshold), or within one sweep step."""
    if t["threshold"] is None or o["threshold"] is None:
        return t["threshold"] is None and o["threshold"] is None
    return abs(t["threshold"] - o["threshold"]) <= t["step"] + 1e-9


def _sweep_check(t: dict, o: dict) -> tuple[str, str, str, bool]:
    """The hit rate at every swept threshold: the largest change against the torch rate's
    binomial sampling half-width there."""
    n = max(t["n"], 1)
    worst = (0.0, 0.0, None)  # (change / half-width, change, threshold)
    ok = True
    for k in sorted(set(t["rates"]) & set(o["rates"])):
        p = t["rates"][k]
        half = max(1.96 * math.sqrt(p * (1 - p) / n), 1.0 / n)  # at least one call
        change = abs(o["rates"][k] - p)
        ok &= change <= half
        if change / half >= worst[0]:
            worst = (change / half, change, k)
    label = f"hit rate over the sweep: the change, points, where it is largest against the sampling half-width (that share; n = {n:,})"
    return label, "–", f"{100 * worst[1]:.2f} at t = {worst[2]} ({worst[0]:.2f}×)", ok


def compare_rows(name: str, t: dict, o: dict) -> tuple[list[str], bool]:
    """Markdown rows for one stream and whether every figure is unchanged."""
    checks = [
        ("chosen threshold", f"{t['threshold']}", f"{o['threshold']}", _same_threshold(t, o)),
        _sweep_check(t, o),
        (
            "hit rate at the chosen threshold",
            "–" if t["hit_rate"] is None else f"{t['hit_rate']:.4f}",
            "–" if o["hit_rate"] is None else f"{o['hit_rate']:.4f}",
            True,  # informational: the sweep row above checks every threshold
        ),
        (
            "precision estimate at the chosen threshold [95 % interval]",
            _fmt(t["precision"]),
            _fmt(o["precision"]),
            _both_inside(t["precision"], o["precision"]) or (t["precision"] is None and o["precision"] is None),
        ),
        (
            f"precision estimate at t = {REFERENCE_T} [95 % interval]",
            _fmt(t["precision_ref"]),
            _fmt(o["precision_ref"]),
            _both_inside(t["precision_ref"], o["precision_ref"]),
        ),
        (
            "cache net savings, USD/month [95 %]",
            _fmt(t["cache_savings"], 0),
            _fmt(o["cache_savings"], 0),
            _both_inside(t["cache_savings"], o["cache_savings"]),
        ),
        (
            "routing savings, USD/month [95 %]",
            _fmt(t["routing_savings"], 0),
            _fmt(o["routing_savings"], 0),
            _both_inside(t["routing_savings"], o["routing_savings"]),
        ),
    ]
    rows = [f"| {name} | {m} | {a} | {b} | {'yes' if ok else '**no**'} |" for m, a, b, ok in checks]
    rows.append(
        f"| {name} | run_analysis wall time, s (loaded machine: noisy) | {t['seconds']:.1f} | {o['seconds']:.1f} | (informational) |"
    )
    return rows, all(ok for *_, ok in checks)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--clinc-calls", type=int, default=5_500)
    args = ap.parse_args(argv)
    rows, verdicts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        streams = [
            ("shipped sample", data_dir() / "sample" / "customer_service.csv"),
            ("CLINC150 stream", clinc_log(work / "clinc.csv", args.clinc_calls)),
        ]
        for name, path in streams:
            got = {b: measure(path, b, work / f"home-{name[:5]}-{b}") for b in BACKENDS}
            r, ok = compare_rows(name, got["torch"], got["onnx"])
            rows += r
            verdicts.append(ok)
            print(*r, sep="\n", flush=True)
    head = [
        "# ONNX int8 vs torch: advisor's answers side by side",
        "",
        f"Written by `python -m tests.benchmarks.bench_onnx_default` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        'Each row: the figure a user reads from `advisor analyze` with `[embedding] backend = "torch"` and',
        'with `"onnx"` (int8, advisor/embed/onnx_export.py), cold vector cache, same log and settings.',
        "Unchanged means: each back end's value inside the other's 95 % interval; hit rate within the torch",
        "rate's binomial sampling half-width; chosen threshold within one sweep step.",
        "",
        f"Every figure unchanged on every stream: **{'yes' if all(verdicts) else 'no'}**.",
        "",
        "| stream | figure | torch | onnx int8 | unchanged |",
        "|---|---|---|---|---|",
    ]
    args.out.write_text("\n".join(head + rows) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
