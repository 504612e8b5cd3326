"""`advisor evaluate cache`: JSON shape, label blindness, label budget, clean errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import evaluate as evaluate_cli
from advisor.cli.main import cli
from advisor.embed import FakeEmbedder
from advisor.lab.evaluate.cache import evaluate_stream

STREAM = [
    ("how do i reset my password", "pw"),
    ("what time do you open", "hours"),
    ("how can i reset my password", "pw"),
    ("reset my password please", "pw"),
    ("when do you open today", "hours"),
    ("what time do you open", "hours"),
    ("cancel my subscription", "cancel"),
    ("how do i cancel my subscription", "cancel"),
    ("what is the weather", "oos1"),
    ("what is the weather like", "oos2"),
] * 3


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch):
    monkeypatch.setattr(evaluate_cli, "_load_embedder", lambda model_path=None: FakeEmbedder())


def write_stream(tmp_path, rows=STREAM, header="text,label"):
    p = tmp_path / "stream.csv"
    p.write_text(header + "\n" + "".join(f"{t},{label}\n" for t, label in rows))
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
    assert out["chosen"] is None or {"threshold", "hit_rate", "estimated_precision", "true_precision"} <= set(
        out["chosen"]
    )
    assert out["labels_used"] == 0


def test_estimates_do_not_read_the_labels():
    texts = [t for t, _ in STREAM]
    a = evaluate_stream(texts, [label for _, label in STREAM], FakeEmbedder())
    shuffled = list(np.random.default_rng(0).permutation([label for _, label in STREAM]))
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


def test_stricter_labels_are_said_and_the_json_names_the_precision_source(tmp_path):
    texts = [t for t, _ in STREAM]
    wrong = [str(i) for i in range(len(STREAM))]  # no hit is ever right: far stricter than the calibration
    plain = evaluate_stream(texts, wrong, FakeEmbedder())
    labelled = evaluate_stream(texts, wrong, FakeEmbedder(), label_budget=20)
    assert plain.precision_source == "calibration" and plain.label_warning is None
    assert plain.more_labels_for_target is None  # no labels: nothing to scale
    assert labelled.precision_source == "labels"
    assert "stricter notion of 'same answer'" in labelled.label_warning
    d = labelled.to_dict()
    assert d["precision_source"] == "labels" and "more_labels_for_target" in d


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


def _synthetic_matches(n=4000, seed=0):
    """A replayed stream without an embedder: cosines 0.6-1, right with a logistic chance."""
    from advisor.lab.evaluate.cache import StreamMatches

    rng = np.random.default_rng(seed)
    cos = np.concatenate([[-1.0], rng.uniform(0.6, 1.0, n - 1)])
    match = np.concatenate([[-1], np.zeros(n - 1, dtype=np.int64)])
    same = rng.random(n) < 1 / (1 + np.exp(-(cos - 0.8) * 20))
    # Label 0 for rows that share the first row's answer, a unique label otherwise.
    labels = ["0" if s else f"u{i}" for i, s in enumerate(same)]
    labels[0] = "0"
    m = StreamMatches(match_index=match, match_cosine=cos, same_text=np.zeros(n, bool))
    return m, labels


def test_replay_once_then_evaluate_gives_the_same_result_as_evaluate_stream():
    from advisor.lab.evaluate.cache import evaluate_matches, replay_stream

    texts, labels = [t for t, _ in STREAM], [label for _, label in STREAM]
    a = evaluate_stream(texts, labels, FakeEmbedder(), label_budget=6, seed=2)
    b = evaluate_matches(replay_stream(texts, FakeEmbedder()), labels, label_budget=6, seed=2)
    assert a == b


def test_ranking_auc_is_one_for_a_perfect_ranking_and_zero_for_a_reversed_one():
    from advisor.lab.evaluate.cache import true_same
    from advisor.lab.evaluate.cache_table import ranking_auc

    m, labels = _synthetic_matches()
    truth = true_same(m, labels)
    auc = ranking_auc(m, truth)
    assert 0.6 < auc < 0.95
    perfect = m.__class__(
        match_index=m.match_index,
        same_text=m.same_text,
        match_cosine=np.where(truth, 0.99, 0.76) * (m.match_index >= 0) - (m.match_index < 0),
    )
    assert ranking_auc(perfect, truth) == 1.0
    assert ranking_auc(perfect, ~truth & (m.match_index >= 0)) == 0.0


def test_label_noise_floor_falls_with_more_labels():
    from advisor.lab.evaluate.cache import true_same
    from advisor.lab.evaluate.cache_table import label_noise_floor

    m, labels = _synthetic_matches()
    truth = true_same(m, labels)
    few = label_noise_floor(m, truth, 40, range(12))
    many = label_noise_floor(m, truth, 800, range(12))
    assert few.shape == (12,) and np.all(few >= 0)
    assert np.median(many) < np.median(few)


def test_labelled_intervals_cover_the_truth_on_a_stream_unlike_the_calibration_data():
    from advisor.lab.evaluate.cache import evaluate_matches

    m, labels = _synthetic_matches(seed=1)
    covered = total = 0
    for seed in range(5):
        r = evaluate_matches(m, labels, label_budget=100, seed=seed)
        rows = [t for t in r.thresholds if t.hits and 0.75 <= t.threshold <= 0.95]
        covered += sum(t.precision_interval[0] <= t.true_precision <= t.precision_interval[1] for t in rows)
        total += len(rows)
    assert covered / total >= 0.85


def test_cache_table_writes_summary_budget_and_detail_sections(tmp_path, monkeypatch):
    import pandas as pd

    from advisor.lab.evaluate import cache_table

    stream = pd.DataFrame({"text": [t for t, _ in STREAM], "label": [label for _, label in STREAM]})
    monkeypatch.setattr(
        cache_table, "clinc_stream", lambda seed, splits=None: stream.sample(frac=1.0, random_state=seed)
    )
    monkeypatch.setattr(cache_table, "LABEL_DRAWS", 3)
    out = tmp_path / "t.md"
    messages = cache_table.write_table(out, FakeEmbedder(), qqp_path=tmp_path / "no-qqp.json.gz", seeds=1)
    text = out.read_text()
    assert any("QQP skipped" in m for m in messages)
    assert "## How many labels? (seed 0)" in text and "| CLINC150 test+oos | 0 | 30 | 100 |" in text
    assert (
        "## Can the log alone tell? (no labels)" in text and "(the calibration's training data) seed 0 | 30 |" in text
    )
    assert "## Does anything rank better than cosine? (seed 0)" in text
    assert text.count("| CLINC150 test+oos |") >= 2 + len(cache_table.BUDGET_CURVE)


def test_pair_features_are_oriented_so_that_higher_means_more_alike():
    from advisor.lab.evaluate.cache import StreamMatches
    from advisor.lab.evaluate.cache_ranking import FEATURES, pair_features

    texts = ["reset my password", "reset my password now", "book a flight to paris tomorrow morning"]
    m = StreamMatches(
        match_index=np.array([-1, 0, 0]), match_cosine=np.array([-1.0, 0.9, 0.8]), same_text=np.zeros(3, bool)
    )
    x = pair_features(texts, m, np.array([1, 2]))
    assert x.shape == (2, len(FEATURES))
    assert np.all(x[0] > x[1])  # the near-paraphrase wins on every feature


def test_ranking_aucs_score_each_feature_and_the_fitted_ranker():
    from advisor.lab.evaluate.cache import replay_stream
    from advisor.lab.evaluate.cache_ranking import FEATURES, fit_ranker, ranking_aucs

    texts, labels = [t for t, _ in STREAM], [label for _, label in STREAM]
    m = replay_stream(texts, FakeEmbedder())
    ranker = fit_ranker(texts, m, labels, from_cosine=0.0)
    aucs = ranking_aucs(texts, m, labels, ranker, from_cosine=0.0)
    assert set(FEATURES) < set(aucs) and len(aucs) == len(FEATURES) + 1
    assert all(0.0 <= a <= 1.0 for a in aucs.values())
    assert ranking_aucs(texts, m, ["same"] * len(texts)) == {}  # nothing to rank


def _as_log(rows):
    """The stream as a log of first-turn calls, one a minute, for `analyze`'s cache analyzer."""
    import pandas as pd

    from advisor.core.schema import QueryLog

    n = len(rows)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC"),
            "model": ["gpt-4o"] * n,
            "input_tokens": [100] * n,
            "output_tokens": [50] * n,
            "conversation_id": [f"c{i}" for i in range(n)],
            "turn": [1] * n,
            "query": pd.array([t for t, _ in rows], dtype="string"),
        }
    )
    return QueryLog(frame=frame, sources=("stream.csv",))


def test_evaluate_cache_runs_the_estimator_analyze_runs():
    from types import SimpleNamespace

    from advisor.analyzers import AnalysisContext
    from advisor.analyzers.cache.analyzer import analyze_cache
    from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS
    from advisor.core.config import Config

    # Entity values in the texts: the entity rule must act in both, or the estimates part.
    rows = [*STREAM, ("cancel order 1135", "o1"), ("cancel order 2290", "o2"), ("cancel order 1135", "o1")]
    evaluated = evaluate_stream([t for t, _ in rows], [label for _, label in rows], FakeEmbedder())
    config = Config(sections={"cache": {"monthly_cost_usd": 0.0, "embedding_cost_per_mtok_usd": 0.0}})
    ctx = AnalysisContext(config=config, prices=None, embedder=FakeEmbedder())
    n = len(rows)
    baseline = SimpleNamespace(
        per_call_cost_usd=np.full(n, 0.01), monthly_factor=1.0, demand=SimpleNamespace(peak_calls_per_hour=60.0)
    )
    analyzed = analyze_cache(_as_log(rows), baseline, ctx)
    assert [t.threshold for t in analyzed.thresholds] == list(DEFAULT_THRESHOLDS)
    for a, e in zip(analyzed.thresholds, evaluated.thresholds):
        assert a.hits == e.hits, a.threshold
        if e.estimated_precision is not None:
            # Same per-call P(right), same mean over the same hits: equal up to float summation order.
            assert a.estimated_precision == pytest.approx(e.estimated_precision, abs=1e-12), a.threshold


def test_table_output_ends_with_the_worst_error_and_coverage(tmp_path):
    res = invoke(write_stream(tmp_path))
    assert res.exit_code == 0, res.output
    assert re.search(r"Worst error [+-]\d\.\d{3} at threshold \d\.\d\d", res.output), res.output
    assert re.search(r"holds the truth at \d+ of \d+ thresholds", res.output)
