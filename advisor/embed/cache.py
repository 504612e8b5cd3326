"""Texts + a back end's embed function -> vectors, each distinct text embedded once and persisted.

    VectorCache(model_id, dim).get(hashes) / .put(hashes, vectors)
    encode_with_cache(texts, embed, model_id=..., dim=..., use_cache=...) -> float32 (n, dim)

Both model back ends (sentence-transformers and ONNX) encode through `encode_with_cache`.
Vectors persist under ADVISOR_HOME/embeddings, one SQLite file per model identity, keyed by
the sha256 of the normalized text: it holds hashes and vectors, never the texts, so a log's
content does not leak into the cache. SQLite gives safe concurrent appends from two runs.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from advisor.core.errors import InputError
from advisor.core.paths import advisor_home
from advisor.core.progress import CountProgress
from advisor.embed.text import unique_normalized


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

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection, committed on success; SQLite's refusal (a file that is not a database, a
        damaged one, a lock held past the timeout) becomes the one-line input error."""
        try:
            con = sqlite3.connect(self.path, timeout=60)
            try:
                with con:
                    con.execute("PRAGMA journal_mode=WAL")
                    yield con
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{self.path}: expected advisor's embedding cache (an SQLite file of vectors), but SQLite "
                f"says: {exc}. It holds only vectors advisor can recompute: delete it (or set "
                "`[embedding] cache = false`) and rerun."
            ) from exc

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
                    if v.size == self.dim and np.isfinite(v).all():  # else: damaged, embedded afresh
                        found[h] = v
        return found

    def put(self, hashes: list[bytes], vectors: np.ndarray) -> None:
        with self._connect() as con:
            con.executemany(
                "INSERT OR REPLACE INTO vectors (hash, vec) VALUES (?, ?)",
                [(h, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )


def encode_with_cache(
    texts: Sequence[str],
    embed: Callable[[list[str], CountProgress | None], np.ndarray],
    *,
    model_id: str,
    dim: int,
    use_cache: bool,
    progress: CountProgress | None = None,
) -> np.ndarray:
    """float32 (len(texts), dim): `embed` sees only the distinct normalized texts the cache lacks.

    `embed(texts, progress)` is the back end's model call on a list of normalized texts."""
    unique, inverse = unique_normalized(texts)
    if not unique:
        return np.zeros((0, dim), dtype=np.float32)
    hashes = [hashlib.sha256(t.encode("utf-8")).digest() for t in unique]
    vecs = np.empty((len(unique), dim), dtype=np.float32)
    cache = VectorCache(model_id, dim) if use_cache else None
    known = cache.get(hashes) if cache else {}
    todo = [i for i, h in enumerate(hashes) if h not in known]
    for i, h in enumerate(hashes):
        if h in known:
            vecs[i] = known[h]
    if todo:
        new = embed([unique[i] for i in todo], progress)
        vecs[todo] = new
        if cache:
            cache.put([hashes[i] for i in todo], new)
    elif progress:
        progress(0, 0)  # everything was cached: tell a progress bar the work is done
    return vecs[inverse]
