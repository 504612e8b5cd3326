"""`advisor analyze --engine ray`: the same pipeline, its parallel stages on a Ray cluster.

    analyze_on_ray(paths, config, address=None, num_cpus=None, model_path=None, **run_kwargs) -> AnalysisResult

`ray.init()` without an address starts a local cluster (of `num_cpus` CPUs, default all);
`address` (--ray-address) joins a running one, whose workers need advisor installed. Ray is
imported inside these functions only, so nothing of it loads without `--engine ray`.

What runs on Ray, and what stays in the driver (advisor/pipeline.py, unchanged otherwise):
- ingest: each input file is read and parsed by its own task (several files or a folder of
  shards read side by side); validation and the merge stay in the driver, so errors and
  warnings are the single-process ones;
- embedding: the distinct query texts go through Ray Data `map_batches` over an actor pool
  of one-CPU actors, each writing the shared on-disk vector cache (advisor/engine/ray_embed.py);
- the cache replay: TTL-overlapping time chunks replayed by parallel tasks, the serial answer
  wherever both search exactly (advisor/engine/chunked_replay.py, where it also says when it
  falls back to one replay); the cache analyzer hands over its call texts, so the driver embeds (looks up) one
  vector per distinct text and puts those and one int64 per call in the object store once, and
  each task gathers its own rows: no per-call vector matrix in the driver;
- cost model, routing, batch, prompt, capacity, optimizer, recommendations and reports: in the
  driver, as in one process (not distributed yet; their CPU share: docs/benchmarks-scale-stages.md
  and docs/benchmarks-scale-ray-cpu.md).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.core.errors import AdvisorError
from advisor.engine.chunked_replay import Chunk, chunked_replay, chunked_replay_texts, replay_chunk
from advisor.engine.ray_embed import RayEmbedder, peak_rss_mb, process_cpu_s
from advisor.pipeline import EngineHooks, run_analysis

if TYPE_CHECKING:
    from advisor.core.config import Config
    from advisor.result.analysis_result import AnalysisResult

# Environment the workers need to find the same vector cache, ONNX export and code.
_ENV_VARS = ("ADVISOR_HOME", "ADVISOR_MODELS", "PYTHONPATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def start_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Connect to `address`, or start a local cluster; True when this call started Ray."""
    import ray

    if ray.is_initialized():
        return False
    env = {k: os.environ[k] for k in _ENV_VARS if k in os.environ}
    kw: dict[str, Any] = {"runtime_env": {"env_vars": env}, "log_to_driver": False, "include_dashboard": False}
    if address:
        ray.init(address=address, **kw)
    else:
        ray.init(num_cpus=num_cpus, **kw)
    return True


def cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _call(fn: Callable[[Any], Any], item: Any) -> tuple[bool, Any]:
    """fn(item) in a task; a user's error comes back as a value so the driver raises it as is
    (its one-line message), not wrapped in a Ray traceback."""
    try:
        return True, fn(item)
    except AdvisorError as exc:
        return False, exc


def ray_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """`map(fn, items)` with one Ray task per item, results in order."""
    import ray

    task = ray.remote(num_cpus=1)(_call)
    out = []
    for ok, value in ray.get([task.remote(fn, x) for x in items]):
        if not ok:
            raise value
        out.append(value)
    return out


def ray_run_chunks(
    vectors: np.ndarray,
    times_s: np.ndarray,
    ttl_s: float,
    chunks: list[Chunk],
    use_threshold: float,
    seed: int,
    *,
    inverse: np.ndarray | None = None,
    index: Any = None,
    tally: WorkerTally | None = None,
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Every replay chunk as its own task; the vectors (and `inverse`) go to the object store once.
    `tally` adds up the tasks' CPU seconds and keeps their largest peak RSS."""
    import ray

    v_ref, t_ref = ray.put(vectors), ray.put(times_s)
    i_ref: Any = None if inverse is None else ray.put(inverse)
    task = ray.remote(num_cpus=1)(_replay_chunk)
    out = []
    for answer, cpu_s, peak_mb in ray.get(
        [task.remote(v_ref, t_ref, i_ref, ttl_s, c, (use_threshold, seed, index)) for c in chunks]
    ):
        out.append(answer)
        if tally is not None:
            tally.cpu_s += cpu_s
            tally.peak_mb = max(tally.peak_mb, peak_mb)
    return out


@dataclass
class WorkerTally:
    """What the replay tasks used: CPU seconds (summed) and the largest worker peak RSS (MB)."""

    cpu_s: float = 0.0
    peak_mb: float = 0.0


def _replay_chunk(
    vectors: np.ndarray,
    times_s: np.ndarray,
    inverse: np.ndarray | None,
    ttl_s: float,
    chunk: Chunk,
    search: tuple[float, int, Any],
) -> tuple[tuple[np.ndarray, np.ndarray, str], float, float]:
    """replay_chunk as a Ray task (arrays as top-level arguments, which Ray reads zero-copy from
    the object store; `search` = use_threshold, seed, index settings), with its CPU seconds and
    its worker's peak RSS so far."""
    use_threshold, seed, index = search
    start = process_cpu_s()
    answer = replay_chunk(vectors, times_s, ttl_s, chunk, use_threshold, seed, inverse=inverse, index=index)
    return answer, process_cpu_s() - start, peak_rss_mb()


def ray_hooks(cpus: int, tally: WorkerTally | None = None) -> EngineHooks:
    """The pipeline's parallel stages on Ray: ingest by file, the replay in 2 chunks per CPU from
    the distinct texts' vectors (no per-call matrix in the driver)."""
    run = functools.partial(ray_run_chunks, tally=tally)
    replay = functools.partial(chunked_replay, n_chunks=2 * cpus, run_chunks=run)
    by_text = functools.partial(chunked_replay_texts, n_chunks=2 * cpus, run_chunks=run)
    return EngineHooks(read_map=ray_map, cache_replay=replay, cache_replay_texts=by_text)


def analyze_on_ray(
    paths: Sequence[str | Path],
    config: Config,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    model_path: str | Path | None = None,
    embedder_factory: Callable[[], Any] | None = None,
    stats: dict[str, float] | None = None,
    **run_kwargs: Any,
) -> AnalysisResult:
    """run_analysis with its parallel stages on Ray (a local cluster unless `address`).
    `embedder_factory` (picklable) replaces the configured embedder in every actor (tests);
    `stats`, when given, receives the cluster's CPUs, the embedding actors' largest peak RSS (MB)
    and summed CPU seconds, and the replay tasks' summed CPU seconds and largest peak RSS."""
    import ray

    if run_kwargs.pop("embedder", None) is not None:
        raise TypeError("analyze_on_ray builds its own embedder: pass model_path or embedder_factory instead")
    started = start_ray(address, num_cpus)
    try:
        cpus = cluster_cpus()
        embedder = RayEmbedder(config, model_path, actors=cpus, factory=embedder_factory)
        tally = WorkerTally()
        result = run_analysis(paths, config, embedder=embedder, engine=ray_hooks(cpus, tally), **run_kwargs)
        if stats is not None:
            stats.update(
                cpus=float(cpus),
                embed_worker_peak_mb=embedder.worker_peak_rss_mb,
                embed_worker_cpu_s=sum(embedder.worker_cpu_s.values()),
                replay_worker_cpu_s=tally.cpu_s,
                replay_worker_peak_mb=tally.peak_mb,
            )
        return result
    finally:
        if started:
            ray.shutdown()
