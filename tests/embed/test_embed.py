"""Embedding stage: contract, dedup, on-disk cache (no texts stored), settings, real model (integration)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advisor.core.config import Config
from advisor.core.errors import ConfigError
from advisor.embed import (
    FakeEmbedder,
    SentenceTransformerEmbedder,
    VectorCache,
    default_embedder,
    normalize_text,
)


def test_fake_embedder_returns_normalized_float32_rows():
    v = FakeEmbedder(dim=32).encode(["cancel my order", "what is my balance"])
    assert v.shape == (2, 32) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_fake_embedder_paraphrases_are_closer_than_unrelated_texts():
    v = FakeEmbedder().encode(["how do i cancel my order", "cancel my order please", "weather in paris tomorrow"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_identical_normalized_texts_are_embedded_once():
    emb = FakeEmbedder()
    v = emb.encode(["Hello  World", "hello world", "HELLO WORLD ", "other"])
    assert emb.calls == 2
    assert np.array_equal(v[0], v[1]) and np.array_equal(v[0], v[2])


def test_normalize_text_folds_case_width_and_spaces():
    assert normalize_text("  Ｃancel\tOrder \n") == "cancel order"


class CountingEmbedder(SentenceTransformerEmbedder):
    """The real class with the model call replaced: exercises dedup and the disk cache."""

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        self.embedded: list[str] = []

    def _embed(self, texts, progress):
        self.embedded.extend(texts)
        if progress:
            progress(len(texts), len(texts))
        return FakeEmbedder(dim=self.dim).encode(texts)


@pytest.fixture
def model_dir(tmp_path):
    d = tmp_path / "tiny-model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"hidden_size": 16}))
    (d / "model.safetensors").write_bytes(b"\0" * 64)
    return d


def test_rerun_on_overlapping_texts_embeds_only_new_ones(model_dir):
    first = CountingEmbedder(model_dir)
    a = first.encode(["one question", "two question"])
    second = CountingEmbedder(model_dir)
    b = second.encode(["two question", "three question", "One Question"])
    assert second.embedded == ["three question"]
    assert np.allclose(b[0], a[1]) and np.allclose(b[2], a[0])


def test_disk_cache_stores_hashes_and_vectors_never_texts(model_dir):
    emb = CountingEmbedder(model_dir)
    emb.encode(["my secret order number zebra-42"])
    raw = VectorCache(emb.model_id, emb.dim).path.read_bytes()
    assert b"zebra" not in raw and b"secret" not in raw


def test_cache_is_keyed_by_model_identity(model_dir, tmp_path):
    a = CountingEmbedder(model_dir)
    (model_dir / "config.json").write_text(json.dumps({"hidden_size": 16, "changed": True}))
    b = CountingEmbedder(model_dir)
    assert a.model_id != b.model_id
    a.encode(["same text"])
    b.encode(["same text"])
    assert b.embedded == ["same text"]


def test_progress_callback_sees_the_total(model_dir):
    seen = []
    CountingEmbedder(model_dir).encode(["a", "b", "c"], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3, 3)


def test_batches_are_length_sorted_and_rows_come_back_in_input_order(model_dir):
    calls = []

    class FakeModel:
        def encode(self, batch, **kw):
            calls.append(list(batch))
            return FakeEmbedder(dim=16).encode(batch)

    emb = SentenceTransformerEmbedder(model_dir, batch_size=2, cache=False)
    emb._model = FakeModel()
    texts = ["a b", "a much longer question here", "mid length one", "x", "another long-ish query"]
    out = emb._embed(texts, None)
    assert np.allclose(out, FakeEmbedder(dim=16).encode(texts), atol=1e-6)
    # No tokenizer to ask: longest first by characters.
    assert [len(t) for batch in calls for t in batch] == sorted(map(len, texts), reverse=True)


def test_batches_follow_token_counts_when_the_model_has_a_tokenizer(model_dir):
    calls = []

    class WordTokenizer:  # one token per word, plus [CLS] and [SEP]; truncated like the real one
        def __call__(self, texts, *, truncation, max_length, **kw):
            return {"input_ids": [[0] * min(len(t.split()) + 2, max_length) for t in texts]}

    class FakeModel:
        tokenizer = WordTokenizer()

        def get_max_seq_length(self):
            return 5

        def encode(self, batch, **kw):
            calls.append(list(batch))
            return FakeEmbedder(dim=16).encode(batch)

    emb = SentenceTransformerEmbedder(model_dir, batch_size=2, cache=False)
    emb._model = FakeModel()
    # By characters the one-word text is the longest; by tokens it is the shortest.
    texts = ["supercalifragilisticexpialidocious", "a b c", "a b c d e f g", "x y"]
    out = emb._embed(texts, None)
    assert np.allclose(out, FakeEmbedder(dim=16).encode(texts), atol=1e-6)
    # Tokens 3, 5, 5 (truncated from 9), 4: longest first, ties in input order.
    assert calls == [["a b c", "a b c d e f g"], ["x y", "supercalifragilisticexpialidocious"]]


def test_missing_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"embedding\.model_path"):
        SentenceTransformerEmbedder(tmp_path / "nope")


def test_default_embedder_honours_embedding_section(model_dir):
    cfg = Config(sections={"embedding": {"model_path": str(model_dir), "batch_size": 8}})
    emb = default_embedder(cfg)
    assert emb.path == model_dir and emb.batch_size == 8


def test_cli_model_path_beats_config(model_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"hidden_size": 4}))
    emb = default_embedder(Config(sections={"embedding": {"model_path": str(model_dir)}}), model_path=other)
    assert emb.path == other


def test_bad_batch_size_is_a_config_error():
    with pytest.raises(ConfigError, match=r"embedding\.batch_size"):
        default_embedder(Config(sections={"embedding": {"batch_size": 0}}))


@pytest.mark.integration
def test_real_model_embeds_paraphrases_close_and_reuses_its_cache():
    emb = SentenceTransformerEmbedder()
    v = emb.encode(
        ["How do I reset my password?", "I forgot my password, how can I reset it?", "What is the capital of France?"]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert v[0] @ v[1] > 0.7 > v[0] @ v[2]
    again = SentenceTransformerEmbedder()
    again._embed = lambda texts, progress: pytest.fail("should come from the disk cache")
    assert np.allclose(again.encode(["how do i reset my password?"]), v[:1], atol=1e-6)


def test_an_unknown_embedding_backend_is_a_config_error(tmp_path):
    import pytest as _pytest

    from advisor.core.config import load_config
    from advisor.core.errors import ConfigError
    from advisor.embed import default_embedder

    path = tmp_path / "c.toml"
    path.write_text('[embedding]\nbackend = "tpu"\n')
    with _pytest.raises(
        ConfigError, match=r"The 'embedding.backend' setting must be 'auto', 'torch' or 'onnx'. Got 'tpu' instead."
    ):
        default_embedder(load_config(path))


def test_the_default_back_end_is_onnx_int8_for_the_bundled_model_and_torch_for_a_given_folder(model_dir):
    # docs/benchmarks-onnx-default.md: the int8 export leaves the cache and routing answers unchanged
    # within their intervals; a model folder of the user's own stays on torch (its export is not measured).
    from advisor.embed.onnx import OnnxEmbedder

    bundled = default_embedder(Config())
    assert isinstance(bundled, OnnxEmbedder) and bundled.quantized
    assert isinstance(default_embedder(Config(), model_path=model_dir), SentenceTransformerEmbedder)
    assert isinstance(
        default_embedder(Config(sections={"embedding": {"model_path": str(model_dir)}})), SentenceTransformerEmbedder
    )
    forced = Config(sections={"embedding": {"backend": "torch"}})
    assert isinstance(default_embedder(forced), SentenceTransformerEmbedder)
