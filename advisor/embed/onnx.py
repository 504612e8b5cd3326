"""Texts -> float32 L2-normalized vectors with ONNX Runtime (optional extra `onnx`).

    OnnxEmbedder(model_path=None, quantized=True).encode(texts) -> float32 (n, dim)

The export it runs (and why int8 is accurate enough) is described in embed/onnx_export.py.
The sentence-transformers pipeline around the exported transformer (WordPiece with the
model's own tokenizer.json, truncation to max_seq_length, attention-masked mean pooling, L2
normalization) is redone here with `tokenizers` and numpy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.errors import ConfigError
from advisor.core.progress import CountProgress
from advisor.embed.cache import encode_with_cache
from advisor.embed.onnx_export import OnnxExport, export_onnx
from advisor.embed.onnx_quantize import load_tokenizer


class OnnxEmbedder:
    """Embedder backed by an ONNX export (int8 by default); same contract as advisor.embed.Embedder."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        quantized: bool = True,
        batch_size: int = 64,
        threads: int | None = None,
        cache: bool = True,
    ):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError.setting("embedding.batch_size", "an integer >= 1", batch_size)
        self.model_path = model_path
        self.quantized = quantized
        self.batch_size = batch_size
        self.threads = threads
        self.cache = cache
        self._export: OnnxExport | None = None
        self._session: Any = None
        self._tokenizer: Any = None

    def _ready(self) -> OnnxExport:
        if self._export is None:
            self._export = export_onnx(self.model_path)
        return self._export

    @property
    def model_id(self) -> str:
        exp = self._ready()
        return f"onnx-{'int8' if self.quantized else 'fp32'}:{exp.directory.name}"

    @property
    def dim(self) -> int:
        return self._ready().dim

    def _load(self) -> tuple[Any, Any]:
        if self._session is None:
            import onnxruntime as ort

            exp = self._ready()
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads or os.cpu_count() or 1
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Idle pool threads sleep instead of spinning: the same vectors for a third less CPU
            # (3,000 queries of `advisor sample`, int8, 2 threads: 5.9 s instead of 9.1 s, two runs
            # each, on a loaded shared machine, where the spinning also doubled the wall time).
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            path = exp.int8_path if self.quantized else exp.fp32_path
            self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            self._tokenizer = load_tokenizer(exp.tokenizer_path, exp.max_seq_length)
        return self._session, self._tokenizer

    def release(self) -> None:
        """Drop the ONNX Runtime session (its weights and buffers) until the next encode loads it
        again: the pipeline calls it once every query is embedded, before the analyzers' peak."""
        self._session = None

    def encode(self, texts: Sequence[str] | Iterable[str], progress: CountProgress | None = None) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalized.

        As the torch back end does (embed/cache.py): texts are normalized (NFKC, lower case,
        collapsed spaces), identical ones computed once, and vectors persisted in the on-disk
        VectorCache under this embedder's own model_id (int8 vectors never mix with fp32 or
        torch ones)."""
        return encode_with_cache(
            list(texts),
            self._encode_unique,
            model_id=self.model_id,
            dim=self.dim,
            use_cache=self.cache,
            progress=progress,
        )

    def _encode_unique(self, texts: list[str], progress: CountProgress | None) -> np.ndarray:
        session, tok = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Tokenized once, unpadded; then batches of similar token counts, longest first, each
        # padded to its own longest (as the torch back end batches).
        pad_id = tok.padding["pad_id"] if tok.padding else 0
        with _unpadded(tok):
            ids_of = [e.ids for e in tok.encode_batch(texts)]
        lengths = np.array([len(x) for x in ids_of], dtype=np.int64)
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            ids = np.full((len(idx), int(lengths[idx].max())), pad_id, dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, : lengths[i]] = ids_of[i]
            mask = (np.arange(ids.shape[1]) < lengths[idx, None]).astype(np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feeds)[0]
            out[idx] = mean_pool_normalize(hidden, mask)
            if progress is not None:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return out


@contextmanager
def _unpadded(tok: Any) -> Iterator[Any]:
    """The tokenizer with its padding switched off for the block (restored after)."""
    padding = tok.padding
    tok.no_padding()
    try:
        yield tok
    finally:
        if padding:
            tok.enable_padding(**{k: v for k, v in padding.items() if k != "length" or v is not None})


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling (padding excluded) followed by L2 normalization."""
    m = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * m).sum(axis=1)
    pooled = summed / np.maximum(m.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
