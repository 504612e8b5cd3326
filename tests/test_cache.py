"""Cache analyzer on a tiny hand-built log with the fake embedder."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers import AnalysisContext, get_analyzer
from advisor.analyzers.cache import CacheSettings, analyze_cache, cacheable_mask
from advisor.config import Config
from advisor.embed import FakeEmbedder
from advisor.errors import ConfigError
from advisor.schema import QueryLog

QUESTIONS = [
    ("how do i reset my password", 1), ("what are your opening hours", 1), ("and on sunday?", 2),
    ("how do i reset my password", 1), ("How do I reset my password please", 1),
    ("cancel order 1135", 1), ("cancel order 2290", 1), ("what are your opening hours today", 1),
]


def make_log(rows=QUESTIONS, with_query=True, **extra):
    n = len(rows)
    frame = pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC"),
        "model": ["gpt-4o"] * n, "input_tokens": [100] * n, "output_tokens": [50] * n,
        "conversation_id": [f"c{i}" for i in range(n)], "turn": [t for _, t in rows],
    })
    if with_query:
        frame["query"] = pd.array([q for q, _ in rows], dtype="string")
    for k, v in extra.items():
        frame[k] = v
    return QueryLog(frame=frame, sources=("tiny.csv",))


def baseline(n, cost=0.01, factor=30.0):
    return SimpleNamespace(per_call_cost_usd=np.full(n, cost), monthly_factor=factor,
                           demand=SimpleNamespace(peak_calls_per_hour=100.0))


def run(log, **cache):
    cfg = Config(sections={"cache": {"monthly_cost_usd": 0.0, "embedding_cost_per_mtok_usd": 0.0, **cache}})
    ctx = AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder())
    return analyze_cache(log, baseline(log.n_calls), ctx)


def test_registered_under_cache():
    assert get_analyzer("cache") is analyze_cache


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


def test_repeated_question_is_an_exact_hit_and_a_semantic_hit():
    f = run(make_log())
    assert f.exact_hit_rate == pytest.approx(1 / len(QUESTIONS))
    assert f.per_call_hit[3]  # the verbatim repeat
    assert f.per_call_p_right[3] == 1.0
    assert not f.per_call_hit[0] and not f.per_call_hit[2]  # first call, and a later turn


def test_hit_between_different_order_numbers_counts_as_false():
    f = run(make_log(), thresholds=[0.5])
    assert f.per_call_match_cosine[6] > 0.5
    assert f.per_call_p_right[6] == 0.0
    assert f.thresholds[0].entity_hit_share > 0


def test_chosen_threshold_keeps_expected_false_hits_within_budget():
    f = run(make_log(), false_hit_budget=0.02)
    assert f.chosen is not None and f.chosen.false_hit_rate <= 0.02
    assert f.monthly_savings_usd == pytest.approx(f.chosen.monthly_net_savings_usd)
    assert f.monthly_savings_usd == pytest.approx(f.chosen.hits * 0.01 * 30.0)


def test_cache_cost_is_subtracted_from_savings():
    log = make_log()
    cfg = Config(sections={"cache": {"monthly_cost_usd": 1000.0}})
    f = analyze_cache(log, baseline(log.n_calls), AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder()))
    assert f.monthly_cache_cost_usd >= 1000.0
    assert f.monthly_savings_usd == 0.0
    assert any("cache's own cost" in w for w in f.warnings)


def test_default_cache_cost_is_the_infrastructure_state_store_tier():
    log = make_log()
    f = analyze_cache(log, baseline(log.n_calls), AnalysisContext(config=Config(), prices=None, embedder=FakeEmbedder()))
    assert f.monthly_cache_cost_usd >= 300.0  # [infrastructure] cache_single_cost_per_month_usd


def test_to_dict_is_json_and_leaves_out_per_call_arrays():
    d = run(make_log()).to_dict()
    text = json.dumps(d)
    assert "per_call" not in text
    assert {"threshold", "hit_rate", "estimated_precision", "precision_interval"} <= set(d["thresholds"][0])


def test_pair_labels_update_the_calibration(tmp_path):
    labels = tmp_path / "pairs.csv"
    labels.write_text("pair_id,cosine,query_a,query_b,response_a,response_b,same\n"
                      + "".join(f"{i},0.9,a,b,,,0\n" for i in range(30)))
    plain = run(make_log(), thresholds=[0.5])
    labelled = run(make_log(), thresholds=[0.5], pair_labels=str(labels))
    assert "30 labelled pairs" in labelled.calibration
    assert any("without labels from this log" in w for w in plain.warnings)
    assert not any("without labels from this log" in w for w in labelled.warnings)
    assert labelled.thresholds[0].estimated_precision < plain.thresholds[0].estimated_precision


def test_different_logged_responses_lower_the_estimate():
    rows = [("how do i reset my password", 1), ("how can i reset my password", 1)]
    same = run(make_log(rows, response=["Go to settings.", "Go to settings."]), thresholds=[0.3])
    diff = run(make_log(rows, response=["Go to settings.", "We are closed on sundays, sorry."]), thresholds=[0.3])
    assert diff.per_call_p_right[1] < same.per_call_p_right[1]


@pytest.mark.parametrize("setting,value,text", [
    ("false_hit_budget", 1.5, "cache.false_hit_budget"), ("thresholds", [0.0], "cache.thresholds"),
    ("ttl_s", -1, "cache.ttl_s"), ("capacity", -3, "cache.capacity"), ("bogus", 1, "cache.bogus"),
    ("ttl_s", float("nan"), "cache.ttl_s"), ("monthly_cost_usd", -5.0, "cache.monthly_cost_usd"),
    ("embedding_cost_per_mtok_usd", float("inf"), "cache.embedding_cost_per_mtok_usd"),
    ("block_hours", float("nan"), "cache.block_hours"),
])
def test_bad_cache_settings_are_config_errors(setting, value, text):
    with pytest.raises(ConfigError, match=text):
        run(make_log(), **{setting: value})
