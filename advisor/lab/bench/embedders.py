"""Embedders as the benchmark builds them by name, and a wrapper that times and records calls.

Names: "minilm" (sentence-transformers, torch fp32), "onnx-int8" / "onnx-fp32" (advisor.embed.onnx),
"fake" (advisor.embed.FakeEmbedder: no model, for smoke tests). The on-disk vector cache is
off unless asked for, so every run really embeds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from advisor.core.errors import ConfigError

EMBEDDERS = ("minilm", "onnx-int8", "onnx-fp32", "fake")


def make_embedder(name: str, batch_size: int = 64, cache: bool = False):
    if name == "fake":
        from advisor.embed import FakeEmbedder

        return FakeEmbedder(dim=64)
    if name == "minilm":
        from advisor.embed import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(batch_size=batch_size, cache=cache)
    if name in ("onnx-int8", "onnx-fp32"):
        from advisor.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(quantized=name == "onnx-int8", batch_size=batch_size, cache=cache)
    raise ConfigError.setting("bench.embedder", f"one of {', '.join(EMBEDDERS)}", name)


class TimedEmbedder:
    """Passes encode() through, adding up the time spent in it and the texts it was given.

    The analyze benchmark subtracts this time from the analyzer that asked, so the stage
    table shows embedding apart from each analyzer's own work."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0
        self.texts: set[str] = set()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.encode(texts, progress=progress)
        self.seconds += time.perf_counter() - t0
        self.texts.update(texts)  # raw; normalized once at the end, outside the timed run
        return out
