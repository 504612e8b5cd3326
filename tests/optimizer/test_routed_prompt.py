"""Prompt caching priced on the plan's routing (advisor/optimizer/routed_prompt.py)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers import AnalysisContext
from advisor.analyzers.prompt.analyzer import analyze_prompt
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.plan import ModelShare
from advisor.optimizer.routed_prompt import planned_models, routed_prompt_share
from advisor.optimizer.segments import Segmentation
from advisor.prices.catalog import load_prices
from tests.lever_fakes import fake_findings

T0 = pd.Timestamp("2026-10-01", tz="UTC")
SONNET, HAIKU = "claude-sonnet-4-5", "claude-haiku-4-5"
CONFIG = Config(sections={"prices": {"as_of": "2026-10-01"}})


def _chat_log() -> S.QueryLog:
    """One conversation of three calls 60 s apart; prompts 1300, 1600, 1900 tokens (system 1200)."""
    n = 3
    history = np.arange(n) * 300
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: T0 + pd.to_timedelta(np.arange(n) * 60.0, unit="s"),
            S.MODEL: SONNET,
            S.PROVIDER: "anthropic",
            S.CONVERSATION_ID: "c1",
            S.TURN: np.arange(1, n + 1),
            S.INPUT_TOKENS: 1200 + history + 100,
            S.OUTPUT_TOKENS: np.full(n, 200),
            S.SYSTEM_TOKENS: np.full(n, 1200),
            S.HISTORY_TOKENS: history,
            S.TASK: "chat",
            S.QUERY: pd.array(["hello there"] * n, dtype="string"),
        }
    )
    return S.QueryLog(frame=frame, sources=("t.csv",))


def _plan(haiku_share: float):
    shares = (
        ModelShare(SONNET, "anthropic", 1.0 - haiku_share, 0.0, True),
        ModelShare(HAIKU, "anthropic", haiku_share, 0.0, False),
    )
    return SimpleNamespace(segments=(SimpleNamespace(shares=shares),), cache_threshold=None)


def _findings(log, order):
    prices = load_prices(CONFIG)
    prompt = analyze_prompt(log, compute_baseline(log, prices, CONFIG), AnalysisContext(config=CONFIG, prices=prices))
    cand = SimpleNamespace(model=HAIKU, per_call_routable_order=np.asarray(order))
    routing = fake_findings(
        "routing",
        candidates=(cand,),
        segments=(SimpleNamespace(id=0),),
        per_call_segment=np.zeros(log.n_calls, np.int64),
    )
    return {"prompt": prompt, "routing": routing}, prices


def test_nothing_routed_gives_the_prompt_analyzers_own_share():
    log = _chat_log()
    findings, prices = _findings(log, [1])
    share = routed_prompt_share(_plan(0.0), log, findings, config=CONFIG, prices=prices)
    baseline = compute_baseline(log, prices, CONFIG)
    alone = findings["prompt"].per_call_cache_savings_usd.sum() / baseline.per_call_cost_usd.sum()
    assert alone > 0.1  # the log caches well, so the comparison below means something
    assert share == pytest.approx(alone, rel=1e-9)


def test_routing_the_middle_call_breaks_the_conversations_prefix_priced_by_hand():
    log = _chat_log()
    findings, prices = _findings(log, [1])  # the plan routes one call in three: the middle one
    share = routed_prompt_share(_plan(1 / 3), log, findings, config=CONFIG, prices=prices)
    s, h = prices.price(SONNET, "anthropic"), prices.price(HAIKU, "anthropic")
    mtok = 1e-6
    # Turn 1 (sonnet) writes 1300. Turn 2 (haiku) finds nothing cached on haiku: writes 1600.
    # Turn 3 (sonnet) reads turn 1's 1300-token prompt (120 s earlier), not turn 2's 1600; writes 600.
    saved = (
        -1300 * 0.25 * s.input_per_mtok_usd * mtok
        - 1600 * 0.25 * h.input_per_mtok_usd * mtok
        + 1300 * (s.input_per_mtok_usd - s.cached_input_per_mtok_usd) * mtok
        - 600 * 0.25 * s.input_per_mtok_usd * mtok
    )
    models = np.array([SONNET, HAIKU, SONNET])
    inp, out = log.frame[S.INPUT_TOKENS].to_numpy(), log.frame[S.OUTPUT_TOKENS].to_numpy()
    cost = prices.call_cost_usd(models, np.full(3, "anthropic"), inp, out).sum()
    assert share == pytest.approx(max(saved / cost, 0.0), rel=1e-9)
    alone = routed_prompt_share(_plan(0.0), log, findings, config=CONFIG, prices=prices)
    assert share < alone  # a split conversation reads less


def test_calls_the_plans_semantic_cache_answers_neither_read_nor_refresh_the_prompt_cache():
    log = _chat_log()
    findings, prices = _findings(log, [1])
    findings["cache"] = fake_findings(
        "cache",
        per_call_cacheable=np.array([True, False, False]),
        per_call_match_cosine=np.array([0.95, np.nan, np.nan]),
    )
    plan = replace_threshold(_plan(0.0), 0.9)  # the first call is a semantic-cache hit
    share = routed_prompt_share(plan, log, findings, config=CONFIG, prices=prices)
    s = prices.price(SONNET, "anthropic")
    rate, cached = s.input_per_mtok_usd * 1e-6, s.cached_input_per_mtok_usd * 1e-6
    # Turn 2 finds nothing cached and writes its 1600 tokens; turn 3 reads them, writes 300.
    saved = -1600 * 0.25 * rate + 1600 * (rate - cached) - 300 * 0.25 * rate
    inp, out = log.frame[S.INPUT_TOKENS].to_numpy()[1:], log.frame[S.OUTPUT_TOKENS].to_numpy()[1:]
    cost = prices.call_cost_usd(np.full(2, SONNET), np.full(2, "anthropic"), inp, out).sum()
    assert share == pytest.approx(saved / cost, rel=1e-9)


def replace_threshold(plan, threshold):
    return SimpleNamespace(segments=plan.segments, cache_threshold=threshold)


def test_planned_models_takes_each_segments_best_scored_calls_in_the_plans_share():
    frame = pd.DataFrame({S.MODEL: [SONNET] * 6, S.PROVIDER: ["anthropic"] * 6})
    seg = Segmentation(np.array([0, 0, 0, 1, 1, 1]), ["a", "b"], np.array([3.0, 3.0]))
    plan = SimpleNamespace(segments=(_plan(2 / 3).segments[0], _plan(1 / 3).segments[0]), cache_threshold=None)
    routing = SimpleNamespace(
        candidates=(SimpleNamespace(model=HAIKU, per_call_routable_order=np.array([5, 2, 0, 4])),)
    )
    model, provider = planned_models(plan, seg, routing, frame)
    # segment 0: its two best-scored calls 2 and 0; segment 1: its best, 5.
    assert model.tolist() == [HAIKU, SONNET, HAIKU, SONNET, SONNET, HAIKU]
    assert provider.tolist() == ["anthropic"] * 6
    no_order = SimpleNamespace(candidates=(SimpleNamespace(model=HAIKU, per_call_routable_order=None),))
    assert planned_models(plan, seg, no_order, frame) is None


def test_the_replanned_share_applies_only_with_a_lever_that_reshapes_the_traffic():
    inputs = OptimizerInputs(segments=(), quality_target=0.95, prompt_savings_share=0.20)
    routed = replace(inputs, routed_prompt_savings_share=0.12)
    assert routed.prompt_share(frozenset({"prompt"})) == 0.20  # the lever alone: the analyzer's figure
    assert routed.prompt_share(frozenset({"prompt", "routing"})) == 0.12
    assert routed.prompt_share(frozenset({"prompt", "batch"})) == 0.12
    assert routed.prompt_share(frozenset({"prompt", "capacity"})) == 0.20
    assert routed.prompt_share(frozenset({"routing"})) == 0.0
    assert inputs.prompt_share(frozenset({"prompt", "routing"})) == 0.20  # not re-priced: unchanged


def test_price_weight_is_the_expected_share_of_the_real_time_price():
    from advisor.optimizer.routed_prompt import _price_weight

    log = _chat_log()
    prices = load_prices(CONFIG)
    shares = (ModelShare(SONNET, "anthropic", 0.75, 0.25, True),)  # a quarter of the segment to batch
    plan = SimpleNamespace(segments=(SimpleNamespace(shares=shares),), cache_threshold=None)
    seg = Segmentation(np.zeros(3, np.int64), ["a"], np.array([3.0]))
    levers = SimpleNamespace(batch=SimpleNamespace(per_call_eligible=np.array([True, False, False])))
    weight = _price_weight(plan, seg, levers, log.frame, prices)
    inp, out = log.frame[S.INPUT_TOKENS].to_numpy()[:1], log.frame[S.OUTPUT_TOKENS].to_numpy()[:1]
    ratio = (
        prices.call_cost_usd([SONNET], ["anthropic"], inp, out, batch=True)[0]
        / prices.call_cost_usd([SONNET], ["anthropic"], inp, out)[0]
    )
    assert ratio < 0.9  # the catalog has a batch discount for this model, so the weight means something
    # A quarter of the segment from a third eligible: the eligible call goes to batch 3 times in 4.
    assert weight == pytest.approx([0.25 + 0.75 * ratio, 1.0, 1.0])
