"""BenchSettings -> BenchReport: generate logs, run each measurement in a fresh process, keep medians.

Every measurement runs in its own `python -m advisor.lab.bench.worker` process with its own
ADVISOR_HOME (so the embedding cache starts cold and peak RSS is the measurement's own).
Ratios are taken within one repeat (the end-to-end run and the embedding-only run of the
same repeat, back to back) and the median over repeats is reported: the machine is shared
and noisy, so a ratio of medians from different moments would mix loads.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.core.errors import AdvisorError, ConfigError

DEFAULT_THRESHOLDS = (0.75, 0.80, 0.85, 0.90, 0.95)


@dataclass(frozen=True)
class BenchSettings:
    sizes: tuple[int, ...] = (10_000, 100_000)
    repeats: int = 3
    embedder: str = "minilm"
    batch_size: int = 64
    seed: int = 0
    threshold: float = 0.80
    gptcache_calls: int = 2_000  # GPTCache's loop is slow; its stream is the first N cacheable calls
    onnx: bool = True  # the ONNX int8 vs torch fp32 row (needs the onnx extra)
    onnx_texts: int = 2_000
    ann_sizes: tuple[int, ...] = (200_000,)
    ann_exact_max: int = 200_000  # sizes above this skip the full exact replay (n² work)
    ann_recall_sample: int = 1_000
    analyzers: tuple[str, ...] = ("cache", "routing", "batch", "prompt", "capacity")
    # Logs above this many calls are measured once (a 1M-call log takes minutes per run).
    single_run_above: int = 200_000

    def repeats_for(self, n_calls: int) -> int:
        return 1 if n_calls > self.single_run_above else self.repeats

    def validate(self) -> BenchSettings:
        if (not self.sizes and not self.ann_sizes) or any(not isinstance(n, int) or n < 100 for n in self.sizes):
            raise ConfigError.setting("sizes", "a comma-separated list of integers >= 100", list(self.sizes))
        if self.repeats < 1:
            raise ConfigError.setting("repeats", "an integer >= 1", self.repeats)
        if any(n < 1000 for n in self.ann_sizes):
            raise ConfigError.setting("ann_sizes", "integers >= 1000 (or none)", list(self.ann_sizes))
        from advisor.analyzers import DEFAULT_ORDER

        bad = [a for a in self.analyzers if a not in DEFAULT_ORDER]
        if bad or not self.analyzers:
            raise ConfigError.setting(
                "analyzers", f"a comma-separated list drawn from {','.join(DEFAULT_ORDER)}", bad[0] if bad else ""
            )
        if not 0 < self.threshold < 1:
            raise ConfigError.setting("threshold", "a cosine in (0, 1)", self.threshold)
        return self


@dataclass(frozen=True)
class BenchReport:
    settings: BenchSettings
    machine: dict[str, Any]
    sizes: list[dict[str, Any]] = field(default_factory=list)  # per log size: medians + ratios
    gptcache: dict[str, Any] | None = None
    onnx: dict[str, Any] | None = None
    ann: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_worker(task: dict[str, Any], home: Path) -> dict[str, Any]:
    env = dict(
        os.environ, ADVISOR_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false"
    )
    home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "advisor.lab.bench.worker"],
        input=json.dumps(task),
        capture_output=True,
        text=True,
        env=env,
        check=False,  # a failing task is reported below with the tail of its stderr
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise AdvisorError(f"benchmark task '{task['task']}' failed: {' | '.join(tail)}")
    return json.loads(proc.stdout)


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _bench_size(n: int, s: BenchSettings, work: Path, note: Callable[[str], None]) -> dict[str, Any]:
    from advisor.lab.synthetic import generate_log, write_sample

    log = work / f"log_{n}.csv"
    write_sample(generate_log(n, seed=s.seed), log)
    runs, embeds, ratios, ratios_encode, ratios_own = [], [], [], [], []
    repeats = s.repeats_for(n)
    for r in range(repeats):
        texts = work / f"texts_{n}_{r}.json"
        note(f"{n:,} calls, repeat {r + 1}/{repeats}: advisor analyze")
        a = run_worker(
            {
                "task": "analyze",
                "log": str(log),
                "embedder": s.embedder,
                "batch_size": s.batch_size,
                "analyzers": list(s.analyzers),
                "texts_out": str(texts),
            },
            work / f"home_a_{n}_{r}",
        )
        note(f"{n:,} calls, repeat {r + 1}/{repeats}: embedding the same {a['unique_texts']:,} texts alone")
        e = run_worker(
            {"task": "embed", "texts": str(texts), "embedder": s.embedder, "batch_size": s.batch_size},
            work / f"home_e_{n}_{r}",
        )
        runs.append(a)
        embeds.append(e)
        ratios.append(a["total_s"] / e["total_s"])
        ratios_encode.append(a["total_s"] / e["encode_s"])
        # What the stages other than embedding add, against advisor's own embedding in that run.
        ratios_own.append(a["total_s"] / a["embedding_s"])
    stage_names = [row["stage"] for row in runs[0]["stages"]]
    stages = []
    for name in stage_names:
        rows = [
            next(x for x in run["stages"] if x["stage"] == name)
            for run in runs
            if any(x["stage"] == name for x in run["stages"])
        ]
        rss = [x["peak_rss_mb"] for x in rows if x["peak_rss_mb"] is not None]
        stages.append(
            {
                "stage": name,
                "seconds": _median([x["seconds"] for x in rows]),
                "peak_rss_mb": _median(rss) if rss else None,
            }
        )
    analyze_s = _median([x["total_s"] for x in runs])
    return {
        "n_calls": n,
        "repeats": repeats,
        "unique_texts": runs[0]["unique_texts"],
        "analyze_s": analyze_s,
        "ms_per_unique_text": 1000 * analyze_s / max(runs[0]["unique_texts"], 1),
        "ms_per_call": 1000 * analyze_s / n,
        "analyze_peak_rss_mb": _median([x["peak_rss_mb"] for x in runs]),
        "embed_alone_s": _median([x["total_s"] for x in embeds]),
        "embed_load_s": _median([x["load_s"] for x in embeds]),
        "embed_encode_s": _median([x["encode_s"] for x in embeds]),
        "texts_per_s": _median([x["texts_per_s"] for x in embeds]),
        "embed_peak_rss_mb": _median([x["peak_rss_mb"] for x in embeds]),
        "ratio": _median(ratios),
        "ratio_vs_encode_only": _median(ratios_encode),
        "ratios": ratios,
        "ratio_vs_own_embedding": _median(ratios_own),
        "embedding_in_run_s": _median([x["embedding_s"] for x in runs]),
        "stages": stages,
        "analyzers_run": runs[0]["analyzers_run"],
        "warnings": runs[0]["warnings"],
    }


def run_benchmarks(s: BenchSettings, progress: Callable[[str], None] | None = None) -> BenchReport:
    s = s.validate()
    note = progress or (lambda msg: None)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    gptcache = onnx = None
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        work = Path(tmp)
        shared_home = work / "home_shared"  # vectors reused by the gptcache and onnx rows
        sizes = _with_growth([_bench_size(n, s, work, note) for n in s.sizes])
        if s.sizes:
            gptcache, onnx = _bench_logs(s, work, shared_home, note, notes)
        ann = []
        for n in s.ann_sizes:
            note(f"ANN vs exact replay on {n:,} vectors")
            ann.append(
                run_worker(
                    {
                        "task": "ann",
                        "n": n,
                        "seed": s.seed,
                        "threshold": s.threshold,
                        "exact_max": s.ann_exact_max,
                        "recall_sample": s.ann_recall_sample,
                    },
                    shared_home,
                )
            )
    return BenchReport(settings=s, machine=machine, sizes=sizes, gptcache=gptcache, onnx=onnx, ann=ann, notes=notes)


def _with_growth(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each size's growth over the previous one: time and memory ratios beside the ratio of unique
    texts (near-linear growth means the time ratio is close to the unique-text ratio)."""
    out, prev = [], None
    for size in sorted(sizes, key=lambda x: x["n_calls"]):
        size = dict(size)
        if prev is not None:
            size["growth"] = {
                "calls": size["n_calls"] / prev["n_calls"],
                "unique_texts": size["unique_texts"] / max(prev["unique_texts"], 1),
                "analyze_time": size["analyze_s"] / prev["analyze_s"],
                "peak_rss": size["analyze_peak_rss_mb"] / prev["analyze_peak_rss_mb"],
            }
        out.append(size)
        prev = size
    return out


def _stream_log_calls(s: BenchSettings) -> int:
    """Size of the generated log the GPTCache and ONNX rows draw their stream from: the largest one
    measured with repeats (they use only its first few thousand cacheable calls)."""
    small = [n for n in s.sizes if n <= s.single_run_above]
    return max(small) if small else min(s.sizes)


def _bench_logs(
    s: BenchSettings, work: Path, shared_home: Path, note: Callable[[str], None], notes: list[str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The rows that need a generated log: GPTCache comparison and ONNX vs torch."""
    log_calls = _stream_log_calls(s)
    big_log = work / f"log_{log_calls}.csv"
    note(f"cache replay vs GPTCache on the first {s.gptcache_calls:,} cacheable calls")
    g = [
        run_worker(
            {
                "task": "gptcache",
                "log": str(big_log),
                "limit": s.gptcache_calls,
                "embedder": s.embedder,
                "batch_size": s.batch_size,
                "threshold": s.threshold,
                "workdir": str(work / f"gpt{r}"),
            },
            shared_home,
        )
        for r in range(s.repeats)
    ]
    onnx = None
    if s.onnx:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            notes.append("ONNX row skipped: onnxruntime is not installed (pip install 'advisor[onnx]').")
        else:
            note("ONNX int8 vs torch fp32")
            o = [
                run_worker(
                    {
                        "task": "onnx",
                        "log": str(big_log),
                        "batch_size": s.batch_size,
                        "max_texts": s.onnx_texts,
                        "thresholds": list(DEFAULT_THRESHOLDS),
                        "ttl_s": 86_400.0,
                    },
                    shared_home,
                )
                for _ in range(s.repeats)
            ]
            onnx = dict(_median_onnx(o), log_calls=log_calls)
    return dict(_median_gptcache(g), log_calls=log_calls), onnx


def _median_gptcache(runs: list[dict]) -> dict:
    out = dict(runs[0])
    out["advisor_s"] = _median([r["advisor_s"] for r in runs])
    if "gptcache_s" in runs[0]:
        out["gptcache_s"] = _median([r["gptcache_s"] for r in runs])
        out["speedup"] = _median([r["gptcache_s"] / r["advisor_s"] for r in runs])
        out["agreement"] = min(r["agreement"] for r in runs)
    return out


def _median_onnx(runs: list[dict]) -> dict:
    out = dict(runs[0])
    out["rates"] = {k: _median([r["rates"][k] for r in runs]) for k in runs[0]["rates"]}
    out["speedup"] = _median([r["speedup_in_process"] for r in runs])
    # Worst repeat: the hit-rate change must hold every time, not on average.
    out["max_change_points"] = {
        k: max(abs(r["max_change_points"][k]) for r in runs) for k in runs[0]["max_change_points"]
    }
    out["worst_change_points"] = max(out["max_change_points"].values())
    return out
