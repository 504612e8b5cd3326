"""Cache analyzer on a tiny hand-built log with the fake embedder."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers import AnalysisContext
from advisor.analyzers.cache.analyzer import analyze_cache
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.core.config import Config
from advisor.core.errors import ConfigError
from advisor.core.schema import QueryLog
from advisor.embed import FakeEmbedder

QUESTIONS = [
    ("how do i reset my password", 1),
    ("what are your opening hours", 1),
    ("and on sunday?", 2),
    ("how do i reset my password", 1),
    ("How do I reset my password please", 1),
    ("cancel order 1135", 1),
    ("cancel order 2290", 1),
    ("what are your opening hours today", 1),
]


def make_log(rows=QUESTIONS, with_query=True, **extra):
    n = len(rows)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC"),
            "model": ["gpt-4o"] * n,
            "input_tokens": [100] * n,
            "output_tokens": [50] * n,
            "conversation_id": [f"c{i}" for i in range(n)],
            "turn": [t for _, t in rows],
        }
    )
    if with_query:
        frame["query"] = pd.array([q for q, _ in rows], dtype="string")
    for k, v in extra.items():
        frame[k] = v
    return QueryLog(frame=frame, sources=("tiny.csv",))


def baseline(n, cost=0.01, factor=30.0):
    return SimpleNamespace(
        per_call_cost_usd=np.full(n, cost), monthly_factor=factor, demand=SimpleNamespace(peak_calls_per_hour=100.0)
    )


def run(log, **cache):
    cfg = Config(sections={"cache": {"monthly_cost_usd": 0.0, "embedding_cost_per_mtok_usd": 0.0, **cache}})
    ctx = AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder())
    return analyze_cache(log, baseline(log.n_calls), ctx)


def test_without_query_text_the_analyzer_is_skipped():
    f = run(make_log(with_query=False))
    assert f.skipped_reason == "no query text column" and f.monthly_savings_usd == 0.0
    assert f.per_call_hit.shape == (len(QUESTIONS),)


def test_only_first_turns_are_cacheable_by_default():
    log = make_log()
    mask = cacheable_mask(log.frame, CacheSettings())
    assert mask.tolist() == [t == 1 for _, t in QUESTIONS]
    assert cacheable_mask(log.frame, CacheSettings(first_turns_only=False)).all()


def test_context_free_tasks_are_cacheable_at_any_turn():
    log = make_log(task=["faq"] * len(QUESTIONS))
    assert cacheable_mask(log.frame, CacheSettings(context_free_tasks=("faq",))).all()


# Without labels the shipped calibration's between-domain margin (about +-0.06) keeps every
# threshold's upper false-hit end above a 2 % budget; tests that need a chosen threshold
# without labels use a budget that the margin fits in.
LOOSE = {"false_hit_budget": 0.15}


def test_repeated_question_is_an_exact_hit_and_a_semantic_hit():
    f = run(make_log(), **LOOSE)
    assert f.exact_hit_rate == pytest.approx(1 / len(QUESTIONS))
    assert f.per_call_hit[3]  # the verbatim repeat
    assert f.per_call_p_right[3] == 1.0
    assert not f.per_call_hit[0] and not f.per_call_hit[2]  # first call, and a later turn


def test_hit_between_different_order_numbers_counts_as_false():
    f = run(make_log(), thresholds=[0.5])
    assert f.per_call_match_cosine[6] > 0.5
    assert f.per_call_p_right[6] == 0.0
    assert f.thresholds[0].entity_hit_share > 0


def test_without_labels_a_2_percent_budget_asks_for_labels_first():
    # Thresholds low enough that the hits are not only the verbatim repeat (certain, no margin).
    f = run(make_log(), false_hit_budget=0.02, thresholds=[0.5, 0.6, 0.7])
    assert f.chosen is None and f.monthly_savings_usd == 0.0
    assert any(("label" in w and "pairs first" in w) or "no semantic cache" in w for w in f.warnings)


def test_chosen_threshold_keeps_the_upper_false_hit_end_within_budget():
    f = run(make_log(), **LOOSE)
    assert f.chosen is not None and f.chosen.false_hit_upper <= LOOSE["false_hit_budget"]
    assert f.monthly_savings_usd == pytest.approx(f.chosen.monthly_net_savings_usd)
    assert f.monthly_savings_usd == pytest.approx(f.chosen.hits * 0.01 * 30.0)


def test_cache_cost_is_subtracted_from_savings():
    log = make_log()
    cfg = Config(sections={"cache": {"monthly_cost_usd": 1000.0, **LOOSE}})
    f = analyze_cache(log, baseline(log.n_calls), AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder()))
    assert f.monthly_cache_cost_usd >= 1000.0
    assert f.monthly_savings_usd == 0.0
    assert any("cache's own cost" in w for w in f.warnings)


def test_default_cache_cost_is_the_infrastructure_state_store_tier():
    log = make_log()
    f = analyze_cache(
        log, baseline(log.n_calls), AnalysisContext(config=Config(), prices=None, embedder=FakeEmbedder())
    )
    assert f.monthly_cache_cost_usd >= 300.0  # [infrastructure] cache_single_cost_per_month_usd


def test_to_dict_is_json_and_leaves_out_per_call_arrays():
    d = run(make_log()).to_dict()
    text = json.dumps(d)
    assert "per_call" not in text
    assert {"threshold", "hit_rate", "estimated_precision", "precision_interval"} <= set(d["thresholds"][0])


def test_pair_labels_update_the_calibration(tmp_path):
    labels = tmp_path / "pairs.csv"
    labels.write_text(
        "pair_id,cosine,query_a,query_b,response_a,response_b,same\n" + "".join(f"{i},0.9,a,b,,,0\n" for i in range(30))
    )
    plain = run(make_log(), thresholds=[0.5])
    labelled = run(make_log(), thresholds=[0.5], pair_labels=str(labels))
    assert "30 labelled pairs" in labelled.calibration
    assert any("without labels from this log" in w for w in plain.warnings)
    assert not any("without labels from this log" in w for w in labelled.warnings)
    assert labelled.thresholds[0].estimated_precision < plain.thresholds[0].estimated_precision
    # 30 of 30 close pairs different where the calibration expects nearly all the same: said in
    # words, refitted from the labels, and the findings name where the precision came from.
    assert plain.precision_source == "calibration" and labelled.precision_source == "labels"
    assert "stricter notion of 'same answer'" in labelled.warnings[0]
    assert labelled.to_dict()["precision_source"] == "labels"
    assert any("more labelled pairs" in w or "too short for +-0.03" in w for w in labelled.warnings)


def _labels_where_answers_tell_right_from_wrong(n=20):
    """Labelled pairs whose question cosines say nothing (all 0.8) but whose answers do."""
    from advisor.analyzers.cache.labels import PairLabels

    same = np.arange(n) % 2 == 0
    answers = tuple(
        ("Go to settings.", "Go to settings.") if s else ("Go to settings.", f"We are closed on day {i}.")
        for i, s in enumerate(same)
    )
    return PairLabels(cosine=np.full(n, 0.8), same=same, responses=answers)


def _run_with_labels(log, labels, **cache):
    cfg = Config(sections={"cache": {"monthly_cost_usd": 0.0, "embedding_cost_per_mtok_usd": 0.0, **cache}})
    ctx = AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder(), cache_pair_labels=labels)
    return analyze_cache(log, baseline(log.n_calls), ctx)


def test_logged_answers_are_left_out_without_labels_that_measure_them():
    rows = [("how do i reset my password", 1), ("how can i reset my password", 1)]
    same = run(make_log(rows, response=["Go to settings.", "Go to settings."]), thresholds=[0.3])
    diff = run(make_log(rows, response=["Go to settings.", "We are closed on sundays, sorry."]), thresholds=[0.3])
    assert diff.per_call_p_right[1] == same.per_call_p_right[1]
    assert any("logged answers not used" in w for w in diff.warnings)


def test_logged_answers_lower_the_estimate_when_labels_show_they_rank_better():
    rows = [("how do i reset my password", 1), ("how can i reset my password", 1)]
    labels = _labels_where_answers_tell_right_from_wrong()
    same = _run_with_labels(make_log(rows, response=["Go to settings.", "Go to settings."]), labels, thresholds=[0.3])
    diff = _run_with_labels(
        make_log(rows, response=["Go to settings.", "We are closed on sundays, sorry."]), labels, thresholds=[0.3]
    )
    assert diff.per_call_p_right[1] < same.per_call_p_right[1]
    assert any("logged answers used" in w for w in diff.warnings)


def test_an_exact_repeat_stays_certain_whatever_the_answers_say():
    rows = [("how do i reset my password", 1), ("how do i reset my password", 1)]
    labels = _labels_where_answers_tell_right_from_wrong()
    log = make_log(rows, response=["Go to settings.", "We are closed on sundays, sorry."])
    assert _run_with_labels(log, labels, thresholds=[0.3]).per_call_p_right[1] == 1.0


@pytest.mark.parametrize(
    "setting,value,text",
    [
        ("false_hit_budget", 1.5, "cache.false_hit_budget"),
        ("thresholds", [0.0], "cache.thresholds"),
        ("ttl_s", -1, "cache.ttl_s"),
        ("capacity", -3, "cache.capacity"),
        ("bogus", 1, "cache.bogus"),
        ("ttl_s", float("nan"), "cache.ttl_s"),
        ("monthly_cost_usd", -5.0, "cache.monthly_cost_usd"),
        ("embedding_cost_per_mtok_usd", float("inf"), "cache.embedding_cost_per_mtok_usd"),
        ("block_hours", float("nan"), "cache.block_hours"),
    ],
)
def test_bad_cache_settings_are_config_errors(setting, value, text):
    with pytest.raises(ConfigError, match=text):
        run(make_log(), **{setting: value})


def _labelled_update(bin_edges):
    from advisor.analyzers.cache.calibration import load_calibration, update_with_labels

    # 40 labels around 0.9-0.99 that say "wrong" far more often than the shipped curve expects.
    cos = np.linspace(0.9, 0.99, 40)
    same = np.arange(40) % 4 == 0
    return update_with_labels(load_calibration(), cos, same, seed=3, bin_edges=bin_edges)


def test_per_bin_alternative_leaves_the_point_estimate_and_widens_the_interval_where_labelled():
    curve_only = _labelled_update(None)
    mixed = _labelled_update((0.7, 0.8, 0.9))
    cos = np.array([0.75, 0.92, 0.97])
    np.testing.assert_allclose(mixed.predict(cos), curve_only.predict(cos))
    a, b = curve_only.predict(cos, draws=400), mixed.predict(cos, draws=400)
    # 0.75 lies in a bin without labels: its draws are the curve's own.
    np.testing.assert_allclose(a[:, 0], b[:, 0])

    # In the labelled bin, half the draws come from the bin's Beta posterior (10 right of 40).
    def spread(d):
        return np.subtract(*np.percentile(d, [97.5, 2.5]))

    assert spread(b[:, 1]) > spread(a[:, 1])
    assert abs(np.mean(b[200:, 1:]) - np.mean(b[:200, 1:])) < 0.1  # both models agree on the level
    assert b.min() >= 0 and b.max() <= 1


def test_labelled_draws_are_deterministic_for_a_seed():
    m = _labelled_update((0.7, 0.8, 0.9))
    np.testing.assert_array_equal(m.predict([0.91, 0.95], draws=50), m.predict([0.91, 0.95], draws=50))


def _labels_file(tmp_path, n, right_every):
    p = tmp_path / f"pairs{n}.csv"
    p.write_text(
        "pair_id,cosine,query_a,query_b,response_a,response_b,same\n"
        + "".join(f"{i},{0.5 + 0.5 * i / n:.4f},a,b,,,{int(i % right_every != 0)}\n" for i in range(n))
    )
    return str(p)


def test_few_labels_ask_for_more_before_recommending_and_enough_labels_say_why_it_is_safe(tmp_path):
    names = [
        a + b + c
        for a in ("ka", "lo", "mi", "su", "te", "vo")
        for b in ("ran", "bel", "dor", "fin", "gul")
        for c in ("a", "o", "us", "en", "ix", "ar", "el", "um", "is", "on")
    ]
    rows = [(f"how do i reset my password for account {w}", 1) for w in names]
    kw = {"thresholds": [0.5], "false_hit_budget": 0.1}
    few = run(make_log(rows), pair_labels=_labels_file(tmp_path, 12, 6), **kw)
    many = run(make_log(rows), pair_labels=_labels_file(tmp_path, 3000, 30), **kw)
    # 12 labels, 2 wrong: the interval's upper false-hit end is far above 10 %, so nothing is
    # recommended and the findings ask for a computed number of further pairs.
    assert few.chosen is None
    assert any("more pairs first" in w and "advisor cache label -n" in w for w in few.warnings)
    # 3,000 labels, 1 in 30 wrong: the upper end is within 10 % and the findings say so.
    assert many.chosen is not None and many.chosen.false_hit_upper <= 0.1
    assert any("upper end of its 95 % false-hit interval" in w for w in many.warnings)


def test_the_index_settings_are_read_from_a_cache_index_table():
    from advisor.analyzers.cache.settings import CacheSettings
    from advisor.core.config import settings

    s = settings(Config(sections={"cache": {"index": {"probes": 16, "max_probes": 32}}}), "cache", CacheSettings)
    assert (s.index.probes, s.index.max_probes, s.index.rows_per_list) == (16, 32, 1000)
    with pytest.raises(ConfigError, match=r"cache\.index\.probes"):
        settings(Config(sections={"cache": {"index": {"probes": 0}}}), "cache", CacheSettings)
    with pytest.raises(ConfigError, match=r"cache\.index\.nprobe"):
        settings(Config(sections={"cache": {"index": {"nprobe": 4}}}), "cache", CacheSettings)
