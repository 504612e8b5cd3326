"""Infeasibility: OptimizerInputs no plan satisfies -> InfeasiblePlanError naming the binding constraint.

A segment floor above what its best model reaches is named first; otherwise the quality row
binds, and the error gives the best quality reachable and the model mix that reaches it.
"""

from __future__ import annotations

from advisor.core.errors import InfeasiblePlanError
from advisor.core.policy import WHOLE_SHARE
from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.program import ProblemVars, build_problem
from advisor.optimizer.solve import run


def _describe_models(inputs: OptimizerInputs, v: ProblemVars) -> str:
    volume: dict[str, float] = {}
    for (i, j, _mode), var in v.x.items():
        seg = inputs.segments[i]
        volume[seg.options[j].model] = (
            volume.get(seg.options[j].model, 0.0) + (var.value() or 0.0) * seg.calls_per_month
        )
    total = sum(volume.values()) or 1.0
    ranked = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))
    if ranked and ranked[0][1] / total > WHOLE_SHARE:
        return f"every call on {ranked[0][0]}"
    return "calls on " + ", ".join(f"{m} ({share / total:.0%})" for m, share in ranked[:3] if share > 0)


def _unreachable_floor(inputs: OptimizerInputs) -> InfeasiblePlanError | None:
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
    return None


def diagnose(inputs: OptimizerInputs) -> InfeasiblePlanError:
    """Name the constraint that no plan can meet and how far off the best plan is."""
    import pulp

    floor = _unreachable_floor(inputs)
    if floor is not None:
        return floor
    prob, v = build_problem(inputs, maximize_quality=True)
    run(prob)
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
