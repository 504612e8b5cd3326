"""Solving: pulp.LpProblem -> status and optimal cost (HiGHS through PuLP, CBC when highspy is missing).

Both the plan (advisor/optimizer/plan.py) and its sensitivity (advisor/optimizer/sensitivity.py)
solve through here, so neither imports the other to reach the solver.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.program import build_problem

MIP_REL_GAP = 1e-7


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
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


def solver() -> tuple[Any, str]:
    """The solver and its name: HiGHS single-threaded with a fixed seed (reproducible), else CBC."""
    import pulp

    highs = pulp.HiGHS(msg=False, threads=1, random_seed=0, gapRel=MIP_REL_GAP)
    if highs.available():
        return highs, "HiGHS"
    return pulp.PULP_CBC_CMD(msg=False, threads=1, gapRel=MIP_REL_GAP, options=["randomSeed 0"]), "CBC"


def run(prob: Any) -> str:
    """Solve `prob` in place; its status in lower case ("optimal", "infeasible", ...)."""
    import pulp

    chosen, _ = solver()
    with _quiet_stdout():
        prob.solve(chosen)
    return str(pulp.LpStatus[prob.status]).lower()


def solve_cost(
    inputs: OptimizerInputs, *, quality_target: float | None = None, levers: frozenset[str] | None = None
) -> tuple[float, float] | None:
    """Optimal monthly cost and its relative quality for a target / lever subset; None if infeasible."""
    import pulp

    prob, v = build_problem(inputs, quality_target=quality_target, levers=levers)
    if run(prob) != "optimal":
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
    out: list[tuple[float, float] | None] = []
    for target in targets:
        row.constant = own - (target + inputs.quality_margin)
        out.append(
            (float(pulp.value(prob.objective)), float(pulp.value(v.quality_expr))) if run(prob) == "optimal" else None
        )
    return out
