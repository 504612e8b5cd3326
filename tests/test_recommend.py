"""Recommendations from hand-built plans: wording, ranking, intervals, prerequisites."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from advisor.optimizer import LeverSaving, ModelShare, Plan, SegmentPlan
from advisor.recommend import make_recommendations


def _segment(sid, name, share, moved, gain, batch_gain=0.0):
    return SegmentPlan(sid, name, 1000 * share, share, "big",
                       (ModelShare("big", "openai", 1 - moved, 0.0, True), ModelShare("small", "openai", moved, 0.0, False)),
                       0.0, 10.0, 5.0, 0.97, gain, batch_gain)


def _plan(**kw):
    base = dict(status="optimal", solver="HiGHS", quality_target=0.95, quality_is_relative=False, today_quality=0.9,
                expected_relative_quality=0.95, baseline_cost_per_month_usd=1000.0, monthly_cost_usd=700.0,
                monthly_savings_usd=300.0, api_cost_per_month_usd=400.0, cache_threshold=0.86, cache_hit_share=0.1,
                cache_precision=0.98, cache_cost_per_month_usd=20.0, batch_share_of_calls=0.12, reserved_workers=3,
                on_demand_worker_hours_per_month=100.0, peak_workers=5.0, worker_cost_per_month_usd=300.0,
                prompt_savings_share=0.0, levers=("cache", "routing", "batch", "capacity"),
                segments=(_segment(0, "order status", 0.23, 1.0, 60.0), _segment(1, "refunds", 0.5, 0.4, 30.0, 8.0),
                          _segment(2, "tiny", 0.004, 1.0, 10.0)),
                lever_attribution=(LeverSaving("cache", 50.0, 60.0), LeverSaving("routing", 150.0, 170.0),
                                   LeverSaving("batch", 40.0, 45.0), LeverSaving("capacity", 60.0, 60.0)))
    base.update(kw)
    return Plan(**base)


def _findings(verdict="stable"):
    return {
        "routing": SimpleNamespace(monthly_savings_usd=200.0, savings_interval_usd=(150.0, 250.0), confidence="medium",
                                   prerequisites=("collect 200 labelled shadow answers first",), skipped_reason=None),
        "cache": SimpleNamespace(monthly_savings_usd=50.0, savings_interval_usd=(40.0, 60.0), skipped_reason=None,
                                 scope="first turns"),
        "batch": SimpleNamespace(monthly_savings_usd=40.0, savings_interval_usd=(36.0, 44.0), skipped_reason=None),
        "capacity": SimpleNamespace(monthly_savings_usd=60.0, skipped_reason=None,
                                    stability=SimpleNamespace(verdict=verdict)),
    }


def test_recommendations_are_ranked_by_savings_and_add_up_to_the_attribution():
    recs = make_recommendations(_plan(), _findings())
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    savings = [r.monthly_savings_usd for r in recs]
    assert savings == sorted(savings, reverse=True)
    assert sum(savings) == pytest.approx(300.0)


def test_routing_split_by_segment_says_what_to_send_where():
    recs = {r.title: r for r in make_recommendations(_plan(), _findings()) if r.lever == "routing"}
    whole = "Send the 'order status' segment, 23% of calls, to small"
    part = "Send 40% of the 'refunds' segment (20% of calls) to small"
    assert recs[whole].monthly_savings_usd == pytest.approx(150 * 60 / 100)
    assert recs[part].monthly_savings_usd == pytest.approx(150 * 30 / 100)
    # the 0.4 %-of-calls segment is folded into one line rather than recommended alone
    assert any(t.startswith("Send small parts of 1 other segments") for t in recs)
    assert recs[whole].prerequisites == ("collect 200 labelled shadow answers first",)


def test_interval_is_the_analyzers_scaled_to_the_plans_saving():
    cache = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "cache")
    assert cache.title == "Semantic cache at cosine 0.86 on first turns (answers 10% of calls)"
    assert cache.savings_interval_usd == pytest.approx((40.0, 60.0))
    batch = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "batch")
    assert batch.savings_interval_usd == pytest.approx((36.0, 44.0))


def test_lever_without_an_interval_says_so():
    cap = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "capacity")
    assert cap.savings_interval_usd == (60.0, 60.0)
    assert cap.interval_source.startswith("none")
    assert cap.title.startswith("Reserve 3 workers for one year and add on-demand workers")


def test_growing_traffic_asks_to_wait_before_reserving():
    cap = next(r for r in make_recommendations(_plan(), _findings("growing")) if r.lever == "capacity")
    assert cap.prerequisites == ("traffic is growing: rerun in 14 days before reserving",)
    assert cap.confidence == "low"


def test_levers_that_save_nothing_are_not_recommended():
    plan = _plan(cache_threshold=None, lever_attribution=(LeverSaving("routing", 150.0, 150.0),))
    assert {r.lever for r in make_recommendations(plan, _findings())} == {"routing"}
