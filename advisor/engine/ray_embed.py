"""Embedding on Ray Data: distinct normalized texts -> `map_batches` over an actor pool.

    RayEmbedder(config, model_path=None, actors=2).encode(texts) -> float32 (n, dim)

Meets the Embedder contract, so the pipeline uses it as it would the in-process embedder
(advisor.embed.default_embedder, whose model and vectors it reproduces). Each actor builds
that embedder once (the model loads once per actor, one CPU each) and encodes its batches
through the shared on-disk vector cache (advisor/embed/cache.py, SQLite under
ADVISOR_HOME/embeddings: concurrent appends are safe), so a text embedded by one actor, or by
an earlier run, is not embedded again. Only distinct normalized texts travel to the actors
and back (float32, n_distinct x dim: never a per-call matrix).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.core.progress import CountProgress
from advisor.embed.text import unique_normalized

if TYPE_CHECKING:
    from advisor.core.config import Config

Factory = Callable[[], Any]

# Texts per map_batches batch: large enough that an actor's model batches (64) stay full and
# the per-batch overhead of Ray Data stays small, small enough that two actors share the work.
BATCH_TEXTS = 2_048


def _local_embedder(config: Config, model_path: str | Path | None, threads: int | None = None) -> Any:
    """The in-process embedder the pipeline would use, limited to `threads` (one per actor CPU)."""
    from advisor.embed import default_embedder, embedding_settings, resolved_backend

    s = embedding_settings(config)
    if threads is not None and resolved_backend(s, model_path) == "onnx":
        from advisor.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(model_path or s.model_path, batch_size=s.batch_size, cache=s.cache, threads=threads)
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    return default_embedder(config, model_path=model_path)


class EmbedActor:
    """One model per actor; a batch of {"i", "text"} -> {"i", "vec"}."""

    def __init__(self, config: Config, model_path: str | None, threads: int, factory: Factory | None = None) -> None:
        self.embedder = factory() if factory is not None else _local_embedder(config, model_path, threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vecs = self.embedder.encode([str(t) for t in batch["text"]])
        n = len(vecs)
        return {
            "i": batch["i"],
            "vec": np.asarray(vecs, dtype=np.float32),
            "peak_rss_mb": np.full(n, peak_rss_mb(), dtype=np.float64),  # this actor's peak so far
            "cpu_s": np.full(n, process_cpu_s(), dtype=np.float64),  # this actor's CPU time so far
            "pid": np.full(n, os.getpid(), dtype=np.int64),
        }


def process_cpu_s() -> float:
    """CPU seconds this process has used so far, all its threads (user + system)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return float(r.ru_utime + r.ru_stime)


def peak_rss_mb() -> float:
    """This process's peak resident memory (advisor.core.memory: VmHWM, not the fork-inherited ru_maxrss)."""
    from advisor.core.memory import peak_rss_mb as _peak

    return _peak()


class RayEmbedder:
    """The configured embedder's vectors, computed by `actors` Ray actors of one CPU each."""

    def __init__(
        self, config: Config, model_path: str | Path | None = None, *, actors: int = 2, factory: Factory | None = None
    ) -> None:
        """`factory` (picklable, e.g. a FakeEmbedder class in tests) replaces the configured embedder."""
        self.config = config
        self.model_path = None if model_path is None else str(model_path)
        self.actors = max(1, int(actors))
        self.factory = factory
        # Identity and dim only: no model loads in the driver.
        self._here = factory() if factory is not None else _local_embedder(config, model_path)
        self.worker_peak_rss_mb = 0.0  # the largest peak of any embedding actor (advisor bench reads it)
        self.worker_cpu_s: dict[int, float] = {}  # CPU seconds per actor process (model load included)

    @property
    def model_id(self) -> str:
        return str(self._here.model_id)

    @property
    def dim(self) -> int:
        return int(self._here.dim)

    def encode(self, texts: Sequence[str], progress: CountProgress | None = None) -> np.ndarray:
        import ray.data

        unique, inverse = unique_normalized(texts)
        out = np.zeros((len(unique), self.dim), dtype=np.float32)
        if not unique:
            return out
        items = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(unique)])
        ds = items.map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "config": self.config,
                "model_path": self.model_path,
                "threads": 1,
                "factory": self.factory,
            },
            batch_size=BATCH_TEXTS,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.actors),
            num_cpus=1,
        )
        done = 0
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            out[np.asarray(batch["i"], dtype=np.int64)] = batch["vec"]
            self.worker_peak_rss_mb = max(self.worker_peak_rss_mb, float(np.max(batch["peak_rss_mb"])))
            for pid, cpu in zip(batch["pid"].tolist(), batch["cpu_s"].tolist()):
                self.worker_cpu_s[pid] = max(self.worker_cpu_s.get(pid, 0.0), cpu)
            done += len(batch["i"])
            if progress is not None:
                progress(done, len(unique))
        return out[inverse]
