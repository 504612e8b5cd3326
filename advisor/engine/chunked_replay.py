"""The cache replay in time chunks that overlap by one TTL, so chunks replay independently.

    plan_chunks(times_s, ttl_s, n_chunks) -> list[Chunk] (or [] when chunking cannot be exact)
    chunked_replay(vectors, times_s=..., ttl_s=..., capacity=None, n_chunks=4, run_chunks=...) -> Replay
    chunked_replay_texts(texts, encode, times_s=..., ttl_s=..., ...) -> Replay   (no per-call matrix)

Why it is exact: with a TTL, a call can only match an entry inserted at most `ttl_s` seconds
before it. A chunk owning rows [start, stop) therefore replays rows [overlap, stop), where
`overlap` is the first row inserted at or after `times[start] - ttl_s`: every entry any of its
own rows can see is among them, and the rows before `start` serve only as candidates (their
own matches are dropped; the chunk before owns them). Each own row gets the same best match
(same candidates, earliest wins ties, cosines are inner products of the same float32 rows) as
in one serial replay; tests/engine/test_chunked_replay.py checks equality with the serial
replay row for row.

Where it is not exact, it does not chunk (one serial replay, and `reason` says why):
- an LRU capacity: whether an entry is still alive depends on every use since it was inserted,
  also uses by rows before the overlap, whose own matches a chunk does not replay;
- no TTL: every earlier call is a candidate, so the overlap would be the whole stream;
- times out of order.
The serial replay picks exact or index (ivf) search by its amount of work; a chunk decides on
its own, smaller, share (with the same [cache.index] settings). Equal answers therefore hold
where both search exactly. Where one of them uses the index (the serial replay above about
50,000 rows' worth of exact work, e.g. a 1 M-call log), its lists are trained on the rows it
sees, so the two are approximations of the same exact answer that can differ where the index
misses a best match (recall@1 0.99 on real queries, docs/benchmarks-ann-real.md).

Memory: `chunked_replay_texts` never builds the per-call matrix (one float32 vector per call,
1.5 KB at dim 384). It embeds one representative text per distinct normalized text and keeps
one int64 per call (`inverse`, the row of its text); each chunk gathers its own rows
(`distinct[inverse[overlap:stop]]`), so the largest per-call matrix anywhere is one chunk's.
The gathered rows are the same bytes the per-call matrix would hold (the run's embedder keys
vectors by normalized text), so the answers are those of `chunked_replay` on that matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.scan import NO_MATCH, Replay
from advisor.embed.text import unique_normalized


@dataclass(frozen=True)
class Chunk:
    """Rows [overlap, stop) are replayed; rows [start, stop) are this chunk's answers."""

    overlap: int
    start: int
    stop: int


def why_not_chunked(times_s: np.ndarray | None, ttl_s: float | None, capacity: int | None) -> str | None:
    """None when the replay can be split exactly, else the reason it stays one serial replay."""
    if capacity is not None:
        return "an LRU capacity makes liveness depend on the whole history"
    if times_s is None or ttl_s is None or not np.isfinite(ttl_s):
        return "without a (finite) TTL every earlier call is a candidate"
    if np.any(np.diff(np.asarray(times_s, dtype=np.float64)) < 0):
        return "the call times are not in order"
    return None


def plan_chunks(times_s: np.ndarray, ttl_s: float, n_chunks: int) -> list[Chunk]:
    """Equal row-count chunks of the (sorted) times, each with its one-TTL overlap."""
    times = np.asarray(times_s, dtype=np.float64)
    m = len(times)
    n = max(1, min(int(n_chunks), m))
    bounds = np.linspace(0, m, n + 1).astype(np.int64)
    chunks = []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if b > a:
            o = int(np.searchsorted(times, times[a] - ttl_s, side="left"))
            chunks.append(Chunk(overlap=o, start=a, stop=b))
    return chunks


def replay_chunk(
    vectors: np.ndarray,
    times_s: np.ndarray,
    ttl_s: float,
    chunk: Chunk,
    use_threshold: float,
    seed: int,
    *,
    inverse: np.ndarray | None = None,
    index: Any = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """(match_index, match_cosine, method) of the chunk's own rows, indices into the whole stream.
    With `inverse`, `vectors` holds distinct texts' vectors and row i's is vectors[inverse[i]].
    `index`: the [cache.index] settings, for a chunk large enough to be searched with the index."""
    o, a, b = chunk.overlap, chunk.start, chunk.stop
    v = vectors[o:b] if inverse is None else vectors[np.asarray(inverse[o:b])]
    r = replay(v, times_s=times_s[o:b], ttl_s=ttl_s, use_threshold=use_threshold, seed=seed, index=index)
    idx = r.match_index[a - o :]
    return np.where(idx >= 0, idx + o, NO_MATCH), r.match_cosine[a - o :], r.method


# (vectors, times_s, ttl_s, chunks, use_threshold, seed, *, inverse=None, index=None) -> an answer per chunk
RunChunks = Callable[..., list[tuple[np.ndarray, np.ndarray, str]]]


def run_chunks_here(
    vectors: np.ndarray,
    times_s: np.ndarray,
    ttl_s: float,
    chunks: list[Chunk],
    use_threshold: float,
    seed: int,
    *,
    inverse: np.ndarray | None = None,
    index: Any = None,
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Every chunk in this process, one after another (the Ray engine runs them side by side)."""
    return [replay_chunk(vectors, times_s, ttl_s, c, use_threshold, seed, inverse=inverse, index=index) for c in chunks]


def chunked_replay(
    vectors: np.ndarray,
    *,
    times_s: np.ndarray | None,
    ttl_s: float | None,
    capacity: int | None = None,
    n_chunks: int = 4,
    use_threshold: float = 0.7,
    seed: int = 0,
    run_chunks: RunChunks = run_chunks_here,
    **serial_kw: Any,
) -> Replay:
    """The same Replay as `replay(...)`, computed chunk by chunk by `run_chunks`. Falls back to
    one serial replay where chunking would not be exact (see why_not_chunked)."""
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if why_not_chunked(times_s, ttl_s, capacity) is not None or len(v) < 2:
        return replay(
            v, times_s=times_s, ttl_s=ttl_s, capacity=capacity, use_threshold=use_threshold, seed=seed, **serial_kw
        )
    assert times_s is not None and ttl_s is not None  # checked by why_not_chunked
    times = np.asarray(times_s, dtype=np.float64)
    chunks = plan_chunks(times, float(ttl_s), n_chunks)
    parts = run_chunks(v, times, float(ttl_s), chunks, use_threshold, seed, index=serial_kw.get("index"))
    return _merged(parts)


def chunked_replay_texts(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    *,
    times_s: np.ndarray | None,
    ttl_s: float | None,
    capacity: int | None = None,
    n_chunks: int = 4,
    use_threshold: float = 0.7,
    seed: int = 0,
    run_chunks: RunChunks = run_chunks_here,
    **serial_kw: Any,
) -> Replay:
    """`chunked_replay(encode(texts), ...)` holding only the distinct texts' vectors (see Memory
    above). Where chunking would not be exact, the one serial replay needs the per-call matrix."""
    _, inverse = unique_normalized(texts)
    first = np.unique(inverse, return_index=True)[1]  # a call of each distinct text, in text order
    distinct = np.ascontiguousarray(encode([texts[i] for i in first.tolist()]), dtype=np.float32)
    kw: dict[str, Any] = {"capacity": capacity, "use_threshold": use_threshold, "seed": seed}
    if why_not_chunked(times_s, ttl_s, capacity) is not None or len(inverse) < 2:
        return replay(distinct[inverse], times_s=times_s, ttl_s=ttl_s, **kw, **serial_kw)
    assert times_s is not None and ttl_s is not None  # checked by why_not_chunked
    times = np.asarray(times_s, dtype=np.float64)
    chunks = plan_chunks(times, float(ttl_s), n_chunks)
    index = serial_kw.get("index")
    return _merged(run_chunks(distinct, times, float(ttl_s), chunks, use_threshold, seed, inverse=inverse, index=index))


def _merged(parts: list[tuple[np.ndarray, np.ndarray, str]]) -> Replay:
    match_index = np.concatenate([p[0] for p in parts]).astype(np.int64)
    match_cosine = np.concatenate([p[1] for p in parts]).astype(np.float32)
    # The serial replay's name for its search ("exact"), so the JSON reads the same either way.
    method = "+".join(sorted({p[2] for p in parts}))
    return Replay(match_index=match_index, match_cosine=match_cosine, method=method)
