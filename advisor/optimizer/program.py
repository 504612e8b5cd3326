"""The mixed-integer program: OptimizerInputs -> pulp.LpProblem (built, not solved).

Variables, all shares of a segment's monthly calls unless stated:
  x[s, o, rt|b]  calls of segment s sent to model option o in real time or through the batch API
  c[s, k]        calls of segment s answered by the semantic cache at sweep step k
  z[k]           binary: the cache runs at threshold k (at most one k)
  B              batch share of all calls (ties the hourly capacity rows to the plan)
  R              reserved workers (integer), o[h] on-demand workers in hour h of the week
Objective: monthly API cost (x the prompt lever's factor) + cache cost + workers + fixed costs.
Constraints are named so that diagnosis and duals can find them: "shares_s<i>", "batch_s<i>",
"hits_s<i>_k<k>", "one_threshold", "false_hits", "quality", "floor_s<i>", "batch_total",
"capacity_h<h>", "min_workers_h<h>".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.optimizer.inputs import WEEKS_PER_MONTH, OptimizerInputs


@dataclass(frozen=True)
class ProblemVars:
    """Handles to the program's variables, for reading a solution back."""

    x: dict[tuple[int, int, str], Any]
    c: dict[tuple[int, int], Any]
    z: dict[int, Any]
    reserved: Any = None
    on_demand: dict[int, Any] = field(default_factory=dict)
    quality_expr: Any = None
    api_expr: Any = None


def _quality_terms(inputs: OptimizerInputs, x, c):
    """Volume-weighted quality relative to today's (1.0 = today's quality), as a linear expression."""
    import pulp

    total, q0 = inputs.calls_per_month, inputs.today_quality
    terms = []
    for i, seg in enumerate(inputs.segments):
        w = seg.calls_per_month / (total * q0)
        for j, opt in enumerate(seg.options):
            for mode in ("rt", "b"):
                if (i, j, mode) in x:
                    terms.append((x[i, j, mode], w * opt.quality))
        for k, step in enumerate(inputs.cache_steps):
            if (i, k) in c:
                hit_q = step.precision * seg.current_quality + (1 - step.precision) * inputs.false_hit_quality
                terms.append((c[i, k], w * hit_q))
    return pulp.LpAffineExpression(terms)


def build_problem(
    inputs: OptimizerInputs,
    *,
    quality_target: float | None = None,
    levers: frozenset[str] | None = None,
    maximize_quality: bool = False,
):
    """The MILP for `inputs` (optionally another target or lever subset); returns (problem, vars)."""
    import pulp

    levers = inputs.levers if levers is None else levers
    target = (inputs.quality_target if quality_target is None else quality_target) + inputs.quality_margin
    prob = pulp.LpProblem("advisor_plan", pulp.LpMaximize if maximize_quality else pulp.LpMinimize)
    x: dict[tuple[int, int, str], Any] = {}
    c: dict[tuple[int, int], Any] = {}
    z: dict[int, Any] = {}
    total = inputs.calls_per_month
    api_factor = 1.0 - (inputs.prompt_savings_share if "prompt" in levers else 0.0)
    use_cache = "cache" in levers and bool(inputs.cache_steps)
    if use_cache:
        z = {k: prob.add_variable(f"z_{k}", 0, 1, cat="Binary") for k in range(len(inputs.cache_steps))}

    api_terms = []
    batch_terms = []
    for i, seg in enumerate(inputs.segments):
        for j, opt in enumerate(seg.options):
            if not opt.is_current and "routing" not in levers:
                continue
            x[i, j, "rt"] = prob.add_variable(f"x_{i}_{j}_rt", 0, 1)
            api_terms.append((x[i, j, "rt"], seg.calls_per_month * opt.cost_per_call_usd * api_factor))
            if "batch" in levers and seg.batch_tolerant_share > 0:
                x[i, j, "b"] = prob.add_variable(f"x_{i}_{j}_b", 0, 1)
                api_terms.append((x[i, j, "b"], seg.calls_per_month * opt.batch_cost_per_call_usd * api_factor))
                batch_terms.append((x[i, j, "b"], seg.calls_per_month / total if total else 0.0))
        if use_cache:
            for k, share in enumerate(seg.hit_share_by_step):
                if share > 0:
                    c[i, k] = prob.add_variable(f"c_{i}_{k}", 0, share)
                    prob += c[i, k] <= share * z[k], f"hits_s{i}_k{k}"
        own = [v for key, v in x.items() if key[0] == i] + [v for key, v in c.items() if key[0] == i]
        prob += pulp.lpSum(own) == 1, f"shares_s{i}"
        batch_vars = [v for key, v in x.items() if key[0] == i and key[2] == "b"]
        if batch_vars:
            prob += pulp.lpSum(batch_vars) <= seg.batch_tolerant_share, f"batch_s{i}"

    api_expr = pulp.LpAffineExpression(api_terms)
    cost_terms = [api_expr, inputs.fixed_cost_per_month_usd]
    if use_cache:
        prob += pulp.lpSum(z.values()) <= 1, "one_threshold"
        # wrong cached answers <= budget x cached answers, both in calls per month
        prob += (
            pulp.lpSum(
                c[i, k]
                * inputs.segments[i].calls_per_month
                * ((1 - inputs.cache_steps[k].precision) - inputs.false_hit_budget)
                for (i, k) in c
            )
            <= 0,
            "false_hits",
        )
        cost_terms.append(inputs.cache_cost_per_month_usd * pulp.lpSum(z.values()))

    reserved = None
    on_demand: dict[int, Any] = {}
    cap = inputs.capacity
    if cap is not None and "capacity" in levers:
        reserved = prob.add_variable("reserved_workers", 0, None, cat="Integer")
        batch_share = prob.add_variable("batch_share", 0, 1)
        prob += batch_share == pulp.LpAffineExpression(batch_terms), "batch_total"
        for h, demand in enumerate(cap.calls_per_hour):
            on_demand[h] = prob.add_variable(f"on_demand_h{h}", 0)
            need = demand / cap.calls_per_worker_hour
            # Batch calls leave the real-time path, so they need no worker at the peak.
            prob += reserved + on_demand[h] + need * batch_share >= need, f"capacity_h{h}"
            prob += reserved + on_demand[h] >= cap.min_workers, f"min_workers_h{h}"
        cost_terms.append(cap.reserved_cost_per_worker_month_usd * reserved)
        cost_terms.append(cap.on_demand_cost_per_worker_hour_usd * WEEKS_PER_MONTH * pulp.lpSum(on_demand.values()))
    elif cap is not None:
        cost_terms.append(cap.baseline_worker_cost_per_month_usd)

    quality = _quality_terms(inputs, x, c)
    if maximize_quality:
        prob += quality
    else:
        prob += pulp.lpSum(cost_terms)
        prob += quality >= target, "quality"
    for i, seg in enumerate(inputs.segments):
        if seg.relative_floor is None:
            continue
        own = [(x[key], seg.options[key[1]].quality) for key in x if key[0] == i]
        own += [
            (
                c[key],
                inputs.cache_steps[key[1]].precision * seg.current_quality
                + (1 - inputs.cache_steps[key[1]].precision) * inputs.false_hit_quality,
            )
            for key in c
            if key[0] == i
        ]
        prob += pulp.LpAffineExpression(own) >= seg.relative_floor * seg.current_quality, f"floor_s{i}"
    return prob, ProblemVars(
        x=x, c=c, z=z, reserved=reserved, on_demand=on_demand, quality_expr=quality, api_expr=api_expr
    )
