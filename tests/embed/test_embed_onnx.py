"""advisor.embed.onnx: the ONNX Runtime embedder reproduces the sentence-transformers pipeline."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from advisor.core.errors import ConfigError, InputError
from advisor.embed import onnx_export, onnx_quantize
from advisor.embed.onnx import OnnxEmbedder, mean_pool_normalize
from advisor.embed.onnx_export import EXPORT_VERSION, export_dir_for, export_onnx


def test_mean_pooling_ignores_padding_and_normalizes():
    hidden = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    got = mean_pool_normalize(hidden, mask)
    # mean of the two real tokens is (2, 2); the padded (100, 100) must not count
    np.testing.assert_allclose(got, [[2**-0.5, 2**-0.5]], rtol=1e-6)
    assert got.dtype == np.float32


def test_mean_pooling_of_an_all_padding_row_does_not_divide_by_zero():
    got = mean_pool_normalize(np.ones((1, 2, 3), dtype=np.float32), np.zeros((1, 2), dtype=np.int64))
    assert np.isfinite(got).all()


def test_a_folder_without_config_is_an_input_error_naming_the_file(tmp_path):
    pytest.importorskip("onnxruntime")
    with pytest.raises(
        InputError, match=r"expected a sentence-transformers model folder with config.json, found no config.json"
    ):
        export_onnx(tmp_path)


def test_without_onnxruntime_the_error_says_which_extra_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ConfigError, match=r"The 'embedding.backend' setting must be .*pip install 'advisor\[onnx\]'"):
        export_onnx(tmp_path)


def test_batch_size_below_one_is_a_config_error():
    with pytest.raises(
        ConfigError, match=r"The 'embedding.batch_size' setting must be an integer >= 1. Got 0 instead."
    ):
        OnnxEmbedder(batch_size=0)


def _fake_model_folder(root):
    root.mkdir()
    (root / "config.json").write_text(json.dumps({"hidden_size": 4}))
    (root / "model.safetensors").write_bytes(b"weights")
    (root / "tokenizer.json").write_text("{}")
    return root


def _count_exports(monkeypatch):
    """Replace the torch export and the quantizer by file writers; returns the call log."""
    pytest.importorskip("onnxruntime")
    calls = []
    monkeypatch.setattr(onnx_export, "_export_fp32", lambda src, dest: (calls.append("fp32"), dest.write_bytes(b"f")))
    monkeypatch.setattr(
        onnx_export, "_quantize_int8", lambda src, dest, *a: (calls.append("int8"), dest.write_bytes(b"i"), {})[2]
    )
    return calls


def test_an_export_made_by_an_older_recipe_is_rebuilt_not_reused(tmp_path, monkeypatch):
    calls = _count_exports(monkeypatch)
    src = _fake_model_folder(tmp_path / "model")
    first = export_onnx(src)
    assert calls == ["fp32", "int8"]
    assert first.directory.name.endswith(f"-v{EXPORT_VERSION}")
    export_onnx(src)
    assert calls == ["fp32", "int8"]  # same recipe: reused
    card = first.directory / "export.json"
    old = json.loads(card.read_text())
    card.write_text(json.dumps(dict(old, export_version=EXPORT_VERSION - 1)))
    export_onnx(src)
    assert calls == ["fp32", "int8"] * 2
    assert json.loads(card.read_text())["export_version"] == EXPORT_VERSION


def test_the_export_folder_name_changes_with_the_recipe_version(tmp_path, monkeypatch):
    # The folder name is part of the embedder's model_id, so int8 vectors cached by an
    # older recipe are never served for the new one.
    a = export_dir_for(tmp_path / "m", "ab" * 32)
    monkeypatch.setattr(onnx_export, "EXPORT_VERSION", EXPORT_VERSION + 1)
    assert export_dir_for(tmp_path / "m", "ab" * 32) != a


def test_a_half_written_card_is_not_taken_for_a_finished_export(tmp_path, monkeypatch):
    calls = _count_exports(monkeypatch)
    src = _fake_model_folder(tmp_path / "model")
    out = export_dir_for(src, onnx_export._sha256(src / "model.safetensors"))
    out.mkdir(parents=True)
    (out / "export.json").write_text('{"export_version": ')
    export_onnx(src)
    assert calls == ["fp32", "int8"]


def test_calibration_texts_are_a_fixed_normalized_sample_of_clinc150_train():
    a = onnx_quantize.calibration_texts()
    assert a == onnx_quantize.calibration_texts()
    assert len(a) == 500 and all(t == t.lower().strip() for t in a)


def test_a_missing_calibration_file_is_an_input_error_naming_it(tmp_path, monkeypatch):
    import advisor.core.paths

    monkeypatch.setattr(advisor.core.paths, "data_dir", lambda: tmp_path)
    with pytest.raises(InputError, match=r"clinc150\.csv.*expected the CLINC150 CSV with text and split columns"):
        onnx_quantize.calibration_texts()


@pytest.fixture(autouse=True)
def _own_models_dir(request, tmp_path, monkeypatch):
    """Tests of the export itself get their own export folder (they count exports); tests of the
    real model use the one `exported` built."""
    if "exported" in request.fixturenames:
        monkeypatch.setenv("ADVISOR_MODELS", str(request.getfixturevalue("exported").directory.parent))
    else:
        monkeypatch.setenv("ADVISOR_MODELS", str(tmp_path / "models"))


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


TEXTS = [
    "How do I reset my PIN?",
    "how do i reset my pin?",
    "Cancel order 1135 please",
    "what's the weather like in Paris tomorrow",
    "a",
    "transfer " * 300,
]


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
    # measured mean 0.9994 on 7,273 texts (the old recipe: 0.993)
    assert (int8 * ref).sum(axis=1).min() > 0.995


@pytest.mark.integration
def test_export_is_reused_and_carries_a_model_card(exported, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    mtime = exported.int8_path.stat().st_mtime_ns
    again = export_onnx()
    assert again.int8_path.stat().st_mtime_ns == mtime
    card = json.loads((exported.directory / "export.json").read_text())
    assert card["source_weights_sha256"] == exported.source_sha256
    assert card["export_version"] == EXPORT_VERSION
    q = card["quantization"]
    # the six FFN output MatMuls (GELU output in) stay fp32; the 18 other MatMul inputs are smoothed
    assert len(q["fp32_matmuls"]) == 6 and all(n.endswith("/output/dense/MatMul") for n in q["fp32_matmuls"])
    assert q["smoothed_inputs"] == 18 and q["calibration_texts"] == 500
    # int8 MatMul weights except the FFN outputs; the word-embedding table stays fp32 (quantizing
    # it cost accuracy): 69.3 MB against 90.4 MB
    assert exported.int8_path.stat().st_size < exported.fp32_path.stat().st_size * 0.8


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


@pytest.mark.integration
def test_int8_vectors_of_clinc150_test_queries_stay_close_to_torch_fp32(exported, monkeypatch):
    # Queries the calibration never saw (it draws from the train split). Measured on all
    # 5,500 test queries: mean 0.9994, min 0.9956; the old recipe gave mean 0.9925, min 0.943.
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    import csv

    from advisor.core.paths import data_dir
    from advisor.embed import SentenceTransformerEmbedder

    with (data_dir() / "clinc150" / "clinc150.csv").open(newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh) if r["split"] == "test"][::45]  # 100 queries, all intents
    ref = SentenceTransformerEmbedder(cache=False).encode(texts)
    cos = (OnnxEmbedder(cache=False).encode(texts) * ref).sum(axis=1)
    assert cos.mean() > 0.999 and cos.min() > 0.99


@pytest.mark.integration
def test_after_release_the_next_encode_loads_the_model_again_and_gives_the_same_vectors(exported, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(exported.directory.parent.parent))
    emb = OnnxEmbedder(cache=False)
    before = emb.encode(TEXTS)
    emb.release()  # what the pipeline does once every query is embedded
    assert emb._session is None
    assert np.array_equal(emb.encode(TEXTS), before)
