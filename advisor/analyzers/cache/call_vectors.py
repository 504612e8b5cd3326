"""Each cacheable call's vector without a per-call matrix: the distinct vectors and every call's row.

    embed_calls(texts, encode) -> CallVectors(distinct, ids)
    CallVectors(...)[rows] -> float32 (len(rows), dim), gathered for just those rows

A log repeats its questions (61 % of the cacheable calls of `advisor sample --calls 1000000`),
so one vector per call (1.5 kB at 384 float32) is mostly copies: 0.9 GB on a million calls
where the distinct vectors take a fraction of it. The replay (replay.py, ivf.py) reads calls'
vectors through `CallVectors`, block by block; gathered rows hold the same float32 values as the
per-call matrix did, so every product, and the replay's answer, is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.core.errors import InputError
from advisor.core.rows import unique_rows
from advisor.embed.text import unique_normalized


@dataclass(frozen=True)
class CallVectors:
    """distinct: float32 (k, dim) L2-normalized rows; ids: each call's row in it (None: one row per call)."""

    distinct: np.ndarray
    ids: np.ndarray | None = None

    @classmethod
    def of(cls, vectors: Any, ids: np.ndarray | None = None) -> CallVectors:
        """`vectors` as given (already CallVectors, or an array with optional ids), checked."""
        if isinstance(vectors, CallVectors):
            return vectors
        v = np.ascontiguousarray(vectors, dtype=np.float32)
        if v.ndim != 2:
            raise InputError.at(
                "embeddings",
                expected="a 2-d array (rows, dim)",
                found=f"shape {v.shape}",
                fix="Pass one embedding per row.",
            )
        if ids is None:
            return cls(v)
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= len(v))):
            raise InputError.at(
                "embeddings",
                expected=f"one row index in 0..{len(v) - 1} per call",
                found=f"ids of shape {ids.shape}",
                fix="Pass ids from the same distinct vectors.",
            )
        return cls(v, ids)

    def __len__(self) -> int:
        return len(self.distinct) if self.ids is None else len(self.ids)

    @property
    def dim(self) -> int:
        return int(self.distinct.shape[1])

    def __getitem__(self, rows: Any) -> np.ndarray:
        """The calls' vectors (a view for a slice without ids, else a gathered copy)."""
        return self.distinct[rows] if self.ids is None else self.distinct[self.ids[rows]]

    def groups(self) -> np.ndarray:
        """Per call, an id shared exactly by the calls with byte-identical vectors."""
        group = unique_rows(self.distinct)[1]
        return group if self.ids is None else group[self.ids]


def embed_calls(texts: Sequence[str], encode: Callable[..., np.ndarray], **kw: Any) -> CallVectors:
    """Each distinct normalized text embedded once, as given by its first call (the raw strings
    the pipeline embedded up front, so the run's embedder answers from memory)."""
    unique, ids = unique_normalized(texts)
    first = np.full(len(unique), len(texts), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(texts), dtype=np.int64))
    vectors = encode([texts[i] for i in first.tolist()], **kw)
    return CallVectors.of(vectors, ids)
