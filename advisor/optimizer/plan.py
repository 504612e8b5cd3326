"""Joint optimizer: OptimizerInputs -> Plan (which model, mode, cache threshold and workers).

`prepare_inputs` (advisor/optimizer/inputs.py) gathers the inputs, `build_problem`
(advisor/optimizer/program.py) writes the MILP, `solve_plan` here solves it with HiGHS through
PuLP (CBC when highspy is missing), reads the plan back, and adds the sensitivity figures
(advisor/optimizer/sensitivity.py). A target no plan meets raises InfeasiblePlanError naming the binding
constraint and the best value reachable.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.core.errors import InfeasiblePlanError
from advisor.optimizer.inputs import (
    LEVERS,
    WEEKS_PER_MONTH,
    OptimizerInputs,
    OptimizerSettings,
    prepare_inputs,
)
from advisor.optimizer.program import ProblemVars, build_problem

__all__ = [
    "FrontierPoint",
    "LeverSaving",
    "ModelShare",
    "OptimizerSettings",
    "Plan",
    "SegmentPlan",
    "build_problem",
    "prepare_inputs",
    "solve_cost",
    "solve_costs",
    "solve_plan",
]

MIP_REL_GAP = 1e-7
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
class FrontierPoint:
    quality_target: float
    feasible: bool
    monthly_cost_usd: float | None
    expected_relative_quality: float | None


@dataclass(frozen=True)
class LeverSaving:
    lever: str
    monthly_savings_usd: float  # sequential: with the levers before it applied
    alone_monthly_savings_usd: float  # this lever only, the others off


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
        from dataclasses import asdict

        return asdict(self)


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS prints its banner from C++ straight to fd 1, which would corrupt `--json` output."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield  # stdout is not a real file (e.g. CliRunner): nothing reaches fd 1 through it
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _solver():
    import pulp

    highs = pulp.HiGHS(msg=False, threads=1, random_seed=0, gapRel=MIP_REL_GAP)
    if highs.available():
        return highs, "HiGHS"
    return pulp.PULP_CBC_CMD(msg=False, threads=1, gapRel=MIP_REL_GAP, options=["randomSeed 0"]), "CBC"


def _run(prob) -> str:
    import pulp

    solver, _ = _solver()
    with _quiet_stdout():
        prob.solve(solver)
    return pulp.LpStatus[prob.status].lower()


def solve_cost(
    inputs: OptimizerInputs, *, quality_target: float | None = None, levers: frozenset[str] | None = None
) -> tuple[float, float] | None:
    """Optimal monthly cost and its relative quality for a target / lever subset; None if infeasible."""
    import pulp

    prob, v = build_problem(inputs, quality_target=quality_target, levers=levers)
    if _run(prob) != "optimal":
        return None
    return float(pulp.value(prob.objective)), float(pulp.value(v.quality_expr))


def solve_costs(inputs: OptimizerInputs, targets: Sequence[float]) -> list[tuple[float, float] | None]:
    """solve_cost at each quality target: one model, re-solved with only the quality row's
    right-hand side changed (building it is most of a small solve's time)."""
    import pulp

    if not targets:
        return []
    prob, v = build_problem(inputs, quality_target=targets[0])
    row = prob.get_constraint_by_name("quality")
    own = row.constant + (targets[0] + inputs.quality_margin)  # the quality expression's own constant
    out = []
    for target in targets:
        row.constant = own - (target + inputs.quality_margin)
        out.append(
            (float(pulp.value(prob.objective)), float(pulp.value(v.quality_expr))) if _run(prob) == "optimal" else None
        )
    return out


def _describe_models(inputs: OptimizerInputs, v: ProblemVars) -> str:
    volume: dict[str, float] = {}
    for (i, j, _mode), var in v.x.items():
        seg = inputs.segments[i]
        volume[seg.options[j].model] = (
            volume.get(seg.options[j].model, 0.0) + (var.value() or 0.0) * seg.calls_per_month
        )
    total = sum(volume.values()) or 1.0
    ranked = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))
    if ranked and ranked[0][1] / total > 0.995:
        return f"every call on {ranked[0][0]}"
    return "calls on " + ", ".join(f"{m} ({share / total:.0%})" for m, share in ranked[:3] if share > 0)


def _diagnose(inputs: OptimizerInputs) -> InfeasiblePlanError:
    """Name the constraint that no plan can meet and how far off the best plan is."""
    import pulp

    for seg in inputs.segments:
        if seg.relative_floor is None:
            continue
        best = max(opt.quality for opt in seg.options) / seg.current_quality if seg.current_quality else 0.0
        if best < seg.relative_floor - 1e-9:
            model = max(seg.options, key=lambda o: o.quality).model
            return InfeasiblePlanError(
                f"the quality floor {seg.relative_floor:.2f} for segment '{seg.name}' is unreachable: its best "
                f"model {model} reaches {best:.3f} of today's quality. Lower [optimizer] segment_floors or "
                "min_segment_relative_quality, or add a stronger candidate model.",
                constraint=f"floor:{seg.name}",
                best_value=best,
            )
    prob, v = build_problem(inputs, maximize_quality=True)
    _run(prob)
    best = float(pulp.value(v.quality_expr) or 0.0)
    scale = (
        "of today's quality"
        if inputs.quality_is_relative
        else (f"of today's quality ({inputs.quality_target * inputs.today_quality:.3f} absolute)")
    )
    return InfeasiblePlanError(
        f"quality >= {inputs.quality_target:.2f} {scale} is unreachable: the best plan reaches {best:.3f} with "
        f"{_describe_models(inputs, v)}. Lower --quality-target to at most {best:.3f}, or add a stronger "
        "candidate model to [routing] candidates.",
        constraint="quality",
        best_value=best,
    )


def _shadow_price(prob, v: ProblemVars) -> float | None:
    """$ per month per quality point (0.01 of today's quality): the quality row's dual, integers fixed."""
    fixed = list(v.z.values()) + ([v.reserved] if v.reserved is not None else [])
    for var in fixed:
        value = round(var.value() or 0.0)
        var.cat, var.lowBound, var.upBound = "Continuous", value, value
    if _run(prob) != "optimal":
        return None
    pi = prob.get_constraint_by_name("quality").pi
    return None if pi is None else float(pi) * 0.01


def _read_plan(inputs: OptimizerInputs, v: ProblemVars, cost: float, solver: str) -> Plan:
    import pulp

    def val(var) -> float:
        return float(var.value() or 0.0) if var is not None else 0.0

    total = inputs.calls_per_month
    segments = []
    for i, seg in enumerate(inputs.segments):
        shares, api = [], 0.0
        quality = routed = batched = 0.0
        today = next(o for o in seg.options if o.is_current)
        for j, opt in enumerate(seg.options):
            rt, b = val(v.x.get((i, j, "rt"))), val(v.x.get((i, j, "b")))
            if not opt.is_current:
                routed += seg.calls_per_month * (rt + b) * (today.cost_per_call_usd - opt.cost_per_call_usd)
            batched += seg.calls_per_month * b * (opt.cost_per_call_usd - opt.batch_cost_per_call_usd)
            if rt > 1e-9 or b > 1e-9 or opt.is_current:
                shares.append(ModelShare(opt.model, opt.provider, rt, b, opt.is_current))
            api += seg.calls_per_month * (rt * opt.cost_per_call_usd + b * opt.batch_cost_per_call_usd)
            quality += (rt + b) * opt.quality
        cached = sum(val(v.c.get((i, k))) for k in range(len(inputs.cache_steps)))
        for k, step in enumerate(inputs.cache_steps):
            quality += val(v.c.get((i, k))) * (
                step.precision * seg.current_quality + (1 - step.precision) * inputs.false_hit_quality
            )
        segments.append(
            SegmentPlan(
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
        )
    chosen = [k for k, var in v.z.items() if val(var) > 0.5]
    step = inputs.cache_steps[chosen[0]] if chosen else None
    hit_share = (
        sum(val(var) * inputs.segments[i].calls_per_month for (i, _k), var in v.c.items()) / total if total else 0.0
    )
    batch = sum(val(var) * inputs.segments[i].calls_per_month for (i, _j, m), var in v.x.items() if m == "b")
    cap = inputs.capacity
    if v.reserved is not None and cap is not None:
        reserved = round(val(v.reserved))
        od_hours = sum(val(o) for o in v.on_demand.values()) * WEEKS_PER_MONTH
        peak = max((reserved + val(o) for o in v.on_demand.values()), default=float(reserved))
        workers_cost = (
            reserved * cap.reserved_cost_per_worker_month_usd + od_hours * cap.on_demand_cost_per_worker_hour_usd
        )
    else:
        reserved, od_hours, peak = None, None, None
        workers_cost = cap.baseline_worker_cost_per_month_usd if cap is not None else 0.0
    return Plan(
        status="optimal",
        solver=solver,
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
        prompt_savings_share=inputs.prompt_savings_share if "prompt" in inputs.levers else 0.0,
        levers=tuple(lv for lv in LEVERS if lv in inputs.levers),
        segments=tuple(segments),
    )


def _quality_se(inputs: OptimizerInputs, v: ProblemVars) -> float:
    """Standard error of the plan's relative quality; segments' label sets are disjoint, so independent."""
    total, q0 = inputs.calls_per_month, inputs.today_quality
    var = 0.0
    for (i, j, _mode), x in v.x.items():
        seg = inputs.segments[i]
        var += (seg.calls_per_month / (total * q0) * (x.value() or 0.0) * seg.options[j].quality_se) ** 2
    return var**0.5


def solve_plan(inputs: OptimizerInputs, *, sensitivity: bool = True) -> Plan:
    """Solve the program; with `sensitivity`, add the shadow price, frontier and lever attribution.

    With `inputs.quality_z` > 0 the target is raised by z x the standard error of the plan's
    expected quality (iterated to a fixed point, as the error depends on the plan), so the quality
    target holds with the configured confidence despite the labels' sampling error.
    """
    import pulp

    prob, v = build_problem(inputs)
    status = _run(prob)
    if status != "optimal":
        raise _diagnose(inputs)
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
        if _run(prob) != "optimal":
            warnings.append(
                f"No plan keeps a {step:.3f} safety margin above the quality target; the plan "
                "meets the target on the point estimates only."
            )
            row.constant = -(inputs.quality_target + margin)
            _run(prob)
            break
        margin = step
    inputs = replace(inputs, quality_margin=margin)
    _, solver = _solver()
    plan = _read_plan(inputs, v, float(pulp.value(prob.objective)), solver)
    plan = replace(
        plan, quality_margin=inputs.quality_margin, quality_se=_quality_se(inputs, v), warnings=tuple(warnings)
    )
    if not sensitivity:
        return plan
    from advisor.optimizer.sensitivity import attribute_levers, cost_quality_frontier

    price = _shadow_price(prob, v)
    attribution, method = attribute_levers(inputs, plan.monthly_cost_usd)
    return replace(
        plan,
        shadow_price_usd_per_quality_point=price,
        frontier=cost_quality_frontier(inputs),
        lever_attribution=attribution,
        attribution_method=method,
    )
