import threading

import numpy as np
import pytest

from advisor.embed import FakeEmbedder
from advisor.embed.run import RunEmbedder


def test_each_normalized_text_is_embedded_once_across_calls():
    inner = FakeEmbedder()
    run = RunEmbedder(inner)
    a = run.encode(["Where is my order?", "cancel it", "where is my  ORDER?"])
    b = run.encode(["cancel it", "a new one"])
    assert inner.calls == 3
    assert np.array_equal(a[0], a[2]) and np.array_equal(b[0], a[1])
    assert np.allclose(b[1], FakeEmbedder().encode(["a new one"])[0])


def test_threads_asking_for_overlapping_texts_embed_each_text_once():
    inner = FakeEmbedder()
    run = RunEmbedder(inner)
    texts = [f"question number {i}" for i in range(200)]
    out = {}

    def ask(k):
        out[k] = run.encode(texts[k * 20 : k * 20 + 60])

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inner.calls == 200
    assert np.allclose(out[3], FakeEmbedder().encode(texts[60:120]))


def test_the_default_embedder_is_built_only_when_first_needed(monkeypatch):
    from advisor import embed

    built = []
    monkeypatch.setattr(embed, "default_embedder", lambda config=None: built.append(config) or FakeEmbedder(dim=8))
    run = RunEmbedder(None, config="cfg")
    assert built == []
    assert run.encode([]).shape == (0, 8) and built == ["cfg"]
    assert run.encode(["x"]).shape == (1, 8) and len(built) == 1 and run.model_id == "fake-hash-8"


def test_progress_is_reported_when_everything_is_already_known():
    run = RunEmbedder(FakeEmbedder())
    run.encode(["a", "b"])
    seen = []
    run.encode(["b", "a", "a"], progress=lambda d, t: seen.append((d, t)))
    run.encode(["B ", "a"], progress=lambda d, t: seen.append((d, t)))  # known once normalized
    assert seen == [(3, 3), (2, 2)]


def test_texts_seen_as_given_come_back_without_normalizing_again(monkeypatch):
    import advisor.embed.run as embed_run

    inner = FakeEmbedder()
    run = RunEmbedder(inner)
    first = run.encode(["Where is my order?", "cancel it"])
    monkeypatch.setattr(embed_run, "unique_normalized", lambda texts: pytest.fail("normalized again"))
    again = run.encode(["cancel it", "Where is my order?", "cancel it"])
    assert np.array_equal(again, first[[1, 0, 1]]) and inner.calls == 2
