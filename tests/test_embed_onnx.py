"""advisor.embed_onnx: the ONNX Runtime embedder reproduces the sentence-transformers pipeline."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from advisor.embed_onnx import OnnxEmbedder, export_onnx, mean_pool_normalize
from advisor.errors import ConfigError, InputError


def test_mean_pooling_ignores_padding_and_normalizes():
    hidden = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    got = mean_pool_normalize(hidden, mask)
    # mean of the two real tokens is (2, 2); the padded (100, 100) must not count
    np.testing.assert_allclose(got, [[2 ** -0.5, 2 ** -0.5]], rtol=1e-6)
    assert got.dtype == np.float32


def test_mean_pooling_of_an_all_padding_row_does_not_divide_by_zero():
    got = mean_pool_normalize(np.ones((1, 2, 3), dtype=np.float32), np.zeros((1, 2), dtype=np.int64))
    assert np.isfinite(got).all()


def test_a_folder_without_config_is_an_input_error_naming_the_file(tmp_path):
    pytest.importorskip("onnxruntime")
    with pytest.raises(InputError, match=r"expected a sentence-transformers model folder with config.json, found no config.json"):
        export_onnx(tmp_path)


def test_without_onnxruntime_the_error_says_which_extra_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ConfigError, match=r"The 'embedding.backend' setting must be .*pip install 'advisor\[onnx\]'"):
        export_onnx(tmp_path)


def test_batch_size_below_one_is_a_config_error():
    with pytest.raises(ConfigError, match=r"The 'embedding.batch_size' setting must be an integer >= 1. Got 0 instead."):
        OnnxEmbedder(batch_size=0)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    import os

    home = tmp_path_factory.mktemp("onnx_home")
    old = os.environ.get("ADVISOR_HOME")
    os.environ["ADVISOR_HOME"] = str(home)
    try:
        yield export_onnx()
    finally:
        if old is None:
            os.environ.pop("ADVISOR_HOME", None)
        else:
            os.environ["ADVISOR_HOME"] = old


TEXTS = ["How do I reset my PIN?", "how do i reset my pin?", "Cancel order 1135 please",
         "what's the weather like in Paris tomorrow", "a", "transfer " * 300]


@pytest.mark.integration
def test_fp32_export_reproduces_sentence_transformers(exported, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    from advisor.embed import SentenceTransformerEmbedder

    ref = SentenceTransformerEmbedder(cache=False).encode(TEXTS)
    got = OnnxEmbedder(quantized=False, cache=False).encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * ref).sum(axis=1).min() > 0.9999
    int8 = OnnxEmbedder(quantized=True, cache=False).encode(TEXTS)
    assert (int8 * ref).sum(axis=1).mean() > 0.97


@pytest.mark.integration
def test_export_is_reused_and_carries_a_model_card(exported, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    mtime = exported.int8_path.stat().st_mtime_ns
    again = export_onnx()
    assert again.int8_path.stat().st_mtime_ns == mtime
    card = json.loads((exported.directory / "export.json").read_text())
    assert card["source_weights_sha256"] == exported.source_sha256
    assert card["quantization"]["weight_type"] == "QInt8"
    # int8 MatMul weights; the word-embedding table stays fp32 (quantizing it cost accuracy)
    assert exported.int8_path.stat().st_size < exported.fp32_path.stat().st_size * 0.75


@pytest.mark.integration
def test_identical_texts_are_embedded_once_and_cached_under_the_onnx_model_id(exported, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    emb = OnnxEmbedder()
    seen = []
    vecs = emb.encode(TEXTS[:2] * 3, progress=lambda done, total: seen.append(total))
    assert seen[-1] == 1  # "How do I reset my PIN?" and its lower-case copy normalize to one text
    assert np.array_equal(vecs[0], vecs[1]) and np.array_equal(vecs[0], vecs[5])
    assert emb.model_id.startswith("onnx-int8:")
    cached = list((exported.directory.parent.parent / "embeddings").glob("onnx-int8*.sqlite"))
    assert cached
