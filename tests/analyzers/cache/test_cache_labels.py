"""Labelling workflow: stratified pair selection, the pairs file, `advisor cache label`."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.analyzers.cache.labels import load_pair_labels, select_pairs
from advisor.cli import cache_cmd
from advisor.cli.main import cli
from advisor.core.errors import InputError
from advisor.embed import FakeEmbedder


def test_pairs_are_spread_evenly_over_the_threshold_bins():
    rng = np.random.default_rng(0)
    cos = np.concatenate([rng.uniform(0.70, 0.80, 1000), rng.uniform(0.80, 0.90, 50), rng.uniform(0.9, 1.0, 10)])
    idx = select_pairs(cos, (0.7, 0.8, 0.9), 30, seed=0)
    assert len(idx) == 30 and len(set(idx.tolist())) == 30
    counts = np.histogram(cos[idx], bins=[0.7, 0.8, 0.9, 1.01])[0]
    assert counts.tolist() == [10, 10, 10]


def test_small_bins_hand_their_share_to_the_others():
    cos = np.array([0.71] * 100 + [0.95] * 2)
    idx = select_pairs(cos, (0.7, 0.9), 20, seed=1)
    assert len(idx) == 20 and np.sum(cos[idx] == 0.95) == 2


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_labels_file_reads_marks_and_skips_blank_rows(tmp_path):
    p = write(tmp_path / "p.csv", "pair_id,cosine,same\n1,0.9,yes\n2,0.8,0\n3,0.85,\n4,0.95,same\n")
    labels = load_pair_labels(p)
    assert labels.cosine.tolist() == [0.9, 0.8, 0.95] and labels.same.tolist() == [True, False, True]


@pytest.mark.parametrize(
    "text,match",
    [
        ("pair_id,cosine\n1,0.9\n", "column 'same'"),
        ("pair_id,cosine,same\n1,0.9,maybe\n", "line 2, column 'same': expected 1/0"),
        ("pair_id,cosine,same\n1,high,1\n", "line 2, column 'cosine': expected a number"),
        ("pair_id,cosine,same\n1,0.9,\n", "at least one labelled pair"),
    ],
)
def test_bad_labels_files_name_the_line_and_column(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        load_pair_labels(write(tmp_path / "p.csv", text))


def test_missing_labels_file_is_a_clean_error(tmp_path):
    with pytest.raises(InputError, match="pair labels file not found"):
        load_pair_labels(tmp_path / "none.csv")


LOG = """timestamp,model,input_tokens,output_tokens,turn,query,response
2026-01-01T00:00:00Z,gpt-4o,100,50,1,how do i reset my password,Go to settings
2026-01-01T00:01:00Z,gpt-4o,100,50,1,how can i reset my password,Open settings
2026-01-01T00:02:00Z,gpt-4o,100,50,1,what are your opening hours,9 to 5
2026-01-01T00:03:00Z,gpt-4o,100,50,1,what are the opening hours on sunday,Closed
2026-01-01T00:04:00Z,gpt-4o,100,50,2,thanks,You're welcome
2026-01-01T00:05:00Z,gpt-4o,100,50,1,how do i reset my password,Go to settings
"""


def test_cache_label_writes_matched_pairs_to_fill_in(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_cmd, "_load_embedder", lambda config, model_path=None: FakeEmbedder())
    log = write(tmp_path / "log.csv", LOG)
    out = tmp_path / "pairs.csv"
    res = CliRunner().invoke(cli, ["cache", "label", str(log), "--out", str(out), "-n", "10"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open()))
    assert rows and all(r["same"] == "" for r in rows)
    assert all(r["query_a"] != r["query_b"] for r in rows)  # identical texts need no label
    assert {"how do i reset my password", "how can i reset my password"} in [{r["query_a"], r["query_b"]} for r in rows]
    assert any(r["response_a"] for r in rows)
    assert "thanks" not in {r["query_b"] for r in rows}  # a later turn is not cacheable
    # Each call is named by its file and data row, so the conversation can be looked up.
    pair = next(
        r for r in rows if {r["query_a"], r["query_b"]} == {"how do i reset my password", "how can i reset my password"}
    )
    rows_of = {"how do i reset my password": 1, "how can i reset my password": 2}
    assert pair["call_a"] == f"{log}:{rows_of[pair['query_a']]}"
    assert pair["call_b"] == f"{log}:{rows_of[pair['query_b']]}"


def test_cache_label_without_query_column_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_cmd, "_load_embedder", lambda config, model_path=None: FakeEmbedder())
    log = write(tmp_path / "log.csv", "timestamp,model,input_tokens,output_tokens\n2026-01-01T00:00:00Z,gpt-4o,1,1\n")
    res = CliRunner().invoke(cli, ["cache", "label", str(log), "--out", str(tmp_path / "p.csv")])
    assert res.exit_code == 2
    assert "column 'query': expected a query text column" in res.output


def test_label_bins_are_five_hundredths_wide_from_the_lowest_threshold():
    from advisor.analyzers.cache.labels import label_bins
    from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS

    assert label_bins(DEFAULT_THRESHOLDS).tolist() == [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]


def test_cache_label_leaves_out_pairs_with_different_entity_values(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_cmd, "_load_embedder", lambda config, model_path=None: FakeEmbedder())
    log = write(
        tmp_path / "log.csv",
        "timestamp,model,input_tokens,output_tokens,query\n"
        "2026-01-01T00:00:00Z,gpt-4o,1,1,cancel order 1135 now\n"
        "2026-01-01T00:01:00Z,gpt-4o,1,1,cancel order 2290 now\n",
    )
    out = tmp_path / "pairs.csv"
    res = CliRunner().invoke(cli, ["cache", "label", str(log), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert list(csv.DictReader(out.open())) == []
    cfg = write(tmp_path / "c.toml", "[cache]\nentity_conflicts_are_false_hits = false\n")
    res = CliRunner().invoke(cli, ["cache", "label", str(log), "--out", str(out), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert len(list(csv.DictReader(out.open()))) == 1  # the same pair is shown when the rule is off


def test_a_single_threshold_still_gets_a_label_bin():
    from advisor.analyzers.cache.labels import label_bins

    assert label_bins([0.8]).tolist() == [0.8]
    assert label_bins([0.7 + 0.01 * i for i in range(29)]).tolist() == [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert select_pairs(np.array([0.79, 0.85, 0.9]), label_bins([0.8]), 5, seed=0).tolist() == [1, 2]
