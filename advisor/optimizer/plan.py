"""Joint optimizer: OptimizerInputs -> Plan (which model, mode, cache threshold and workers).

`prepare_inputs` (advisor/optimizer/prepare.py) gathers the inputs, `build_problem`
(advisor/optimizer/program.py) writes the MILP, `solve_plan` here solves it (advisor/optimizer/solve.py:
HiGHS through PuLP, CBC when highspy is missing), reads the plan back, and adds the sensitivity figures
(advisor/optimizer/sensitivity.py). A target no plan meets raises InfeasiblePlanError naming the binding
constraint and the best value reachable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from advisor.analyzers import LEVERS
from advisor.optimizer.diagnose import diagnose
from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.program import ProblemVars, build_problem
from advisor.optimizer.sensitivity import FrontierPoint, LeverSaving, attribute_levers, cost_quality_frontier
from advisor.optimizer.solve import run, solver

__all__ = ["FrontierPoint", "LeverSaving", "ModelShare", "Plan", "SegmentPlan", "solve_plan"]

MARGIN_ITERATIONS = 12
MARGIN_TOLERANCE = 1e-4  # tight, so the per-lever attribution is not blurred by solver tolerance


@dataclass(frozen=True)
class ModelShare:
    model: str
    provider: str
    realtime_share: float  # of the segment's calls
    batch_share: float
    is_current: bool


@dataclass(frozen=True)
class SegmentPlan:
    segment_id: int
    name: str
    calls_per_month: float
    call_share: float
    current_model: str
    shares: tuple[ModelShare, ...]
    cached_share: float
    today_api_cost_per_month_usd: float
    plan_api_cost_per_month_usd: float  # before the prompt lever's factor
    relative_quality: float  # expected quality / today's, this segment
    routing_savings_per_month_usd: float  # real-time price difference of the calls moved off today's model
    batch_savings_per_month_usd: float  # real-time minus batch price of the calls sent to batch


@dataclass(frozen=True)
class Plan:
    status: str
    solver: str
    quality_target: float  # relative to today's volume-weighted quality
    quality_is_relative: bool  # True: no labels gave an absolute quality scale
    today_quality: float
    expected_relative_quality: float
    baseline_cost_per_month_usd: float
    monthly_cost_usd: float
    monthly_savings_usd: float
    api_cost_per_month_usd: float
    cache_threshold: float | None
    cache_hit_share: float  # of all calls
    cache_precision: float | None
    cache_cost_per_month_usd: float
    batch_share_of_calls: float
    reserved_workers: int | None
    on_demand_worker_hours_per_month: float | None
    peak_workers: float | None
    worker_cost_per_month_usd: float
    prompt_savings_share: float
    levers: tuple[str, ...]
    segments: tuple[SegmentPlan, ...]
    quality_margin: float = 0.0  # planned above the target to cover the labels' sampling error
    quality_se: float = 0.0  # standard error of expected_relative_quality
    shadow_price_usd_per_quality_point: float | None = None
    frontier: tuple[FrontierPoint, ...] = ()
    lever_attribution: tuple[LeverSaving, ...] = ()
    attribution_method: str = ""
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shadow_price(prob: Any, v: ProblemVars) -> float | None:
    """$ per month per quality point (0.01 of today's quality): the quality row's dual, integers fixed."""
    fixed = list(v.z.values()) + ([v.reserved] if v.reserved is not None else [])
    for var in fixed:
        value = round(var.value() or 0.0)
        var.cat, var.lowBound, var.upBound = "Continuous", value, value
    if run(prob) != "optimal":
        return None
    pi = prob.get_constraint_by_name("quality").pi
    return None if pi is None else float(pi) * 0.01


def _value(var: Any) -> float:
    return float(var.value() or 0.0) if var is not None else 0.0


def _merge_bins(shares: list[ModelShare]) -> list[ModelShare]:
    """One share per model: a candidate's score bins (per-call routing) add up to its routed share."""
    merged: dict[tuple[str, str, bool], ModelShare] = {}
    for sh in shares:
        key = (sh.model, sh.provider, sh.is_current)
        got = merged.get(key)
        merged[key] = (
            sh
            if got is None
            else replace(
                got, realtime_share=got.realtime_share + sh.realtime_share, batch_share=got.batch_share + sh.batch_share
            )
        )
    return list(merged.values())


def _read_segment(inputs: OptimizerInputs, v: ProblemVars, i: int) -> SegmentPlan:
    seg, total = inputs.segments[i], inputs.calls_per_month
    shares, api = [], 0.0
    quality = routed = batched = 0.0
    today = next(o for o in seg.options if o.is_current)
    for j, opt in enumerate(seg.options):
        rt, b = _value(v.x.get((i, j, "rt"))), _value(v.x.get((i, j, "b")))
        if not opt.is_current:
            routed += seg.calls_per_month * (rt + b) * (today.cost_per_call_usd - opt.cost_per_call_usd)
        batched += seg.calls_per_month * b * (opt.cost_per_call_usd - opt.batch_cost_per_call_usd)
        if rt > 1e-9 or b > 1e-9 or opt.is_current:
            shares.append(ModelShare(opt.model, opt.provider, rt, b, opt.is_current))
        api += seg.calls_per_month * (rt * opt.cost_per_call_usd + b * opt.batch_cost_per_call_usd)
        quality += (rt + b) * opt.quality
    shares = _merge_bins(shares)
    cached = sum(_value(v.c.get((i, k))) for k in range(len(inputs.cache_steps)))
    # The program's correction from the segment's average call to the hit calls' own cost.
    api += sum(
        _value(v.c.get((i, k))) * seg.calls_per_month * (today.cost_per_call_usd - seg.hit_cost(k))
        for k in range(len(inputs.cache_steps))
    )
    for k, step in enumerate(inputs.cache_steps):
        quality += _value(v.c.get((i, k))) * (
            step.precision * seg.current_quality + (1 - step.precision) * inputs.false_hit_quality
        )
    return SegmentPlan(
        segment_id=seg.id,
        name=seg.name,
        calls_per_month=seg.calls_per_month,
        call_share=seg.calls_per_month / total if total else 0.0,
        current_model=today.model,
        shares=tuple(shares),
        cached_share=cached,
        today_api_cost_per_month_usd=seg.calls_per_month * today.cost_per_call_usd,
        plan_api_cost_per_month_usd=api,
        relative_quality=quality / seg.current_quality if seg.current_quality else 0.0,
        routing_savings_per_month_usd=routed,
        batch_savings_per_month_usd=batched,
    )


def _read_workers(inputs: OptimizerInputs, v: ProblemVars) -> tuple[int | None, float | None, float | None, float]:
    """(reserved workers, on-demand worker hours a month, peak workers, worker cost a month)."""
    cap = inputs.capacity
    if v.reserved is None or cap is None:
        return None, None, None, cap.baseline_worker_cost_per_month_usd if cap is not None else 0.0
    reserved = round(_value(v.reserved))
    od_bins = sum(_value(v.on_demand[j]) * n for j, n in enumerate(cap.bins_per_month))
    od_hours = od_bins * cap.hours_per_bin
    peak = max((reserved + _value(o) for o in v.on_demand.values()), default=float(reserved))
    cost = reserved * cap.reserved_cost_per_worker_month_usd + od_bins * cap.on_demand_cost_per_worker_bin_usd
    return reserved, od_hours, peak, cost


def _read_plan(inputs: OptimizerInputs, v: ProblemVars, cost: float, solver_name: str) -> Plan:
    import pulp

    total = inputs.calls_per_month
    chosen = [k for k, var in v.z.items() if _value(var) > 0.5]
    step = inputs.cache_steps[chosen[0]] if chosen else None
    hit_share = (
        sum(_value(var) * inputs.segments[i].calls_per_month for (i, _k), var in v.c.items()) / total if total else 0.0
    )
    batch = sum(_value(var) * inputs.segments[i].calls_per_month for (i, _j, m), var in v.x.items() if m == "b")
    reserved, od_hours, peak, workers_cost = _read_workers(inputs, v)
    return Plan(
        status="optimal",
        solver=solver_name,
        quality_target=inputs.quality_target,
        quality_is_relative=inputs.quality_is_relative,
        today_quality=inputs.today_quality,
        expected_relative_quality=float(pulp.value(v.quality_expr)),
        baseline_cost_per_month_usd=inputs.baseline_cost_per_month_usd,
        monthly_cost_usd=cost,
        monthly_savings_usd=inputs.baseline_cost_per_month_usd - cost,
        api_cost_per_month_usd=float(pulp.value(v.api_expr) or 0.0),
        cache_threshold=step.threshold if step else None,
        cache_hit_share=hit_share,
        cache_precision=step.precision if step else None,
        cache_cost_per_month_usd=inputs.cache_cost_per_month_usd if step else 0.0,
        batch_share_of_calls=batch / total if total else 0.0,
        reserved_workers=reserved,
        on_demand_worker_hours_per_month=od_hours,
        peak_workers=peak,
        worker_cost_per_month_usd=workers_cost,
        prompt_savings_share=inputs.prompt_share(inputs.levers),
        levers=tuple(lv for lv in LEVERS if lv in inputs.levers),
        segments=tuple(_read_segment(inputs, v, i) for i in range(len(inputs.segments))),
    )


def _quality_se(inputs: OptimizerInputs, v: ProblemVars) -> float:
    """Standard error of the plan's relative quality; segments' label sets are disjoint, so independent."""
    total, q0 = inputs.calls_per_month, inputs.today_quality
    var = 0.0
    for (i, j, _mode), x in v.x.items():
        seg = inputs.segments[i]
        var += (seg.calls_per_month / (total * q0) * (x.value() or 0.0) * seg.options[j].quality_se) ** 2
    return var**0.5


def _safety_margin(inputs: OptimizerInputs, prob: Any, v: ProblemVars) -> tuple[float, list[str]]:
    """Raise the quality row by z x the plan's standard error, re-solving `prob` in place."""
    warnings: list[str] = []
    margin = 0.0
    # Fixed point of margin = z x se(plan(margin)); averaging damps the see-saw (a larger margin
    # moves fewer calls, which shrinks the error, which shrinks the margin).
    for _ in range(MARGIN_ITERATIONS if inputs.quality_z > 0 else 0):
        wanted = inputs.quality_z * _quality_se(inputs, v)
        step = wanted if margin == 0.0 else (margin + wanted) / 2
        if abs(step - margin) < MARGIN_TOLERANCE:
            break
        # Only the quality row's right-hand side changes: re-solve the same model, no rebuild.
        row = prob.get_constraint_by_name("quality")
        row.constant = -(inputs.quality_target + step)
        if run(prob) != "optimal":
            warnings.append(
                f"No plan keeps a {step:.3f} safety margin above the quality target; the plan "
                "meets the target on the point estimates only."
            )
            row.constant = -(inputs.quality_target + margin)
            run(prob)
            break
        margin = step
    return margin, warnings


def solve_plan(inputs: OptimizerInputs, *, sensitivity: bool = True) -> Plan:
    """Solve the program; with `sensitivity`, add the shadow price, frontier and lever attribution.

    With `inputs.quality_z` > 0 the target is raised by z x the standard error of the plan's
    expected quality (iterated to a fixed point, as the error depends on the plan), so the quality
    target holds with the configured confidence despite the labels' sampling error.
    """
    import pulp

    prob, v = build_problem(inputs)
    status = run(prob)
    if status != "optimal":
        raise diagnose(inputs)
    margin, warnings = _safety_margin(inputs, prob, v)
    inputs = replace(inputs, quality_margin=margin)
    _, solver_name = solver()
    plan = _read_plan(inputs, v, float(pulp.value(prob.objective)), solver_name)
    plan = replace(
        plan, quality_margin=inputs.quality_margin, quality_se=_quality_se(inputs, v), warnings=tuple(warnings)
    )
    if not sensitivity:
        return plan
    price = _shadow_price(prob, v)
    attribution, method = attribute_levers(inputs, plan.monthly_cost_usd)
    return replace(
        plan,
        shadow_price_usd_per_quality_point=price,
        frontier=cost_quality_frontier(inputs),
        lever_attribution=attribution,
        attribution_method=method,
    )
