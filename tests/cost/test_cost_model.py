"""Baseline cost model and infrastructure/operations arithmetic on tiny hand-computable logs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor.core import schema as S
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError, InputError
from advisor.cost.baseline import compute_baseline
from advisor.cost.infrastructure import (
    Demand,
    InfrastructureSettings,
    OperationsSettings,
    database_tier,
    infrastructure_cost,
    operations_cost,
    state_store_tier,
    workers_needed,
)
from advisor.prices.catalog import load_prices

# Prices chosen so every figure is easy to compute by hand ($ per million tokens).
PRICES = {
    "as_of": "2026-11-20",
    "small": {"provider": "acme", "input": 1.0, "output": 2.0, "cached_input": 0.5},
    "big": {"provider": "acme", "input": 10.0, "output": 20.0},
}


def _config(**sections) -> Config:
    return Config(sections={"prices": PRICES, **sections}, source="advisor.toml")


def _log(rows: list[dict], span_hours: float = 48.0) -> S.QueryLog:
    """A log whose rows are spread evenly over `span_hours` (first to last timestamp)."""
    frame = pd.DataFrame(rows)
    n = len(frame)
    start = pd.Timestamp("2026-11-01", tz="UTC")
    offsets = np.linspace(0, span_hours, n) if n > 1 else np.zeros(1)
    frame.insert(0, S.TIMESTAMP, start + pd.to_timedelta(offsets, unit="h"))
    frame[S.PROVIDER] = "acme"
    frame[S.SOURCE_FILE] = pd.Categorical(["calls.csv"] * n)
    frame[S.SOURCE_ROW] = np.arange(1, n + 1, dtype=np.int64)
    return S.QueryLog(frame=frame, sources=("calls.csv",))


def _rows() -> list[dict]:
    # Two conversations: c1 = 2 calls of small, c2 = 1 call of big.
    return [
        {
            S.MODEL: "small",
            S.INPUT_TOKENS: 1_000_000,
            S.OUTPUT_TOKENS: 500_000,
            S.CONVERSATION_ID: "c1",
            S.USER_ID: "u1",
        },
        {S.MODEL: "small", S.INPUT_TOKENS: 2_000_000, S.OUTPUT_TOKENS: 0, S.CONVERSATION_ID: "c1", S.USER_ID: "u1"},
        {S.MODEL: "big", S.INPUT_TOKENS: 100_000, S.OUTPUT_TOKENS: 100_000, S.CONVERSATION_ID: "c2", S.USER_ID: "u2"},
    ]


def _baseline(rows=None, span_hours=48.0, **sections):
    config = _config(**sections)
    return compute_baseline(_log(rows or _rows(), span_hours), load_prices(config), config)


def test_per_call_costs_are_input_plus_output_at_list_price():
    b = _baseline()
    # small: 1 M x $1 + 0.5 M x $2 = 2.0; small: 2 M x $1 = 2.0; big: 0.1 M x $10 + 0.1 M x $20 = 3.0
    np.testing.assert_allclose(b.per_call_cost_usd, [2.0, 2.0, 3.0])
    np.testing.assert_allclose(b.per_call_input_cost_usd, [1.0, 2.0, 1.0])
    np.testing.assert_allclose(b.per_call_output_cost_usd, [1.0, 0.0, 2.0])


def test_observed_scaling_stretches_the_log_span_to_a_30_day_month():
    b = _baseline(span_hours=48.0)
    assert b.scaling == "observed"
    assert b.monthly_factor == pytest.approx(15.0)
    assert b.api_cost_per_month_usd == pytest.approx(7.0 * 15)
    assert b.api_cost_per_day_usd == pytest.approx(3.5)
    assert b.input_cost_per_month_usd + b.output_cost_per_month_usd == pytest.approx(b.api_cost_per_month_usd)


def test_projection_by_conversations_per_day_replaces_the_observed_span():
    b = _baseline(projection={"conversations_per_day": 100})
    # 2 conversations in the log -> 100/day x 30 days = 3,000 conversations, factor 1,500.
    assert b.monthly_factor == pytest.approx(1500.0)
    assert b.conversations_per_month == pytest.approx(3000.0)
    assert b.calls_per_month == pytest.approx(4500.0)
    assert b.api_cost_per_month_usd == pytest.approx(7.0 * 1500)
    assert b.scaling == "projected: 100 conversations/day"


def test_projection_by_calls_per_day():
    b = _baseline(projection={"calls_per_day": 30})
    assert b.monthly_factor == pytest.approx(300.0)
    assert b.calls_per_month == pytest.approx(900.0)


def test_projection_by_conversations_needs_conversation_ids():
    rows = [{k: v for k, v in r.items() if k != S.CONVERSATION_ID} for r in _rows()]
    with pytest.raises(
        InputError,
        match=r"calls.csv, column 'conversation_id': expected conversation ids .* "
        r"found no conversation_id column\. .*calls_per_day",
    ):
        _baseline(rows, projection={"conversations_per_day": 100})


def test_both_projection_volumes_is_a_config_error():
    with pytest.raises(ConfigError, match=r"The 'projection.calls_per_day' setting must be left out"):
        _baseline(projection={"conversations_per_day": 1, "calls_per_day": 1})


def test_cost_per_conversation_mean_p50_p95():
    c = _baseline().conversation
    assert c.n_conversations == 2
    assert (c.api_mean_usd, c.api_p50_usd) == (pytest.approx(3.5), pytest.approx(3.5))
    assert c.api_p95_usd == pytest.approx(3.0 + 0.95 * 1.0)  # linear interpolation between 3 and 4


def test_all_in_cost_per_conversation_adds_infrastructure_and_operations_per_conversation():
    b = _baseline()
    fixed = b.infrastructure_cost_per_month_usd + b.operations_cost_per_month_usd
    assert b.conversation.total_mean_usd == pytest.approx(3.5 + fixed / b.conversations_per_month)


def test_cached_input_tokens_are_billed_at_the_cached_price():
    rows = [{S.MODEL: "small", S.INPUT_TOKENS: 1_000_000, S.OUTPUT_TOKENS: 0, S.CACHED_INPUT_TOKENS: 600_000}]
    b = _baseline(rows, span_hours=1)
    # 0.4 M x $1 + 0.6 M x $0.5
    assert b.per_call_cost_usd[0] == pytest.approx(0.7)
    assert b.per_call_cached_input_cost_usd[0] == pytest.approx(0.3)


def test_batch_calls_are_billed_at_the_batch_price():
    rows = [
        {S.MODEL: "big", S.INPUT_TOKENS: 1_000_000, S.OUTPUT_TOKENS: 1_000_000, S.IS_BATCH: True},
        {S.MODEL: "big", S.INPUT_TOKENS: 1_000_000, S.OUTPUT_TOKENS: 1_000_000, S.IS_BATCH: False},
    ]
    b = _baseline(rows)
    np.testing.assert_allclose(b.per_call_cost_usd, [15.0, 30.0])
    assert b.by_model[0].batch_price_source == "default 50 %"


def test_cached_tokens_above_input_are_capped_with_a_warning():
    rows = [{S.MODEL: "small", S.INPUT_TOKENS: 100, S.OUTPUT_TOKENS: 0, S.CACHED_INPUT_TOKENS: 500}]
    b = _baseline(rows)
    assert b.per_call_cost_usd[0] == pytest.approx(100 * 0.5 / 1e6)
    assert any("more cached than total input" in w for w in b.warnings)


def test_cost_per_user_month_and_per_business_unit():
    rows = _rows()
    for r, units in zip(rows, [1.0, 0.0, 1.0]):
        r[S.BUSINESS_UNIT] = units
    b = _baseline(rows, projection={"business_unit_name": "ticket resolved"})
    assert b.n_users == 2
    assert b.api_cost_per_user_month_usd == pytest.approx(105.0 / 2)
    assert b.total_cost_per_user_month_usd == pytest.approx(b.total_cost_per_month_usd / 2)
    assert b.business_units_per_month == pytest.approx(30.0)
    assert b.api_cost_per_business_unit_usd == pytest.approx(105.0 / 30)
    assert b.business_unit_name == "ticket resolved"
    assert any("undercount monthly active users" in w for w in b.warnings)


def test_api_infrastructure_operations_add_up_to_total_and_give_the_api_share():
    b = _baseline()
    total = b.api_cost_per_month_usd + b.infrastructure_cost_per_month_usd + b.operations_cost_per_month_usd
    assert b.total_cost_per_month_usd == pytest.approx(total)
    assert b.api_share == pytest.approx(b.api_cost_per_month_usd / total)


def test_by_model_splits_the_api_cost():
    b = _baseline()
    by = {m.model: m for m in b.by_model}
    assert by["small"].calls == 2 and by["big"].calls == 1
    assert by["small"].api_cost_per_month_usd == pytest.approx(60.0)
    assert by["big"].api_cost_share == pytest.approx(3.0 / 7.0)


def test_billed_cost_far_from_modelled_is_a_warning():
    rows = _rows()
    for r, billed in zip(rows, [2.0, 2.0, 6.0]):
        r[S.COST_USD] = billed
    b = _baseline(rows)
    assert (b.billed_cost_usd, b.modelled_cost_usd) == (pytest.approx(10.0), pytest.approx(7.0))
    assert any("differs from advisor's price" in w and "43%" in w for w in b.warnings)


def test_billed_cost_close_to_modelled_is_no_warning():
    rows = _rows()
    for r, billed in zip(rows, [2.0, 2.0, 3.2]):
        r[S.COST_USD] = billed
    assert not any("differs" in w for w in _baseline(rows).warnings)


def test_unknown_model_names_the_source_file_and_row():
    rows = _rows()
    rows[2][S.MODEL] = "bigg"
    with pytest.raises(InputError, match=r"calls.csv, row 3, column 'model': .*found 'bigg'.*big"):
        _baseline(rows)


def test_to_dict_is_json_ready_and_unrounded():
    d = _baseline(span_hours=7.0).to_dict()
    json.dumps(d)
    assert d["api_cost_per_month_usd"] == pytest.approx(7.0 * 30 * 24 / 7.0)
    assert "per_call_cost_usd" not in d
    assert d["price_date"] and d["price_source"].startswith("genai-prices")


def test_short_log_sizes_infrastructure_with_the_configured_peak_ratio():
    b = _baseline(span_hours=2.0, infrastructure={"peak_to_mean_ratio": 3.0})
    assert b.demand.peak_calls_per_hour == pytest.approx(3.0 * b.calls_per_month / 720)
    assert any("too little to measure the daily peak" in w for w in b.warnings)


def test_long_log_measures_the_peak_hour():
    # 48 calls: one per hour for 47 hours, except that hour 10 gets a second call.
    ts = [pd.Timestamp("2026-11-01", tz="UTC") + pd.Timedelta(hours=h) for h in range(47)]
    ts.append(ts[10] + pd.Timedelta(minutes=30))
    frame = pd.DataFrame(
        {S.TIMESTAMP: sorted(ts), S.MODEL: "small", S.PROVIDER: "acme", S.INPUT_TOKENS: 10, S.OUTPUT_TOKENS: 10}
    )
    config = _config()
    b = compute_baseline(S.QueryLog(frame=frame, sources=("x.csv",)), load_prices(config), config)
    mean_per_hour = 48 / 46.0
    assert b.demand.peak_calls_per_hour == pytest.approx(2 / mean_per_hour * b.calls_per_month / 720)


# ----------------------------------------------------------------------------- infrastructure


def test_workers_needed_respects_utilization_ceiling_and_minimum():
    s = InfrastructureSettings(worker_calls_per_hour=1000, utilization_ceiling=0.5, min_workers=2)
    assert workers_needed(0, s) == 2
    assert workers_needed(1500, s) == 3
    assert workers_needed(1501, s) == 4
    assert workers_needed(10, s, conversations_per_hour=1000) == 10  # 200 conv/worker-hour x 0.5


def test_state_stores_step_at_their_capacity_thresholds():
    s = InfrastructureSettings()
    assert state_store_tier(s.cache_single_max_calls_per_hour, s) == ("single", 300.0)
    assert state_store_tier(s.cache_single_max_calls_per_hour + 1, s) == ("cluster", 1250.0)
    assert database_tier(s.database_single_max_calls_per_hour, s) == ("single", 500.0)
    assert database_tier(s.database_single_max_calls_per_hour + 1, s) == ("replicas", 3000.0)


def test_infrastructure_and_operations_breakdown_by_hand():
    demand = Demand(
        calls_per_month=3_000_000,
        conversations_per_month=500_000,
        peak_calls_per_hour=8_400,
        peak_conversations_per_hour=1_000,
    )
    infra = infrastructure_cost(demand, InfrastructureSettings())
    assert infra.workers == 10  # 8,400 / (1,200 x 0.7)
    assert infra.worker_cost_per_month_usd == 1500.0
    assert infra.networking_cost_per_month_usd == pytest.approx(100 + 3 * 100)
    assert infra.storage_gb == pytest.approx(3 * 10 * 12)
    assert infra.storage_cost_per_month_usd == pytest.approx(36.0)
    assert infra.total_cost_per_month_usd == pytest.approx(1500 + 300 + 500 + 400 + 36)
    ops = operations_cost(demand, OperationsSettings())
    assert ops.observability_cost_per_month_usd == pytest.approx(450 + 150 * 10)
    assert ops.on_call_cost_per_month_usd == pytest.approx(0.10 * 180_000 / 12)
    assert ops.total_cost_per_month_usd == pytest.approx(1950 + 1500 + 100 + 500)


def test_infrastructure_settings_are_validated():
    with pytest.raises(ConfigError, match=r"The 'infrastructure.utilization_ceiling' setting must be a fraction"):
        settings(
            Config(sections={"infrastructure": {"utilization_ceiling": 1.5}}), "infrastructure", InfrastructureSettings
        )
    with pytest.raises(ConfigError, match=r"The 'operations.on_call_engineer_share' setting must be a fraction"):
        settings(Config(sections={"operations": {"on_call_engineer_share": 2}}), "operations", OperationsSettings)
    with pytest.raises(ConfigError, match=r"The 'infrastructure.worker_cost' setting is unknown"):
        settings(Config(sections={"infrastructure": {"worker_cost": 1}}), "infrastructure", InfrastructureSettings)


def test_log_shorter_than_a_day_warns_about_the_monthly_stretch():
    b = _baseline(span_hours=3.0)
    assert b.monthly_factor == pytest.approx(240.0)
    assert any("covers only 3.0 hours" in w and "240-fold" in w for w in b.warnings)
    d = b.to_dict()
    assert d["api_cost_per_conversation_usd"] == pytest.approx(3.5)
