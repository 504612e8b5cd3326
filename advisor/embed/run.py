"""One analysis's embeddings: query texts -> vectors, each distinct text embedded once per run.

The pipeline embeds every query text of the log up front through a RunEmbedder, in one pass
(its batches length-sorted across all of them), before the analyzers start; the cache and
routing analyzers then get their vectors from memory instead of each embedding (and
normalizing, hashing, looking up in the vector cache) its own share when it starts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from advisor.core.progress import CountProgress
from advisor.embed.text import unique_normalized

if TYPE_CHECKING:
    from advisor.core.config import Config
    from advisor.embed import Embedder


class RunEmbedder:
    """Wraps the configured embedder (or builds the default one on first use) and remembers every
    vector it returns for the rest of the run, keyed by normalized text. Thread-safe (the routing
    analyzer's fits run on threads): texts it has not seen are embedded one call at a time."""

    def __init__(self, inner: Embedder | None = None, *, config: Config | None = None) -> None:
        self._inner = inner
        self._config = config
        self._vectors: dict[str, np.ndarray] = {}  # normalized text -> vector
        self._raw: dict[str, np.ndarray] = {}  # text as given -> vector
        self._lock = threading.RLock()  # inner (first use) is built under it too

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    # Looked up at call time, so a test's monkeypatch of advisor.embed.default_embedder applies.
                    from advisor.embed import default_embedder

                    self._inner = default_embedder(self._config)
        return self._inner

    @property
    def model_id(self) -> str | None:
        return getattr(self.inner, "model_id", None)

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def encode(self, texts: Sequence[str], progress: CountProgress | None = None) -> np.ndarray:
        # Texts seen before as given: no need to normalize them again (the analyzers pass the
        # same raw query strings the pipeline embedded).
        known = self._raw
        if texts and all(isinstance(t, str) and t in known for t in texts):
            if progress is not None:
                progress(len(texts), len(texts))
            return np.stack([known[t] for t in texts])
        unique, inverse = unique_normalized(texts)
        if not unique:
            return np.zeros((0, self.dim), dtype=np.float32)
        if any(t not in self._vectors for t in unique):
            with self._lock:
                missing = [t for t in unique if t not in self._vectors]
                if missing:
                    kw = {"progress": progress} if progress is not None else {}
                    new = np.asarray(self.inner.encode(missing, **kw))
                    self._vectors.update(zip(missing, new))
                elif progress is not None:
                    progress(len(unique), len(unique))
        elif progress is not None:
            progress(len(unique), len(unique))
        vectors = [self._vectors[t] for t in unique]
        # Rows of the stored vectors, not of the returned matrix, which the caller may drop.
        self._raw.update((t, vectors[i]) for t, i in zip(texts, inverse.tolist()) if isinstance(t, str))
        return np.stack(vectors)[inverse]
