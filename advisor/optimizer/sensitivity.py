"""Sensitivity of the plan: OptimizerInputs -> cost-quality frontier and per-lever savings.

Attribution is sequential in the fixed order of LEVERS (cache, routing, batch, prompt,
capacity): each lever is credited with what it saves once the levers before it are in
place, so the parts add up exactly to the plan's total. The order puts the cache first
because a cache hit removes a call outright; routing is then credited only on the calls the
cache leaves. Each lever's stand-alone saving is reported beside it; the gap between the sum
of stand-alone savings and the total is the overlap between levers.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.analyzers import LEVERS
from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.solve import solve_cost, solve_costs


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


def _clean(usd: float) -> float:
    """Solver noise (1e-12 dollars) shown as exactly zero."""
    return 0.0 if abs(usd) < 1e-6 else usd


def cost_quality_frontier(inputs: OptimizerInputs) -> tuple[FrontierPoint, ...]:
    """Optimal monthly cost at each target of the sweep (plus the chosen target)."""
    targets = sorted(set(inputs.frontier_targets) | {inputs.quality_target})
    return tuple(
        FrontierPoint(
            target, solved is not None, None if solved is None else solved[0], None if solved is None else solved[1]
        )
        for target, solved in zip(targets, solve_costs(inputs, targets))
    )


def attribute_levers(inputs: OptimizerInputs, plan_cost_usd: float) -> tuple[tuple[LeverSaving, ...], str]:
    """Per-lever savings that add up to baseline - plan cost, and a sentence saying how."""
    baseline = inputs.baseline_cost_per_month_usd
    active = [lv for lv in LEVERS if lv in inputs.levers]
    solved_for: dict[frozenset[str], tuple[float, float] | None] = {}

    def solve(levers: frozenset[str]) -> tuple[float, float] | None:
        # The first lever alone is also the first step: solve each lever set once.
        if levers not in solved_for:
            solved_for[levers] = solve_cost(inputs, levers=levers)
        return solved_for[levers]

    none = solve(frozenset())
    # Without any lever the plan is today's traffic; a target above today's quality is then
    # unreachable, and the first lever that reaches it is credited from today's cost.
    previous = baseline
    enabled: set[str] = set()
    steps = []
    for lever in active:
        enabled.add(lever)
        if lever == active[-1]:  # every lever on: that is the plan itself
            now = plan_cost_usd
        else:
            solved = solve(frozenset(enabled))
            now = solved[0] if solved is not None else previous
        alone = solve(frozenset({lever}))
        alone_saving = (baseline - alone[0]) if alone is not None else 0.0
        steps.append(LeverSaving(lever, _clean(previous - now), _clean(alone_saving)))
        previous = now
    gap = (none[0] - baseline) if none is not None else 0.0
    total = baseline - plan_cost_usd
    overlap = sum(s.alone_monthly_savings_usd for s in steps) - total
    method = (
        f"sequential in the order {' -> '.join(active)}: each lever is credited with what it saves once the "
        "levers before it are applied, so the parts add up to the total. Alone, the levers would save "
        f"{round(sum(s.alone_monthly_savings_usd for s in steps)):,} USD/month together; the {round(overlap):,} USD/month "
        "difference is their overlap (a cached call cannot also be routed or batched, and fewer calls need fewer "
        "workers)."
    )
    if abs(gap) > 0.01:
        method += f" Today's plan priced by the model differs from the baseline by {gap:,.2f} USD/month."
    return tuple(steps), method
