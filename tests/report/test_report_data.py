"""Chart data: the only report-side arithmetic (waterfall steps, false-hit rate, trend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.history.store import RunSummary
from advisor.report.data import cache_chart, demand_chart, report_charts, waterfall_chart
from advisor.report.trend import cost_trend

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def result():
    return json.loads((FIXTURES / "result_v1.json").read_text())


def test_waterfall_steps_down_from_today_to_the_plan_by_each_lever(result):
    chart = waterfall_chart(result)
    labels = [b.label for b in chart.bars]
    # capacity saved nothing, so it has no step
    assert labels == ["today", "cache", "routing", "batch", "prompt", "plan"]
    total = result["plan"]["baseline_cost_per_month_usd"]
    assert chart.bars[0].high == pytest.approx(total)
    assert chart.bars[1].high == pytest.approx(total) and chart.bars[1].low == pytest.approx(total - 14.2)
    assert chart.bars[-1].high == pytest.approx(result["plan"]["monthly_cost_usd"])
    assert all(b.role == "decrease" for b in chart.bars[1:-1])


def test_waterfall_falls_back_to_the_baseline_total_without_a_plan_baseline(result):
    del result["plan"]["baseline_cost_per_month_usd"]
    assert waterfall_chart(result).bars[0].high == result["baseline"]["total_cost_per_month_usd"]


def test_cache_false_hit_rate_comes_from_precision_when_not_given(result):
    for row in result["findings"]["cache"]["thresholds"]:
        del row["false_hit_rate"]
    chart = cache_chart(result)
    false_hits = next(line for line in chart.lines if line.name == "false-hit rate")
    assert false_hits.points[0] == pytest.approx((0.70, 0.09))
    # the band is the precision interval turned around: 1 - high .. 1 - low
    assert chart.bands[0].points[0] == pytest.approx((0.70, 0.082, 0.10))
    assert {r.axis for r in chart.rules} == {"x", "y"}


def test_each_chart_says_why_it_is_unavailable():
    charts = report_charts({"baseline": {}, "findings": {"cache": {"skipped_reason": "no query text column"}}})
    reasons = {c.id: c.unavailable for c in charts}
    assert reasons["cache"] == "cache analysis skipped: no query text column"
    assert reasons["routing"] == "the routing analyzer did not run"
    assert reasons["cost-breakdown"] == "the baseline has no cost breakdown"
    assert all(reasons.values())


def test_demand_chart_draws_the_reserved_line(result):
    chart = demand_chart(result)
    assert len(chart.bars) == 24
    assert chart.rules[0].value == 1 and chart.rules[0].axis == "y"
    assert chart.note.startswith("Stability: unstable")


def _summary(run_id, total):
    return RunSummary(run_id, f"2026-1{run_id}-01", "0.1.0", None, "complete", None, None, 0.02, total, 0)


def test_trend_uses_total_cost_per_conversation_and_scales_bars_to_the_largest():
    trend = cost_trend([_summary(1, 0.30), _summary(2, 0.15), _summary(3, None)], bar_width=30)
    assert trend.metric == "total cost per conversation (USD)"
    assert [p.bar_cells for p in trend.points] == [30, 15, 0]
    assert trend.chart.lines[0].points == ((1.0, 0.30), (2.0, 0.15))
