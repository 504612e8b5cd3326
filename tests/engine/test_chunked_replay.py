"""The chunked cache replay (advisor/engine/chunked_replay.py) gives the serial replay's answers."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.analyzers.cache.replay import replay
from advisor.engine.chunked_replay import chunked_replay, plan_chunks, why_not_chunked


def _stream(n: int, seed: int = 0, dim: int = 16, distinct: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors drawn from `distinct` questions plus small perturbations (near-duplicates
    and exact repeats), at random sorted times over ten days."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(distinct, dim)).astype(np.float32)
    pick = rng.integers(0, distinct, size=n)
    v = base[pick] + (rng.random(n) < 0.5)[:, None] * 0.05 * rng.normal(size=(n, dim)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    times = np.sort(rng.uniform(0, 10 * 86_400, size=n))
    return v.astype(np.float32), times


@pytest.mark.parametrize("n_chunks", [1, 3, 16])
@pytest.mark.parametrize("ttl_s", [3_600.0, 86_400.0, 5 * 86_400.0])
def test_chunked_equals_serial_row_for_row(n_chunks: int, ttl_s: float) -> None:
    v, times = _stream(1_500, seed=int(ttl_s) % 97 + n_chunks)
    serial = replay(v, times_s=times, ttl_s=ttl_s)
    chunked = chunked_replay(v, times_s=times, ttl_s=ttl_s, n_chunks=n_chunks)
    assert serial.method == chunked.method == "exact"
    # Exact equality: the same candidates and the same float32 inner products.
    np.testing.assert_array_equal(chunked.match_index, serial.match_index)
    np.testing.assert_array_equal(chunked.match_cosine, serial.match_cosine)
    assert (serial.match_index >= 0).mean() > 0.5  # the stream has matches to get right


def test_chunks_cover_every_row_once_and_overlap_by_one_ttl() -> None:
    _, times = _stream(1_000)
    chunks = plan_chunks(times, 86_400.0, 5)
    assert [c.start for c in chunks[1:]] == [c.stop for c in chunks[:-1]]
    assert chunks[0].start == 0 and chunks[-1].stop == 1_000
    for c in chunks:
        assert times[c.overlap] >= times[c.start] - 86_400.0
        assert c.overlap == 0 or times[c.overlap - 1] < times[c.start] - 86_400.0


@pytest.mark.parametrize(
    ("ttl_s", "capacity", "reason"),
    [(86_400.0, 100, "LRU"), (None, None, "TTL"), (float("inf"), None, "TTL")],
)
def test_falls_back_to_the_serial_replay_where_chunks_would_not_be_exact(ttl_s, capacity, reason) -> None:
    v, times = _stream(800)
    why = why_not_chunked(times, ttl_s, capacity)
    assert why is not None and reason in why
    chunked = chunked_replay(v, times_s=times, ttl_s=ttl_s, capacity=capacity, n_chunks=4)
    serial = replay(v, times_s=times, ttl_s=ttl_s, capacity=capacity)
    np.testing.assert_array_equal(chunked.match_index, serial.match_index)


def test_replay_from_texts_embeds_each_distinct_text_once_and_gives_the_per_call_answers() -> None:
    """chunked_replay_texts holds the distinct texts' vectors only (never one row per call)
    and answers as the replay of the per-call matrix does, exactly (the same float32 rows)."""
    from advisor.embed import FakeEmbedder
    from advisor.engine.chunked_replay import chunked_replay_texts

    rng = np.random.default_rng(3)
    questions = [f"question {k} about topic {k % 7}" for k in range(120)]
    # Repeats, also differing only in case and spacing (one normalized text).
    texts = [questions[k] if rng.random() < 0.5 else f"  {questions[k].upper()} " for k in rng.integers(0, 120, 2_000)]
    times = np.sort(rng.uniform(0, 6 * 86_400, size=len(texts)))
    emb = FakeEmbedder(dim=32)
    seen: list[int] = []

    def encode(batch: list[str]) -> np.ndarray:
        seen.append(len(batch))
        return emb.encode(batch)

    by_text = chunked_replay_texts(texts, encode, times_s=times, ttl_s=86_400.0, n_chunks=5)
    serial = replay(emb.encode(texts), times_s=times, ttl_s=86_400.0)
    assert seen == [len({t.strip().lower() for t in texts})] and seen[0] <= 120  # one row per distinct text
    np.testing.assert_array_equal(by_text.match_index, serial.match_index)
    np.testing.assert_array_equal(by_text.match_cosine, serial.match_cosine)
    assert (serial.match_index >= 0).mean() > 0.5
    # An LRU capacity cannot be chunked: the one serial replay answers, from the same vectors.
    lru = chunked_replay_texts(texts, encode, times_s=times, ttl_s=86_400.0, capacity=50)
    np.testing.assert_array_equal(
        lru.match_index, replay(emb.encode(texts), times_s=times, ttl_s=86_400.0, capacity=50).match_index
    )


def test_the_cache_index_settings_reach_every_chunk() -> None:
    """[cache.index] applies to a chunk searched with the index as it does to the serial replay."""
    from advisor.analyzers.cache.ivf import IndexSettings
    from advisor.engine.chunked_replay import run_chunks_here

    v, times = _stream(600)
    seen = []

    def spy(*args, **kw):
        seen.append(kw.get("index"))
        return run_chunks_here(*args, **kw)

    settings = IndexSettings(probes=8)
    r = chunked_replay(v, times_s=times, ttl_s=86_400.0, n_chunks=3, run_chunks=spy, index=settings)
    assert seen == [settings]
    np.testing.assert_array_equal(r.match_index, replay(v, times_s=times, ttl_s=86_400.0).match_index)
