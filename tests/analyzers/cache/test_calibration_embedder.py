"""The cache calibration is a curve in cosine: a run embedding with another model is told so."""

import json

from advisor.analyzers.cache.calibration import embedder_notes, load_calibration


def test_the_shipped_calibration_names_the_default_embedder():
    # The default back end ("auto") is the int8 ONNX export; the curve must be fitted on its cosines.
    assert load_calibration().meta["embedding_model"].startswith("onnx-int8:")


def test_no_note_when_the_run_embeds_with_the_calibration_model(tmp_path):
    (tmp_path / "calibration.json").write_text(json.dumps({"embedding_model": "model-a"}))
    assert embedder_notes(tmp_path, "model-a") == []


def test_a_note_names_both_models_when_they_differ(tmp_path):
    (tmp_path / "calibration.json").write_text(json.dumps({"embedding_model": "model-a"}))
    (note,) = embedder_notes(tmp_path, "model-b")
    assert "`model-a`" in note and "`model-b`" in note and "advisor train cache-calibration" in note


def test_no_note_when_either_side_is_unknown(tmp_path):
    # An older calibration without the field, or an embedder without an id: nothing to compare.
    (tmp_path / "calibration.json").write_text(json.dumps({}))
    assert embedder_notes(tmp_path, "model-b") == []
    assert embedder_notes(tmp_path / "missing", "model-b") == []
