"""Optimizer: hand-built inputs whose optimum can be worked out on paper."""

from __future__ import annotations

import dataclasses

import pulp
import pytest

from advisor.core.errors import InfeasiblePlanError
from advisor.optimizer.inputs import CacheStep, CapacityInput, ModelOption, OptimizerInputs, SegmentInput
from advisor.optimizer.plan import solve_plan
from advisor.optimizer.program import build_problem
from advisor.optimizer.solve import solve_cost


def _seg(i, name, small_q, *, batch=0.0, hits=(), floor=None, calls=1000.0):
    return SegmentInput(
        id=i,
        name=name,
        calls_per_month=calls,
        current_quality=0.9,
        options=(
            ModelOption("big", "openai", 0.9, 0.01, 0.005, True),
            ModelOption("small", "openai", small_q, 0.001, 0.0005, False),
        ),
        batch_tolerant_share=batch,
        hit_share_by_step=hits,
        relative_floor=floor,
    )


def _inputs(**kw):
    base = {
        "segments": (_seg(0, "easy", 0.85), _seg(1, "hard", 0.5)),
        "quality_target": 0.95,
        "baseline_cost_per_month_usd": 20.0,
        "levers": frozenset({"routing"}),
        "frontier_targets": (0.9, 1.0),
    }
    base.update(kw)
    return OptimizerInputs(**base)


def test_routing_moves_the_cheap_quality_first_and_meets_the_target_exactly():
    # Allowed loss: 2000 calls x 0.9 x 5 % = 90 quality units. "easy" costs 0.05 per call moved
    # (all 1000 = 50), "hard" 0.4 per call: 40 / 0.4 = 100 calls. API: 1 + 0.1 + 9 = 10.1.
    plan = solve_plan(_inputs())
    _easy, hard = plan.segments
    small = {s.name: next(m.realtime_share for m in s.shares if m.model == "small") for s in plan.segments}
    assert small["easy"] == pytest.approx(1.0)
    assert small["hard"] == pytest.approx(0.1)
    assert plan.api_cost_per_month_usd == pytest.approx(10.1)
    assert plan.monthly_savings_usd == pytest.approx(9.9)
    assert plan.expected_relative_quality == pytest.approx(0.95)
    assert hard.relative_quality == pytest.approx((0.1 * 0.5 + 0.9 * 0.9) / 0.9)


def test_shadow_price_matches_the_cost_of_one_more_quality_point():
    # One point = 0.01 x 1800 = 18 quality units = 45 "hard" calls back on "big" at 0.009 each.
    plan = solve_plan(_inputs())
    assert plan.shadow_price_usd_per_quality_point == pytest.approx(0.405)
    finite = solve_cost(_inputs(), quality_target=0.96)[0] - solve_cost(_inputs(), quality_target=0.95)[0]
    assert finite == pytest.approx(0.405)


def test_frontier_cost_rises_with_the_target():
    plan = solve_plan(_inputs())
    costs = [p.monthly_cost_usd for p in plan.frontier]
    assert [p.quality_target for p in plan.frontier] == [0.9, 0.95, 1.0]
    assert costs == sorted(costs) and costs[-1] == pytest.approx(20.0)


def test_unreachable_target_names_the_quality_constraint_and_the_best_plan():
    with pytest.raises(InfeasiblePlanError) as info:
        solve_plan(_inputs(quality_target=1.02))
    assert info.value.constraint == "quality"
    assert info.value.best_value == pytest.approx(1.0)
    assert "quality >= 1.02" in str(info.value) and "every call on big" in str(info.value)


def test_unreachable_segment_floor_names_the_segment():
    inputs = _inputs(segments=(_seg(0, "easy", 0.85), _seg(1, "hard", 0.5, floor=1.1)))
    with pytest.raises(InfeasiblePlanError, match="segment 'hard'"):
        solve_plan(inputs)


def test_segment_floor_keeps_a_segment_on_its_model():
    inputs = _inputs(segments=(_seg(0, "easy", 0.85, floor=1.0), _seg(1, "hard", 0.5)))
    plan = solve_plan(inputs)
    assert plan.segments[0].relative_quality == pytest.approx(1.0)


def test_batch_only_takes_the_tolerant_share_at_half_price():
    inputs = _inputs(
        segments=(_seg(0, "easy", 0.85, batch=0.3),),
        quality_target=1.0,
        baseline_cost_per_month_usd=10.0,
        levers=frozenset({"batch"}),
    )
    plan = solve_plan(inputs)
    assert plan.batch_share_of_calls == pytest.approx(0.3)
    assert plan.api_cost_per_month_usd == pytest.approx(0.7 * 10 + 0.3 * 5)


def _cache_inputs(budget, cost=1.0):
    steps = (CacheStep(0.8, 0.4, 0.90), CacheStep(0.9, 0.2, 0.99))
    return _inputs(
        segments=(_seg(0, "easy", 0.85, hits=(0.4, 0.2)),),
        quality_target=0.9,
        baseline_cost_per_month_usd=10.0,
        levers=frozenset({"cache"}),
        cache_steps=steps,
        cache_cost_per_month_usd=cost,
        false_hit_budget=budget,
    )


def test_false_hit_budget_picks_the_stricter_threshold():
    loose, strict = solve_plan(_cache_inputs(0.2)), solve_plan(_cache_inputs(0.02))
    assert loose.cache_threshold == 0.8 and loose.cache_hit_share == pytest.approx(0.4)
    assert strict.cache_threshold == 0.9 and strict.cache_hit_share == pytest.approx(0.2)
    assert strict.monthly_cost_usd == pytest.approx(0.8 * 10 + 1.0)


def test_cache_is_left_off_when_it_costs_more_than_it_saves():
    plan = solve_plan(_cache_inputs(0.2, cost=50.0))
    assert plan.cache_threshold is None and plan.cache_hit_share == 0.0


def test_reserved_workers_cover_the_base_and_on_demand_the_peaks():
    # 24 busy hours a week need 10 workers, the other 144 need 2: reserving a worker costs 90 a month,
    # an on-demand worker running all month 150 — reserve 2, rent the rest at the peak.
    cap = CapacityInput(
        workers_needed=(2, 10),
        bins_per_month=(144 / 168 * 720, 24 / 168 * 720),
        hours_per_bin=1.0,
        min_workers=2,
        on_demand_cost_per_worker_bin_usd=150 / 720,
        reserved_cost_per_worker_month_usd=90.0,
        baseline_workers=10,
        baseline_worker_cost_per_month_usd=1500.0,
    )
    inputs = _inputs(
        segments=(_seg(0, "easy", 0.85),),
        quality_target=1.0,
        capacity=cap,
        baseline_cost_per_month_usd=1510.0,
        levers=frozenset({"capacity"}),
    )
    plan = solve_plan(inputs)
    assert plan.reserved_workers == 2
    assert plan.on_demand_worker_hours_per_month == pytest.approx(8 * 24 * 30 / 7)
    assert plan.peak_workers == pytest.approx(10)


def test_lever_attribution_adds_up_to_the_total():
    cap = CapacityInput(
        workers_needed=(3,),
        bins_per_month=(720.0,),
        hours_per_bin=1.0,
        min_workers=1,
        on_demand_cost_per_worker_bin_usd=0.2,
        reserved_cost_per_worker_month_usd=80.0,
        baseline_workers=3,
        baseline_worker_cost_per_month_usd=450.0,
    )
    inputs = _inputs(
        segments=(_seg(0, "easy", 0.85, batch=0.5, hits=(0.3,)), _seg(1, "hard", 0.5)),
        cache_steps=(CacheStep(0.85, 0.15, 0.97),),
        cache_cost_per_month_usd=0.5,
        capacity=cap,
        baseline_cost_per_month_usd=470.0,
        prompt_savings_share=0.1,
        levers=frozenset({"cache", "routing", "batch", "prompt", "capacity"}),
    )
    plan = solve_plan(inputs)
    parts = {a.lever: a.monthly_savings_usd for a in plan.lever_attribution}
    assert list(parts) == ["cache", "routing", "batch", "prompt", "capacity"]
    assert sum(parts.values()) == pytest.approx(plan.monthly_savings_usd)
    assert all(v >= -1e-6 for v in parts.values())
    assert "sequential" in plan.attribution_method


def test_build_problem_names_its_constraints_for_inspection():
    prob, v = build_problem(_inputs())
    assert isinstance(prob, pulp.LpProblem)
    assert {"shares_s0", "shares_s1", "quality"} <= {c.name for c in prob.constraints()}
    assert len(v.x) == 4 and not v.z


def test_same_inputs_give_the_same_plan():
    assert solve_plan(_inputs()).to_dict() == solve_plan(_inputs()).to_dict()


def test_confidence_margin_raises_the_planned_quality_by_z_standard_errors():
    seg = _seg(0, "easy", 0.85)
    noisy = dataclasses.replace(seg, options=(seg.options[0], dataclasses.replace(seg.options[1], quality_se=0.02)))
    plain = solve_plan(_inputs(segments=(noisy,), baseline_cost_per_month_usd=10.0), sensitivity=False)
    careful = solve_plan(
        _inputs(segments=(noisy,), baseline_cost_per_month_usd=10.0, quality_z=1.2816), sensitivity=False
    )
    assert plain.quality_margin == 0.0
    assert careful.quality_margin > 0
    assert careful.expected_relative_quality == pytest.approx(0.95 + careful.quality_margin)
    assert careful.quality_margin == pytest.approx(1.2816 * careful.quality_se, rel=0.2)
    assert careful.monthly_savings_usd < plain.monthly_savings_usd


def test_a_log_whose_every_outcome_is_zero_gets_a_plan_not_a_division_by_zero(tmp_path):
    """Today's quality 0 on every call: no plan can fall below it, so the target is moot."""
    import pandas as pd
    from click.testing import CliRunner

    from advisor.cli.main import cli

    path = tmp_path / "zero.csv"
    pd.DataFrame(
        {
            "timestamp": ["2026-10-01T10:00:00Z", "2026-10-01T11:00:00Z"],
            "model": ["gpt-4o", "gpt-4o"],
            "input_tokens": [100, 200],
            "output_tokens": [10, 20],
            "quality": [0.0, 0.0],
        }
    ).to_csv(path, index=False)
    result = CliRunner().invoke(
        cli, ["analyze", str(path), "--no-store", "--json", "--analyzers", "batch,prompt,capacity"]
    )
    assert result.exit_code == 0, result.output


def test_frontier_from_one_model_re_solved_equals_fresh_builds_per_target():
    from advisor.optimizer.solve import solve_cost, solve_costs

    targets = [0.8, 0.9, 0.95, 0.99, 1.0, 1.3]
    for inputs in (_inputs(), _cache_inputs(0.05)):  # an LP and a MIP (the cache threshold is binary)
        assert solve_costs(inputs, targets) == [solve_cost(inputs, quality_target=t) for t in targets]


def test_a_cache_hit_saves_its_own_calls_cost_not_the_segments_average():
    # 1000 calls at 0.01 on average, but the 200 the cache answers cost 0.004 each: the cache
    # saves 200 x 0.004 = 0.8 a month, not 200 x 0.01 = 2.0 (cost 0.1 -> net 0.7).
    seg = dataclasses.replace(_seg(0, "all", 0.5, hits=(0.2,)), hit_cost_by_step=(0.004,))
    inputs = _inputs(
        segments=(seg,),
        cache_steps=(CacheStep(0.9, 0.2, 1.0),),
        cache_cost_per_month_usd=0.1,
        baseline_cost_per_month_usd=10.0,
        levers=frozenset({"cache"}),
    )
    plan = solve_plan(inputs)
    assert plan.cache_hit_share == pytest.approx(0.2)
    assert plan.monthly_savings_usd == pytest.approx(0.7)
    assert plan.segments[0].plan_api_cost_per_month_usd == pytest.approx(10.0 - 0.8)


def test_batch_moves_the_tolerant_calls_at_their_own_price():
    import numpy as np

    from advisor.optimizer.segments import Segmentation

    # Two calls in one segment: the tolerant one costs 0.004 (0.002 batched), the other 0.016.
    seg = Segmentation(np.array([0, 0]), ["m"], np.array([2.0]))
    rt, batch = np.array([0.004, 0.016]), np.array([0.002, 0.008])
    effective = seg.batch_cost(rt, batch, np.array([1.0, 0.0]))
    # Moving the tolerant half saves 0.002 a call, not the average's 0.005.
    assert seg.mean(rt)[0] - effective[0] == pytest.approx(0.002)
