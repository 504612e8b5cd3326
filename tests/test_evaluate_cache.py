"""`advisor evaluate cache`: JSON shape, label blindness, label budget, clean errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import evaluate as evaluate_cli
from advisor.cli.main import cli
from advisor.embed import FakeEmbedder
from advisor.evaluate.cache import evaluate_stream

STREAM = [
    ("how do i reset my password", "pw"), ("what time do you open", "hours"),
    ("how can i reset my password", "pw"), ("reset my password please", "pw"),
    ("when do you open today", "hours"), ("what time do you open", "hours"),
    ("cancel my subscription", "cancel"), ("how do i cancel my subscription", "cancel"),
    ("what is the weather", "oos1"), ("what is the weather like", "oos2"),
] * 3


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch):
    monkeypatch.setattr(evaluate_cli, "_load_embedder", lambda model_path=None: FakeEmbedder())


def write_stream(tmp_path, rows=STREAM, header="text,label"):
    p = tmp_path / "stream.csv"
    p.write_text(header + "\n" + "".join(f"{t},{l}\n" for t, l in rows))
    return p


def invoke(*args):
    return CliRunner().invoke(cli, ["evaluate", "cache", *map(str, args)])


def test_json_lists_thresholds_and_the_chosen_one(tmp_path):
    res = invoke(write_stream(tmp_path), "--text-col", "text", "--label-col", "label", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    row = out["thresholds"][0]
    assert {"threshold", "hit_rate", "estimated_precision", "true_precision"} <= set(row)
    assert [r["threshold"] for r in out["thresholds"]][:2] == [0.7, 0.71]
    assert out["chosen"] is None or {"threshold", "hit_rate", "estimated_precision", "true_precision"} <= set(out["chosen"])
    assert out["labels_used"] == 0


def test_estimates_do_not_read_the_labels():
    texts = [t for t, _ in STREAM]
    a = evaluate_stream(texts, [l for _, l in STREAM], FakeEmbedder())
    shuffled = list(np.random.default_rng(0).permutation([l for _, l in STREAM]))
    b = evaluate_stream(texts, shuffled, FakeEmbedder())
    assert [t.estimated_precision for t in a.thresholds] == [t.estimated_precision for t in b.thresholds]
    assert [t.true_precision for t in a.thresholds] != [t.true_precision for t in b.thresholds]


def test_label_budget_reveals_at_most_n_pairs_and_moves_the_estimate():
    texts = [t for t, _ in STREAM]
    wrong = [str(i) for i in range(len(STREAM))]  # every label distinct: no hit is ever right
    plain = evaluate_stream(texts, wrong, FakeEmbedder())
    labelled = evaluate_stream(texts, wrong, FakeEmbedder(), label_budget=5)
    assert 0 < labelled.labels_used <= 5
    t = next(i for i, r in enumerate(plain.thresholds) if r.hits and r.estimated_precision < 1)
    assert labelled.thresholds[t].estimated_precision < plain.thresholds[t].estimated_precision


def test_table_output_marks_the_chosen_threshold(tmp_path):
    res = invoke(write_stream(tmp_path))
    assert res.exit_code == 0, res.output
    assert "Cache evaluation" in res.output and "true precision" in res.output


def test_missing_label_column_exits_2_naming_the_option(tmp_path):
    res = invoke(write_stream(tmp_path), "--label-col", "intent")
    assert res.exit_code == 2
    assert "column 'intent': expected a column named 'intent'" in res.output and "--label-col" in res.output


def test_empty_text_cell_exits_2_naming_the_row(tmp_path):
    res = invoke(write_stream(tmp_path, [("hello", "a"), (" ", "b"), ("x", "c")]))
    assert res.exit_code == 2
    assert "row 2, column 'text': expected query text, found an empty cell" in res.output


def test_missing_stream_file_exits_2(tmp_path):
    res = invoke(tmp_path / "nope.csv")
    assert res.exit_code == 2 and "stream file not found" in res.output


def test_router_subcommand_is_attached_when_installed():
    res = CliRunner().invoke(cli, ["evaluate", "--help"])
    assert "cache" in res.output
    try:
        import advisor.cli.evaluate_router  # noqa: F401  (only checks it is importable)
    except ModuleNotFoundError:
        return
    assert "router" in res.output
