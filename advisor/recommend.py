"""Recommendations: Plan + findings + Baseline -> ranked Recommendation tuple.

Each lever's saving is the plan's sequential attribution (advisor/sensitivity.py), so the
recommendations add up to the plan's total. Routing is split over the segments it moves in
proportion to each segment's price difference; a segment too small to act on alone
(`[optimizer] min_recommended_call_share`) is folded into one "other segments" line, shown
when it saves at least MIN_LINE_SAVINGS_USD a month.
Intervals are the analyzer's own (bootstrap over the log) scaled to the plan's figure; a
lever whose analyzer reports none gets [saving, saving] and says so in `interval_source`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from .optimizer_inputs import get_field, is_usable

if TYPE_CHECKING:
    from .cost_model import Baseline
    from .optimizer import Plan, SegmentPlan

EFFORT = {
    "routing": "medium: put a router in front of the API and monitor quality on shadow samples",
    "cache": "medium: embed each query, run a vector store, invalidate when answers change",
    "batch": "low: submit these jobs through the provider's batch API (results within 24 h)",
    "prompt": "medium: summarize long histories / order prompts for provider prompt caching",
    "capacity": "low: buy reserved instances; autoscale the rest",
}
STABILITY_WAIT_DAYS = 14
MIN_LINE_SAVINGS_USD = 1.0  # the folded "other segments" line is shown only above this


@dataclass(frozen=True)
class Recommendation:
    rank: int
    lever: str
    title: str
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    interval_source: str
    quality_impact: str
    effort: str
    prerequisites: tuple[str, ...]
    confidence: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["savings_interval_usd"] = list(self.savings_interval_usd)
        d["prerequisites"] = list(self.prerequisites)
        return d


def _interval(saving: float, found: Any, lever: str) -> tuple[tuple[float, float], str]:
    """The analyzer's interval, scaled from its stand-alone estimate to this plan's saving."""
    point = get_field(found, "monthly_savings_usd") if is_usable(found) else None
    bounds = get_field(found, "savings_interval_usd") if is_usable(found) else None
    if point and bounds is not None and len(bounds) == 2 and point > 0:
        low, high = (saving * float(b) / float(point) for b in bounds)
        return (min(low, high), max(low, high)), f"the {lever} analyzer's interval, scaled to the plan's saving"
    return (saving, saving), f"none: the {lever} analyzer reports no interval"


def _confidence(found: Any, interval: tuple[float, float], saving: float) -> str:
    stated = get_field(found, "confidence") if is_usable(found) else None
    if isinstance(stated, str):
        return stated
    if saving <= 0 or interval[0] == interval[1]:
        return "low"
    spread = (interval[1] - interval[0]) / saving
    return "high" if spread < 0.2 else "medium" if spread < 0.6 else "low"


def _routing(plan: Plan, saving: float, found: Any, min_share: float) -> list[Recommendation]:
    moved: list[tuple[SegmentPlan, float]] = [(s, s.routing_savings_per_month_usd) for s in plan.segments
                                               if s.routing_savings_per_month_usd > 0]
    total = sum(g for _, g in moved)
    if total <= 0 or saving <= 0:
        return []
    prereq = tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ())) if is_usable(found) else ()
    recs, rest = [], []
    for seg, gain in sorted(moved, key=lambda sg: (-sg[1], sg[0].name)):
        target = max((m for m in seg.shares if not m.is_current), key=lambda m: m.realtime_share + m.batch_share)
        share_in = sum(m.realtime_share + m.batch_share for m in seg.shares if not m.is_current)
        if share_in * seg.call_share < min_share:
            rest.append((seg, gain))
            continue
        part = saving * gain / total
        where = (f"the '{seg.name}' segment, {seg.call_share:.0%} of calls," if share_in > 0.995 else
                 f"{share_in:.0%} of the '{seg.name}' segment ({share_in * seg.call_share:.0%} of calls)")
        interval, source = _interval(part, found, "routing")
        recs.append(Recommendation(0, "routing", f"Send {where} to {target.model}", part, interval, source,
                                   f"segment quality {seg.relative_quality:.1%} of today's", EFFORT["routing"],
                                   prereq, _confidence(found, interval, part)))
    rest_saving = saving * sum(g for _, g in rest) / total
    if rest and rest_saving >= MIN_LINE_SAVINGS_USD:
        part = rest_saving
        share = sum(s.call_share * sum(m.realtime_share + m.batch_share for m in s.shares if not m.is_current)
                    for s, _ in rest)
        interval, source = _interval(part, found, "routing")
        recs.append(Recommendation(0, "routing", f"Send small parts of {len(rest)} other segments ({share:.1%} of calls) "
                                   "to the cheaper candidate models", part, interval, source,
                                   "within the plan's quality target", EFFORT["routing"], prereq,
                                   _confidence(found, interval, part)))
    return recs


def _cache(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if plan.cache_threshold is None or saving <= 0:
        return []
    scope = get_field(found, "scope", "cacheable calls") if is_usable(found) else "cacheable calls"
    interval, source = _interval(saving, found, "cache")
    wrong = 1 - (plan.cache_precision or 0.0)
    prereq = tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ()))
    return [Recommendation(0, "cache", f"Semantic cache at cosine {plan.cache_threshold:.2f} on {scope} "
                           f"(answers {plan.cache_hit_share:.0%} of calls)", saving, interval, source,
                           f"about {wrong:.1%} of cached answers wrong ({plan.cache_hit_share * wrong:.2%} of calls)",
                           EFFORT["cache"], prereq, _confidence(found, interval, saving))]


def _batch(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    segs = [s for s in plan.segments if s.batch_savings_per_month_usd > 0]
    if not segs or saving <= 0:
        return []
    names = ", ".join(f"'{s.name}'" for s in sorted(segs, key=lambda s: -s.batch_savings_per_month_usd)[:3])
    more = f" and {len(segs) - 3} more" if len(segs) > 3 else ""
    interval, source = _interval(saving, found, "batch")
    return [Recommendation(0, "batch", f"Move {plan.batch_share_of_calls:.0%} of calls ({names}{more}) to the batch API",
                           saving, interval, source, "none on answers; results arrive up to 24 h later",
                           EFFORT["batch"], ("confirm these jobs tolerate results within 24 hours",),
                           _confidence(found, interval, saving))]


def _prompt(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if saving <= 0:
        return []
    recommended = get_field(found, "recommended")
    if recommended == "history_summarization":
        turns = (get_field(found, "summarization") or {}).get("summarize_after_turns")
        title = f"Summarize conversation history beyond {turns} turns" if turns else "Summarize long conversation histories"
    elif recommended == "prompt_caching":
        title = "Put the fixed prompt first and turn on provider prompt caching"
    else:
        title = get_field(found, "title") or "Trim prompts: summarize long histories and use provider prompt caching"
    interval, source = _interval(saving, found, "prompt")
    return [Recommendation(0, "prompt", str(title), saving, interval, source,
                           str(get_field(found, "quality_impact") or "not measured: check answers on summarized histories"),
                           EFFORT["prompt"], tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ())),
                           _confidence(found, interval, saving))]


def _capacity(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if plan.reserved_workers is None or saving <= 0:
        return []
    stability = get_field(found, "stability") if is_usable(found) else None
    verdict = get_field(stability, "verdict")
    prereq = []
    if verdict is None:
        prereq.append("traffic stability was not checked: confirm a steady level before reserving")
    elif str(verdict) != "stable":
        wait = get_field(stability, "wait_days") or STABILITY_WAIT_DAYS
        reason = get_field(stability, "reason")
        state = "still changing" if verdict == "unstable" else verdict
        prereq.append(f"traffic is {state}: {reason}" if reason else
                      f"traffic is {state}: rerun in {wait} days before reserving")
    interval, source = _interval(saving, found, "capacity")
    title = f"Reserve {plan.reserved_workers} workers for one year"
    if plan.peak_workers is not None and plan.peak_workers > plan.reserved_workers + 0.05:
        title += f" and add on-demand workers at busy hours (up to {plan.peak_workers:.1f} in total)"
    else:
        title += " (they cover every hour of the week)"
    return [Recommendation(0, "capacity", title, saving, interval, source, "none", EFFORT["capacity"], tuple(prereq),
                           "low" if prereq else _confidence(found, interval, saving))]


def make_recommendations(plan: Plan, findings: dict[str, Any], baseline: Baseline | None = None, *,
                         min_call_share: float = 0.01) -> tuple[Recommendation, ...]:
    """Ranked by monthly savings (ties by lever then title, so the order is deterministic)."""
    by_lever = {a.lever: a.monthly_savings_usd for a in plan.lever_attribution}
    recs: list[Recommendation] = []
    recs += _routing(plan, by_lever.get("routing", 0.0), findings.get("routing"), min_call_share)
    recs += _cache(plan, by_lever.get("cache", 0.0), findings.get("cache"))
    recs += _batch(plan, by_lever.get("batch", 0.0), findings.get("batch"))
    recs += _prompt(plan, by_lever.get("prompt", 0.0), findings.get("prompt"))
    recs += _capacity(plan, by_lever.get("capacity", 0.0), findings.get("capacity"))
    ranked = sorted(recs, key=lambda r: (-r.monthly_savings_usd, r.lever, r.title))
    return tuple(replace(r, rank=i + 1) for i, r in enumerate(ranked))
