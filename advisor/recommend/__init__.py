"""Recommendations: Plan + findings + Baseline -> ranked Recommendation tuple.

Each lever's saving is the plan's sequential attribution (advisor/optimizer/sensitivity.py), so the
recommendations add up to the plan's total. Routing is split over the segments it moves in
proportion to each segment's price difference; a segment too small to act on alone
(`[optimizer] min_recommended_call_share`) is folded into one "other segments" line, shown
when it saves at least MIN_LINE_SAVINGS_USD a month.
Intervals are the analyzer's own (bootstrap over the log) scaled to the plan's figure; a
lever whose analyzer reports none gets [saving, saving] and says so in `interval_source`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.analyzers.levers import Findings, LeverFindings
from advisor.recommend.assumptions import flag_assumed
from advisor.recommend.common import EFFORT, Recommendation
from advisor.recommend.levers import (
    batch_recommendations,
    cache_recommendations,
    capacity_recommendations,
    prompt_recommendations,
)
from advisor.recommend.routing import routing_recommendations

if TYPE_CHECKING:
    from advisor.cost.baseline import Baseline
    from advisor.optimizer.plan import Plan

__all__ = ["EFFORT", "Recommendation", "make_recommendations"]


def make_recommendations(
    plan: Plan,
    findings: LeverFindings | Mapping[str, Findings],
    baseline: Baseline | None = None,
    *,
    min_call_share: float = 0.01,
) -> tuple[Recommendation, ...]:
    """Ranked by monthly savings (ties by lever then title, so the order is deterministic)."""
    levers = LeverFindings.of(findings)
    by_lever = {a.lever: a.monthly_savings_usd for a in plan.lever_attribution}
    recs: list[Recommendation] = []
    recs += routing_recommendations(plan, by_lever.get("routing", 0.0), levers.routing, min_call_share)
    recs += cache_recommendations(plan, by_lever.get("cache", 0.0), levers.cache)
    recs += batch_recommendations(plan, by_lever.get("batch", 0.0), levers.batch)
    recs += prompt_recommendations(plan, by_lever.get("prompt", 0.0), levers.prompt)
    recs += capacity_recommendations(plan, by_lever.get("capacity", 0.0), levers.capacity)
    recs = flag_assumed(recs, baseline)
    ranked = sorted(recs, key=lambda r: (-r.monthly_savings_usd, r.lever, r.title))
    return tuple(replace(r, rank=i + 1) for i, r in enumerate(ranked))
