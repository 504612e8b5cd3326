"""Per-model usage for `runs compare`: cells by model, mode and traffic class; costs add up to the baseline."""

from __future__ import annotations

import pytest

from advisor.core import schema as S
from advisor.cost.baseline import compute_baseline
from advisor.cost.usage import compute_usage
from advisor.prices.catalog import load_prices
from tests.cost.test_cost_model import _config, _log


def _rows():
    return [
        {S.MODEL: "big", S.INPUT_TOKENS: 1000, S.OUTPUT_TOKENS: 100, S.CACHED_INPUT_TOKENS: 400, S.TASK: "chat"},
        {S.MODEL: "big", S.INPUT_TOKENS: 2000, S.OUTPUT_TOKENS: 300, S.CACHED_INPUT_TOKENS: 0, S.TASK: "chat"},
        {S.MODEL: "small", S.INPUT_TOKENS: 500, S.OUTPUT_TOKENS: 50, S.CACHED_INPUT_TOKENS: 0, S.TASK: "summary"},
    ]


def test_cells_split_by_model_mode_and_task_and_add_up_to_the_api_cost():
    log = _log(_rows() + [{**_rows()[2], S.IS_BATCH: True}], span_hours=48.0)
    log.frame[S.IS_BATCH] = log.frame[S.IS_BATCH].fillna(False).astype(bool)
    config = _config()
    prices = load_prices(config)
    baseline = compute_baseline(log, prices, config)
    usage = compute_usage(log, baseline, prices, [("small", "acme")])
    keys = {(c.model, c.mode, c.traffic_class): c for c in usage.cells}
    assert set(keys) == {("big", "realtime", "chat"), ("small", "realtime", "summary"), ("small", "batch", "summary")}
    big = keys[("big", "realtime", "chat")]
    assert (big.calls, big.uncached_input_tokens, big.cached_input_tokens, big.output_tokens) == (2, 2600, 400, 400)
    # big: $10 / $20 per Mtok, cached at the catalog's default for an unknown model: the input price.
    assert big.uncached_input_cost_usd == pytest.approx(2600 * 10 / 1e6)
    assert big.output_cost_usd == pytest.approx(400 * 20 / 1e6)
    batch = keys[("small", "batch", "summary")]
    assert batch.uncached_input_cost_usd == pytest.approx(500 * 0.5 / 1e6)  # 50 % batch default
    total = sum(c.uncached_input_cost_usd + c.cached_input_cost_usd + c.output_cost_usd for c in usage.cells)
    assert total * usage.monthly_factor == pytest.approx(baseline.api_cost_per_month_usd, rel=1e-12)
    assert {(p.model, p.provider) for p in usage.list_prices} == {("big", "acme"), ("small", "acme")}


def test_a_log_without_task_or_latency_class_is_one_traffic_class():
    rows = [{k: v for k, v in r.items() if k != S.TASK} for r in _rows()]
    log = _log(rows)
    config = _config()
    prices = load_prices(config)
    usage = compute_usage(log, compute_baseline(log, prices, config), prices)
    assert {c.traffic_class for c in usage.cells} == {"all"}
    assert usage.to_dict()["planned_by_class"] == {}
