"""Texts -> float32 L2-normalized vectors (n, dim): the embedding stage.

    SentenceTransformerEmbedder(path=None).encode(texts) -> np.ndarray float32 (n, dim)
    FakeEmbedder(dim=64).encode(texts)                    -> same contract, no model (tests)
    default_embedder(config)                              -> honours [embedding] model_path, batch_size, backend
    resolved_backend(settings, model_path)                -> "onnx" for the bundled model, else "torch"

Modules: text (normalize_text), cache (VectorCache and the dedup + on-disk cache both model
back ends encode through), sentence_transformers (torch), onnx + onnx_export + onnx_quantize
(ONNX Runtime, optional extra), fake (FakeEmbedder), run (RunEmbedder: one analysis's
vectors). This module holds the contract, the [embedding] settings and the factory; the ONNX
back end is imported only when configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from advisor.core.errors import ConfigError
from advisor.core.progress import CountProgress
from advisor.embed.cache import VectorCache
from advisor.embed.fake import FakeEmbedder
from advisor.embed.sentence_transformers import SentenceTransformerEmbedder
from advisor.embed.text import normalize_text

if TYPE_CHECKING:
    from advisor.core.config import Config

__all__ = [
    "Embedder",
    "EmbeddingSettings",
    "FakeEmbedder",
    "SentenceTransformerEmbedder",
    "VectorCache",
    "default_embedder",
    "embedding_settings",
    "normalize_text",
    "resolved_backend",
]


class Embedder(Protocol):
    """The contract every back end meets: a model identity (the vector cache's key), a
    dimension, and texts -> float32 L2-normalized rows."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: CountProgress | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbeddingSettings:
    """Section [embedding]."""

    model_path: str | None = None  # a sentence-transformers folder; None = bundled MiniLM
    batch_size: int = 64
    cache: bool = True  # persist vectors under ADVISOR_HOME/embeddings
    # "auto": the int8 ONNX Runtime export for the bundled model (faster on CPU; advisor's answers
    # unchanged within their intervals: docs/benchmarks-onnx-default.md), torch for a model folder
    # given with model_path / --embedding-model. "torch" or "onnx" force one back end.
    backend: str = "auto"

    def validate(self) -> None:
        if self.batch_size < 1:
            raise ConfigError.setting("embedding.batch_size", "an integer >= 1", self.batch_size)
        if self.backend not in ("auto", "torch", "onnx"):
            raise ConfigError.setting("embedding.backend", "'auto', 'torch' or 'onnx'", self.backend)


def resolved_backend(s: EmbeddingSettings, model_path: str | Path | None = None) -> str:
    """ "torch" or "onnx": what `auto` means for this model (ONNX for the bundled one)."""
    if s.backend != "auto":
        return s.backend
    return "torch" if (model_path or s.model_path) else "onnx"


def embedding_settings(config: Config | None = None) -> EmbeddingSettings:
    """Section [embedding] of `config`, validated."""
    from advisor.core.config import Config, settings

    return settings(config or Config(), "embedding", EmbeddingSettings)


def default_embedder(config: Config | None = None, model_path: str | Path | None = None) -> Embedder:
    """The embedder the pipeline uses: `model_path` (e.g. --embedding-model) beats [embedding]."""
    s = embedding_settings(config)
    if resolved_backend(s, model_path) == "onnx":
        from advisor.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(model_path or s.model_path, batch_size=s.batch_size, cache=s.cache)
    return SentenceTransformerEmbedder(model_path or s.model_path, batch_size=s.batch_size, cache=s.cache)
