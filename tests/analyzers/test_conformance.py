"""One conformance suite run over every registered analyzer (scikit-learn's check_estimator is the
model): the same generic checks on the same small hand-made log, with a fake embedder.

Behaviour specific to one lever stays in that analyzer's own test file.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers import LEVERS, MODULES, REGISTRY, AnalysisContext, get_analyzer
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.embed import FakeEmbedder
from advisor.prices.catalog import load_prices

CONFIG = Config(seed=0, sections={"prices": {"as_of": "2026-10-01"}, "routing": {"learning_curve": False}})
QUERIES = [
    "where is my order",
    "where is my order?",
    "how do I reset my password",
    "cancel my subscription",
    "what is your refund policy",
    "summarize this support ticket",
    "translate this reply to french",
    "how do I change my address",
]
N = 240
DAYS = 15


def _frame() -> pd.DataFrame:
    """240 calls over 15 days: three-turn conversations, repeated questions, a background task,
    quality labels for the served model and shadow labels for a cheaper one."""
    i = np.arange(N)
    turn = i % 3 + 1
    return pd.DataFrame(
        {
            S.TIMESTAMP: pd.Timestamp("2026-10-01", tz="UTC") + pd.to_timedelta(i * (DAYS * 86400 / N), unit="s"),
            S.MODEL: "gpt-4o",
            S.PROVIDER: "openai",
            S.INPUT_TOKENS: (800 + (i % 7) * 50 + (turn - 1) * 200).astype(np.int64),
            S.OUTPUT_TOKENS: (150 + (i % 5) * 20).astype(np.int64),
            S.SYSTEM_TOKENS: np.full(N, 300, dtype=np.int64),
            S.HISTORY_TOKENS: ((turn - 1) * 200).astype(np.int64),
            S.CONVERSATION_ID: pd.array([f"c{k // 3}" for k in i], dtype="string"),
            S.TURN: turn.astype(np.int64),
            S.TASK: pd.array([("faq", "summary", "order")[k % 3] for k in i], dtype="string"),
            S.LATENCY_CLASS: pd.array(["background" if k % 4 == 0 else "interactive" for k in i], dtype="string"),
            S.QUERY: pd.array([QUERIES[(k * 5) % len(QUERIES)] for k in i], dtype="string"),
            S.QUALITY: (i % 5 != 0).astype(float),
            "quality__gpt-4o-mini": (i % 3 != 0).astype(float),
        }
    )


def _log(drop: tuple[str, ...] = ()) -> S.QueryLog:
    return S.QueryLog(frame=_frame().drop(columns=list(drop)), sources=("conformance.csv",))


def _run(lever: str, log: S.QueryLog):
    prices = load_prices(CONFIG)
    baseline = compute_baseline(log, prices, CONFIG)
    ctx = AnalysisContext(config=CONFIG, prices=prices, embedder=FakeEmbedder())
    return get_analyzer(lever)(log, baseline, ctx), baseline


@pytest.fixture(scope="module", params=LEVERS)
def ran(request):
    """(lever, log, findings, baseline) for each analyzer on the shared log, run once per module."""
    log = _log()
    findings, baseline = _run(request.param, log)
    return request.param, log, findings, baseline


def _per_call_fields(value, path="findings"):
    """(path, value) of every per_call_* field, in the findings and the dataclasses nested in them."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            child = getattr(value, f.name)
            if f.name.startswith("per_call_"):
                yield f"{path}.{f.name}", child
            else:
                yield from _per_call_fields(child, f"{path}.{f.name}")
    elif isinstance(value, (list, tuple)):
        for k, child in enumerate(value):
            yield from _per_call_fields(child, f"{path}[{k}]")


def _keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def test_every_lever_is_registered_by_its_module():
    for lever in LEVERS:
        fn = get_analyzer(lever)
        assert REGISTRY[lever] is fn and fn.__module__ == MODULES[lever]


def test_findings_are_named_after_the_lever(ran):
    lever, _, findings, _ = ran
    assert findings.name == lever
    assert findings.skipped_reason is None  # the shared log has what every analyzer needs


def test_findings_are_a_frozen_dataclass(ran):
    _, _, findings, _ = ran
    assert dataclasses.is_dataclass(findings) and type(findings).__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        findings.name = "changed"


def test_to_dict_is_strict_json_without_per_call_arrays(ran):
    _, _, findings, _ = ran
    d = findings.to_dict()
    json.dumps(d, allow_nan=False)
    assert not [k for k in _keys(d) if str(k).startswith("per_call_")]


def test_per_call_arrays_are_aligned_with_the_log_rows(ran):
    _, log, findings, _ = ran
    for path, values in _per_call_fields(findings):
        assert values is None or len(values) == log.n_calls, path


def test_the_analyzer_leaves_log_and_baseline_untouched():
    for lever in LEVERS:
        log = _log()
        prices = load_prices(CONFIG)
        baseline = compute_baseline(log, prices, CONFIG)
        frame_before = log.frame.copy(deep=True)
        baseline_before = json.dumps(baseline.to_dict(), sort_keys=True)
        costs_before = np.array(baseline.per_call_cost_usd, copy=True)
        get_analyzer(lever)(log, baseline, AnalysisContext(config=CONFIG, prices=prices, embedder=FakeEmbedder()))
        pd.testing.assert_frame_equal(log.frame, frame_before)
        assert json.dumps(baseline.to_dict(), sort_keys=True) == baseline_before, lever
        assert np.array_equal(baseline.per_call_cost_usd, costs_before), lever


def test_two_runs_give_the_same_findings(ran):
    lever, log, findings, _ = ran
    again, _ = _run(lever, log)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(findings.to_dict(), sort_keys=True)


def test_savings_are_finite_and_the_interval_is_ordered(ran):
    _, _, findings, _ = ran
    assert math.isfinite(findings.monthly_savings_usd)
    interval = getattr(findings, "savings_interval_usd", None)
    if interval is not None:
        low, high = interval
        assert math.isfinite(low) and math.isfinite(high) and low <= high


# What each analyzer needs that a log may lack; capacity needs only timestamps, which every log has.
LACKING = {
    "cache": {"drop": (S.QUERY,)},
    "routing": {"drop": (S.QUERY,)},
    "batch": {"drop": (S.LATENCY_CLASS,)},
    "prompt": {"drop": (S.CONVERSATION_ID, S.SYSTEM_TOKENS, S.HISTORY_TOKENS, S.TURN)},
}


@pytest.mark.parametrize("lever", LEVERS)
def test_a_log_lacking_what_the_analyzer_needs_is_skipped_with_a_reason(lever):
    if lever not in LACKING:
        pytest.skip(f"the {lever} analyzer needs no optional column")
    log = _log(**LACKING[lever])
    findings, _ = _run(lever, log)
    assert findings.skipped_reason and findings.monthly_savings_usd == 0.0
    for path, values in _per_call_fields(findings):
        assert values is None or len(values) == log.n_calls, path
