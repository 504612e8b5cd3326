"""Did run A's plan pay off? (result A, result B) -> FollowUp: adoption, cost split, savings.

Needs the per-model `usage` both runs store since result schema 1.2; with an older run it says
which questions it cannot answer instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.history.adoption import (
    ClassAdoption,
    LeverAdoption,
    ModelRouting,
    class_adoption,
    lever_adoption,
    model_routing,
)
from advisor.history.decompose import CostDecomposition, decompose
from advisor.result.view import get_path

API_LEVERS = ("routing", "batch", "prompt")  # the levers whose savings show in the API bill


@dataclass(frozen=True)
class LeverSavings:
    lever: str
    projected_usd: float  # run A's plan in full, per month, scaled to run B's API cost before the plan
    degree: float | None
    expected_usd: float | None  # projected x degree


@dataclass(frozen=True)
class FollowUp:
    levers: tuple[LeverAdoption, ...]
    routing: tuple[ModelRouting, ...]
    classes: tuple[ClassAdoption, ...]
    decomposition: CostDecomposition
    savings: tuple[LeverSavings, ...]
    realized_saving_usd: float  # B's traffic and prices at A's allocation minus B's cost, per month
    expected_saving_usd: float | None  # sum of expected_usd over levers with a degree

    def to_dict(self) -> dict[str, Any]:
        return {
            "levers": [dict(x.__dict__) for x in self.levers],
            "routing": [dict(x.__dict__) for x in self.routing],
            "classes": [dict(x.__dict__) for x in self.classes],
            "decomposition": self.decomposition.to_dict(),
            "savings": [dict(x.__dict__) for x in self.savings],
            "realized_saving_usd": self.realized_saving_usd,
            "expected_saving_usd": self.expected_saving_usd,
        }


def _projected(result_a: dict[str, Any], lever: str) -> float:
    plan = result_a.get("plan") or {}
    for row in plan.get("lever_attribution") or []:
        if row.get("lever") == lever:
            return float(row.get("monthly_savings_usd") or 0.0)
    return 0.0


def missing_usage(result_a: dict[str, Any], result_b: dict[str, Any]) -> str | None:
    """Why a follow-up cannot be computed (None: it can)."""
    old = [
        str(get_path(r, "run", "id", default=name))
        for name, r in (("A", result_a), ("B", result_b))
        if not isinstance(r.get("usage"), dict) or not r["usage"].get("cells")
    ]
    if not old:
        return None
    which = " and ".join(f"run {x}" for x in old)
    return (
        f"{which} stored no per-model usage (results before schema 1.2): whether the plan was carried out, "
        "what it saved and why the cost moved cannot be told. Rerun `advisor analyze` on that log to store it."
    )


def follow_up(result_a: dict[str, Any], result_b: dict[str, Any]) -> FollowUp | None:
    if missing_usage(result_a, result_b) is not None:
        return None
    usage_a, usage_b = result_a["usage"], result_b["usage"]
    levers = lever_adoption(result_a, result_b)
    split = decompose(usage_a, usage_b)
    # A lever saves in proportion to the cost of the traffic it acts on: B's traffic at B's prices
    # before the plan's changes (B's cost plus what the changes saved), over A's cost.
    before_b = split.api_cost_b_usd + split.adoption_saving_at_b_usd
    scale = before_b / split.api_cost_a_usd if split.api_cost_a_usd else 0.0
    degree = {x.lever: x.degree for x in levers}
    savings = tuple(
        LeverSavings(
            lever,
            _projected(result_a, lever) * scale,
            degree.get(lever),
            None if degree.get(lever) is None else _projected(result_a, lever) * scale * degree[lever],  # type: ignore[operator]
        )
        for lever in API_LEVERS
        if _projected(result_a, lever) > 0
    )
    known = [s.expected_usd for s in savings if s.expected_usd is not None]
    return FollowUp(
        levers=levers,
        routing=model_routing(result_a, usage_b),
        classes=class_adoption(result_a, usage_b),
        decomposition=split,
        savings=savings,
        realized_saving_usd=split.adoption_saving_at_b_usd,
        expected_saving_usd=sum(known) if known else None,
    )
