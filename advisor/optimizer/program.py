"""The mixed-integer program: OptimizerInputs -> pulp.LpProblem (built, not solved).

Variables, all shares of a segment's monthly calls unless stated:
  x[s, o, rt|b]  calls of segment s sent to model option o in real time or through the batch API
  c[s, k]        calls of segment s answered by the semantic cache at sweep step k
  z[k]           binary: the cache runs at threshold k (at most one k)
  B              batch share of all calls (ties the hourly capacity rows to the plan)
  R              reserved workers (integer), o[l] on-demand workers in the demand bins needing l-th count
Objective: monthly API cost (x the prompt lever's factor) + cache cost + workers + fixed costs.
Constraints are named so that diagnosis and duals can find them: "shares_s<i>", "batch_s<i>",
"hits_s<i>_k<k>", "one_threshold", "false_hits", "quality", "floor_s<i>", "batch_total",
"capacity_l<l>", "min_workers_l<l>"; per-call routing adds "bin_s<i>_o<j>" (a score bin's share),
"order_s<i>_o<j>" (bins filled best first) and "routing_budget" (several candidates share one bound).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.optimizer.inputs import CapacityInput, OptimizerInputs, SegmentInput


@dataclass
class _Build:
    """The variables and cost terms as the program is being written."""

    api_factor: float  # 1 - the prompt lever's share of API cost, when that lever is on
    x: dict[tuple[int, int, str], Any] = field(default_factory=dict)
    c: dict[tuple[int, int], Any] = field(default_factory=dict)
    z: dict[int, Any] = field(default_factory=dict)
    reserved: Any = None
    on_demand: dict[int, Any] = field(default_factory=dict)
    api_terms: list[tuple[Any, float]] = field(default_factory=list)
    batch_terms: list[tuple[Any, float]] = field(default_factory=list)


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


def _hit_quality(inputs: OptimizerInputs, seg: SegmentInput, k: int) -> float:
    """Expected quality of a call the cache answers at step k: right answers keep today's quality."""
    precision = inputs.cache_steps[k].precision
    return precision * seg.current_quality + (1 - precision) * inputs.false_hit_quality


def _quality_terms(inputs: OptimizerInputs, x: dict, c: dict) -> Any:
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
        for k in range(len(inputs.cache_steps)):
            if (i, k) in c:
                terms.append((c[i, k], w * _hit_quality(inputs, seg, k)))
    return pulp.LpAffineExpression(terms)


def _add_segment(prob: Any, inputs: OptimizerInputs, i: int, levers: frozenset[str], v: _Build) -> None:
    """Segment i's model, batch and cache variables, and its rows: shares add up to 1, batch within the tolerant share."""
    import pulp

    seg, total = inputs.segments[i], inputs.calls_per_month
    for j, opt in enumerate(seg.options):
        if not opt.is_current and "routing" not in levers:
            continue
        v.x[i, j, "rt"] = prob.add_variable(f"x_{i}_{j}_rt", 0, 1)
        v.api_terms.append((v.x[i, j, "rt"], seg.calls_per_month * opt.cost_per_call_usd * v.api_factor))
        if "batch" in levers and seg.batch_tolerant_share > 0:
            v.x[i, j, "b"] = prob.add_variable(f"x_{i}_{j}_b", 0, 1)
            v.api_terms.append((v.x[i, j, "b"], seg.calls_per_month * opt.batch_cost_per_call_usd * v.api_factor))
            v.batch_terms.append((v.x[i, j, "b"], seg.calls_per_month / total if total else 0.0))
    if v.z:
        for k, share in enumerate(seg.hit_share_by_step):
            if share > 0:
                v.c[i, k] = prob.add_variable(f"c_{i}_{k}", 0, share)
                prob += v.c[i, k] <= share * v.z[k], f"hits_s{i}_k{k}"
                # A hit leaves the shares of the segment's average call: correct to the hit calls' own cost.
                today = next(o for o in seg.options if o.is_current).cost_per_call_usd
                adjust = seg.calls_per_month * (today - seg.hit_cost(k)) * v.api_factor
                if adjust:
                    v.api_terms.append((v.c[i, k], adjust))
    _add_bin_rows(prob, seg, i, v)
    own = [var for key, var in v.x.items() if key[0] == i] + [var for key, var in v.c.items() if key[0] == i]
    prob += pulp.lpSum(own) == 1, f"shares_s{i}"
    batch_vars = [var for key, var in v.x.items() if key[0] == i and key[2] == "b"]
    if batch_vars:
        prob += pulp.lpSum(batch_vars) <= seg.batch_tolerant_share, f"batch_s{i}"


def _option_share(v: _Build, i: int, j: int) -> list[Any]:
    return [v.x[i, j, mode] for mode in ("rt", "b") if (i, j, mode) in v.x]


def _add_bin_rows(prob: Any, seg: SegmentInput, i: int, v: _Build) -> None:
    """Score bins: each at most its share of the segment, and a candidate's bins filled best first
    (a bin's fill ratio never above the previous one's), so the shares are one score threshold."""
    import pulp

    previous: dict[str, tuple[int, float]] = {}
    for j, opt in enumerate(seg.options):
        if opt.score_bin is None or not _option_share(v, i, j):
            continue
        share = pulp.lpSum(_option_share(v, i, j))
        prob += share <= opt.max_share, f"bin_s{i}_o{j}"
        if opt.model in previous:
            k, w = previous[opt.model]
            prob += share * w - pulp.lpSum(_option_share(v, i, k)) * opt.max_share <= 0, f"order_s{i}_o{j}"
        previous[opt.model] = (j, opt.max_share)


def _add_routing_budget(prob: Any, inputs: OptimizerInputs, v: _Build) -> None:
    """Each candidate's routed prefix alone meets the target: several share it (sum routed / cap <= 1)."""
    import pulp

    caps = dict(inputs.routing_caps)
    terms, models = [], set()
    for (i, j, _mode), var in v.x.items():
        seg = inputs.segments[i]
        opt = seg.options[j]
        if opt.score_bin is not None and caps.get(opt.model, 0.0) > 0:
            terms.append((var, seg.calls_per_month / caps[opt.model]))
            models.add(opt.model)
    if len(models) > 1:  # one candidate's bins hold its prefix already
        prob += pulp.LpAffineExpression(terms) <= 1, "routing_budget"


def _add_cache_rows(prob: Any, inputs: OptimizerInputs, v: _Build) -> Any:
    """At most one threshold, wrong answers within the budget; returns the cache's cost term."""
    import pulp

    prob += pulp.lpSum(v.z.values()) <= 1, "one_threshold"
    # wrong cached answers <= budget x cached answers, both in calls per month
    prob += (
        pulp.lpSum(
            v.c[i, k]
            * inputs.segments[i].calls_per_month
            * ((1 - inputs.cache_steps[k].precision) - inputs.false_hit_budget)
            for (i, k) in v.c
        )
        <= 0,
        "false_hits",
    )
    return inputs.cache_cost_per_month_usd * pulp.lpSum(v.z.values())


def _add_workers(prob: Any, cap: CapacityInput, v: _Build) -> list[Any]:
    """Reserved workers, and on-demand workers above them in the bins that need more (bins needing
    the same count share one variable, weighted by how many bins a month need it); returns their
    cost terms. With no batch this is the capacity analyzer's model, so its optimum is the analyzer's."""
    import pulp

    v.reserved = prob.add_variable("reserved_workers", 0, None, cat="Integer")
    batch_share = prob.add_variable("batch_share", 0, 1)
    prob += batch_share == pulp.LpAffineExpression(v.batch_terms), "batch_total"
    for j, need in enumerate(cap.workers_needed):
        v.on_demand[j] = prob.add_variable(f"on_demand_l{j}", 0)
        # Batch calls leave the real-time path, so they need no worker at the peak.
        prob += v.reserved + v.on_demand[j] + need * batch_share >= need, f"capacity_l{j}"
        prob += v.reserved + v.on_demand[j] >= cap.min_workers, f"min_workers_l{j}"
    return [
        cap.reserved_cost_per_worker_month_usd * v.reserved,
        cap.on_demand_cost_per_worker_bin_usd
        * pulp.LpAffineExpression([(v.on_demand[j], n) for j, n in enumerate(cap.bins_per_month)]),
    ]


def _add_floors(prob: Any, inputs: OptimizerInputs, v: _Build) -> None:
    """Each segment with a floor keeps at least that share of its own quality today."""
    import pulp

    for i, seg in enumerate(inputs.segments):
        if seg.relative_floor is None:
            continue
        own = [(v.x[key], seg.options[key[1]].quality) for key in v.x if key[0] == i]
        own += [(v.c[key], _hit_quality(inputs, seg, key[1])) for key in v.c if key[0] == i]
        prob += pulp.LpAffineExpression(own) >= seg.relative_floor * seg.current_quality, f"floor_s{i}"


def build_problem(
    inputs: OptimizerInputs,
    *,
    quality_target: float | None = None,
    levers: frozenset[str] | None = None,
    maximize_quality: bool = False,
) -> tuple[Any, ProblemVars]:
    """The MILP for `inputs` (optionally another target or lever subset); returns (problem, vars)."""
    import pulp

    levers = inputs.levers if levers is None else levers
    target = (inputs.quality_target if quality_target is None else quality_target) + inputs.quality_margin
    prob = pulp.LpProblem("advisor_plan", pulp.LpMaximize if maximize_quality else pulp.LpMinimize)
    v = _Build(api_factor=1.0 - inputs.prompt_share(levers))
    if "cache" in levers and inputs.cache_steps:
        v.z = {k: prob.add_variable(f"z_{k}", 0, 1, cat="Binary") for k in range(len(inputs.cache_steps))}
    for i in range(len(inputs.segments)):
        _add_segment(prob, inputs, i, levers, v)
    if inputs.routing_caps:
        _add_routing_budget(prob, inputs, v)
    api_expr = pulp.LpAffineExpression(v.api_terms)
    cost_terms = [api_expr, inputs.fixed_cost_per_month_usd]
    if v.z:
        cost_terms.append(_add_cache_rows(prob, inputs, v))
    cap = inputs.capacity
    if cap is not None and "capacity" in levers:
        cost_terms += _add_workers(prob, cap, v)
    elif cap is not None:
        cost_terms.append(cap.baseline_worker_cost_per_month_usd)
    quality = _quality_terms(inputs, v.x, v.c)
    if maximize_quality:
        prob += quality
    else:
        prob += pulp.lpSum(cost_terms)
        prob += quality >= target, "quality"
    _add_floors(prob, inputs, v)
    return prob, ProblemVars(
        x=v.x, c=v.c, z=v.z, reserved=v.reserved, on_demand=v.on_demand, quality_expr=quality, api_expr=api_expr
    )
