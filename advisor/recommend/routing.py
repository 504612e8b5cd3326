"""Routing recommendations: Plan + routing findings -> one Recommendation per segment the plan moves.

The routing saving is split over the segments in proportion to each one's price difference; a
segment too small to act on alone (`[optimizer] min_recommended_call_share`) is folded into one
"other segments" line, shown when it saves at least MIN_LINE_SAVINGS_USD a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.analyzers.levers import RoutingLever
from advisor.core.policy import WHOLE_SHARE
from advisor.recommend.common import EFFORT, Recommendation, confidence, pct, scaled_interval

if TYPE_CHECKING:
    from advisor.optimizer.plan import Plan, SegmentPlan

MIN_LINE_SAVINGS_USD = 1.0  # the folded "other segments" line is shown only above this
_LEVELS = ("low", "medium", "high")  # stated confidence, weakest first


def _moved(seg: SegmentPlan) -> list[tuple[str, float]]:
    """(model, share of the segment) for each model the plan moves calls to, largest first."""
    moved: dict[str, float] = {}
    for m in seg.shares:
        if not m.is_current and m.realtime_share + m.batch_share > 1e-9:
            moved[m.model] = moved.get(m.model, 0.0) + m.realtime_share + m.batch_share
    return sorted(moved.items(), key=lambda ms: (-ms[1], ms[0]))


@dataclass(frozen=True)
class _Advice:
    """What every routing line of one plan shares: the analyzer's prerequisites, confidence and interval."""

    found: RoutingLever | None

    def interval(self, part: float) -> tuple[tuple[float, float], str]:
        return scaled_interval(part, self.found, "routing")

    def own(self, models: list[str]) -> tuple[tuple[str, ...], str | None]:
        """(prerequisites, stated confidence) of the candidates a line sends calls to: a line
        carries only its own candidates' prerequisites, and the least confident one's level."""
        if self.found is None:
            return (), None
        mine = [c for c in self.found.candidates if c.model in models]
        if not mine:
            return tuple(str(p) for p in self.found.prerequisites), self.found.confidence
        levels = [str(c.confidence) for c in mine]
        stated = min(levels, key=lambda c: _LEVELS.index(c) if c in _LEVELS else 0)
        return tuple(dict.fromkeys(str(p) for c in mine for p in c.prerequisites)), stated

    def recommendation(
        self, title: str, part: float, impact: str, action: dict[str, Any], rec_id: str, models: list[str]
    ) -> Recommendation:
        interval, source = self.interval(part)
        prereq, stated = self.own(models)
        return Recommendation(
            0,
            "routing",
            title,
            part,
            interval,
            source,
            impact,
            EFFORT["routing"],
            prereq,
            confidence(interval, source, part, stated),
            action,
            rec_id,
        )


def _segment_line(plan: Plan, seg: SegmentPlan, part: float, advice: _Advice) -> Recommendation:
    targets = _moved(seg)
    share_in = sum(share for _, share in targets)
    where = (
        f"the '{seg.name}' segment, {pct(seg.call_share)} of calls,"
        if share_in > WHOLE_SHARE
        else f"{pct(share_in)} of the '{seg.name}' segment ({pct(share_in * seg.call_share)} of calls)"
    )
    to = (
        targets[0][0]
        if len(targets) == 1
        else (
            " and ".join(m for m, _ in targets) + " (" + " and ".join(pct(sh) for _, sh in targets) + " of the segment)"
        )
    )
    action = {
        "segment": seg.name,
        "segment_id": seg.segment_id,
        "segment_share_of_calls": seg.call_share,
        "share_of_segment": share_in,
        "share_of_calls": share_in * seg.call_share,
        "from_model": seg.current_model,
        "to_models": dict(targets),
        "segment_relative_quality": seg.relative_quality,
    }
    impact = (
        f"this segment at {seg.relative_quality:.1%} of today's quality; all traffic at "
        f"{plan.expected_relative_quality:.1%} (target {plan.quality_target:.1%})"
    )
    return advice.recommendation(
        f"Send {where} to {to}", part, impact, action, f"routing:{seg.name}", [m for m, _ in targets]
    )


def _folded_line(rest: list[SegmentPlan], part: float, advice: _Advice) -> Recommendation:
    """One line for the segments too small to act on alone."""
    share = sum(s.call_share * sum(sh for _, sh in _moved(s)) for s in rest)
    models = sorted({m for s in rest for m, _ in _moved(s)})
    n = len(rest)
    title = (
        f"Send small parts of {n} other segment{'s' if n > 1 else ''} ({pct(share)} of calls) to {' and '.join(models)}"
    )
    action = {"segments": [s.name for s in rest], "share_of_calls": share, "to_models": models}
    return advice.recommendation(
        title, part, "within the plan's quality target", action, "routing:other segments", models
    )


def routing_recommendations(
    plan: Plan, saving: float, found: RoutingLever | None, min_share: float
) -> list[Recommendation]:
    """One line per segment the plan moves calls off today's model, largest saving first."""
    moved: list[tuple[SegmentPlan, float]] = [
        (s, s.routing_savings_per_month_usd) for s in plan.segments if s.routing_savings_per_month_usd > 0 and _moved(s)
    ]
    total = sum(g for _, g in moved)
    if total <= 0 or saving <= 0:
        return []
    advice = _Advice(found)
    recs: list[Recommendation] = []
    rest: list[tuple[SegmentPlan, float]] = []
    for seg, gain in sorted(moved, key=lambda sg: (-sg[1], sg[0].name)):
        if sum(share for _, share in _moved(seg)) * seg.call_share < min_share:
            rest.append((seg, gain))
        else:
            recs.append(_segment_line(plan, seg, saving * gain / total, advice))
    rest_saving = saving * sum(g for _, g in rest) / total
    if rest and rest_saving >= MIN_LINE_SAVINGS_USD:
        recs.append(_folded_line([s for s, _ in rest], rest_saving, advice))
    return recs
