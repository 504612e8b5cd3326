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

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from advisor.optimizer.inputs import get_field, is_usable

if TYPE_CHECKING:
    from advisor.cost.baseline import Baseline
    from advisor.optimizer.plan import Plan, SegmentPlan

EFFORT = {
    "routing": "medium: put a router in front of the API and monitor quality on shadow samples",
    "cache": "medium: embed each query, run a vector store, invalidate when answers change",
    "prompt": "medium: summarize long histories / order prompts for provider prompt caching",
    "history_summarization": "medium: summarize older turns with a model call and send the summary instead",
    "prompt_caching": "low: keep the fixed system prompt first in every call and turn on the provider's prompt caching",
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
    # The figures the title states, unrounded (shares of all calls, model names, threshold...),
    # so tools and tests can read what the sentence says without parsing it.
    action: dict[str, Any] = field(default_factory=dict)
    # Stable across reruns (no amounts in it), so `advisor runs compare` can pair the same advice.
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["savings_interval_usd"] = list(self.savings_interval_usd)
        d["prerequisites"] = list(self.prerequisites)
        d["action"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.action.items()}
        return d


def _interval(saving: float, found: Any, lever: str) -> tuple[tuple[float, float], str]:
    """The analyzer's interval, scaled from its stand-alone estimate to this plan's saving."""
    point = get_field(found, "monthly_savings_usd") if is_usable(found) else None
    bounds = get_field(found, "savings_interval_usd") if is_usable(found) else None
    if point and bounds is not None and len(bounds) == 2 and point > 0:
        low, high = (saving * float(b) / float(point) for b in bounds)
        return (min(low, high), max(low, high)), f"the {lever} analyzer's interval, scaled to the plan's saving"
    return (saving, saving), f"none: the {lever} analyzer reports no interval"


def _confidence(found: Any, interval: tuple[float, float], source: str, saving: float) -> str:
    stated = get_field(found, "confidence") if is_usable(found) else None
    if isinstance(stated, str):
        return stated
    # No interval at all is low confidence; a measured interval of zero width (e.g. reserved
    # workers that cover every resampled day) is not.
    if saving <= 0 or source.startswith("none"):
        return "low"
    spread = (interval[1] - interval[0]) / saving
    return "high" if spread < 0.2 else "medium" if spread < 0.6 else "low"


def _pct(share: float) -> str:
    """A share of calls as a percentage, with a decimal below 10 % so a small share never reads 0%."""
    return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"


def _moved(seg: SegmentPlan) -> list[tuple[str, float]]:
    """(model, share of the segment) for each model the plan moves calls to, largest first."""
    moved: dict[str, float] = {}
    for m in seg.shares:
        if not m.is_current and m.realtime_share + m.batch_share > 1e-9:
            moved[m.model] = moved.get(m.model, 0.0) + m.realtime_share + m.batch_share
    return sorted(moved.items(), key=lambda ms: (-ms[1], ms[0]))


def _routing(plan: Plan, saving: float, found: Any, min_share: float) -> list[Recommendation]:
    moved: list[tuple[SegmentPlan, float]] = [
        (s, s.routing_savings_per_month_usd) for s in plan.segments if s.routing_savings_per_month_usd > 0 and _moved(s)
    ]
    total = sum(g for _, g in moved)
    if total <= 0 or saving <= 0:
        return []
    prereq = tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ())) if is_usable(found) else ()
    recs, rest = [], []
    for seg, gain in sorted(moved, key=lambda sg: (-sg[1], sg[0].name)):
        targets = _moved(seg)
        share_in = sum(share for _, share in targets)
        if share_in * seg.call_share < min_share:
            rest.append((seg, gain))
            continue
        part = saving * gain / total
        where = (
            f"the '{seg.name}' segment, {_pct(seg.call_share)} of calls,"
            if share_in > 0.995
            else f"{_pct(share_in)} of the '{seg.name}' segment ({_pct(share_in * seg.call_share)} of calls)"
        )
        to = (
            targets[0][0]
            if len(targets) == 1
            else (
                " and ".join(m for m, _ in targets)
                + " ("
                + " and ".join(_pct(sh) for _, sh in targets)
                + " of the segment)"
            )
        )
        interval, source = _interval(part, found, "routing")
        action = {
            "segment": seg.name,
            "segment_id": seg.segment_id,
            "segment_share_of_calls": seg.call_share,
            "share_of_segment": share_in,
            "share_of_calls": share_in * seg.call_share,
            "from_model": seg.current_model,
            "to_models": {m: sh for m, sh in targets},
            "segment_relative_quality": seg.relative_quality,
        }
        recs.append(
            Recommendation(
                0,
                "routing",
                f"Send {where} to {to}",
                part,
                interval,
                source,
                f"this segment at {seg.relative_quality:.1%} of today's quality; all traffic at "
                f"{plan.expected_relative_quality:.1%} (target {plan.quality_target:.1%})",
                EFFORT["routing"],
                prereq,
                _confidence(found, interval, source, part),
                action,
                f"routing:{seg.name}",
            )
        )
    rest_saving = saving * sum(g for _, g in rest) / total
    if rest and rest_saving >= MIN_LINE_SAVINGS_USD:
        part = rest_saving
        share = sum(s.call_share * sum(sh for _, sh in _moved(s)) for s, _ in rest)
        models = sorted({m for s, _ in rest for m, _ in _moved(s)})
        n = len(rest)
        interval, source = _interval(part, found, "routing")
        recs.append(
            Recommendation(
                0,
                "routing",
                f"Send small parts of {n} other segment{'s' if n > 1 else ''} "
                f"({_pct(share)} of calls) to {' and '.join(models)}",
                part,
                interval,
                source,
                "within the plan's quality target",
                EFFORT["routing"],
                prereq,
                _confidence(found, interval, source, part),
                {"segments": [s.name for s, _ in rest], "share_of_calls": share, "to_models": models},
                "routing:other segments",
            )
        )
    return recs


def _cache(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if plan.cache_threshold is None or saving <= 0:
        return []
    scope = get_field(found, "scope", "cacheable calls") if is_usable(found) else "cacheable calls"
    interval, source = _interval(saving, found, "cache")
    action = {
        "threshold": plan.cache_threshold,
        "scope": scope,
        "hit_share_of_calls": plan.cache_hit_share,
        "precision": plan.cache_precision,
    }
    if plan.cache_precision is None:
        impact = "share of wrong cached answers not measured: check a sample of hits before relying on it"
    else:
        wrong = 1 - plan.cache_precision
        action["false_hit_share_of_calls"] = plan.cache_hit_share * wrong
        impact = f"about {wrong:.1%} of cached answers wrong ({plan.cache_hit_share * wrong:.2%} of calls)"
    prereq = tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ()))
    return [
        Recommendation(
            0,
            "cache",
            f"Semantic cache at cosine {plan.cache_threshold:.2f} on {scope} "
            f"(answers {_pct(plan.cache_hit_share)} of calls)",
            saving,
            interval,
            source,
            impact,
            EFFORT["cache"],
            prereq,
            _confidence(found, interval, source, saving),
            action,
            "cache",
        )
    ]


def _and(words: list[str], limit: int = 3) -> str:
    """'a', 'a and b', 'a, b and c', 'a, b, c and 2 more'."""
    if len(words) > limit:
        return f"{', '.join(words[:limit])} and {len(words) - limit} more"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _batch_subject(found: Any) -> tuple[str, list[str]]:
    """What the eligible calls are, in the user's words: their tasks, latency classes or matching rules."""
    groups = list(get_field(found, "eligible_groups", ()) or ()) if is_usable(found) else []
    labels = list(dict.fromkeys(str(get_field(g, "label")) for g in groups if get_field(g, "label")))
    if labels:
        noun = "jobs" if any(get_field(g, "task") for g in groups) else "traffic"
        return f"the {_and(labels)} {noun}", labels
    rules = [str(get_field(r, "rule")) for r in (get_field(found, "rules", ()) or ()) if is_usable(found)]
    if rules:
        return f"calls matching {_and(rules)}", rules
    return "the batch-tolerant calls", []


def _batch(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if not any(s.batch_savings_per_month_usd > 0 for s in plan.segments) or saving <= 0:
        return []
    subject, labels = _batch_subject(found)
    eligible = get_field(found, "eligible_share_of_calls") if is_usable(found) else None
    moved = plan.batch_share_of_calls
    if eligible is None or moved >= 0.995 * float(eligible):
        title = f"Move {subject} ({_pct(moved)} of calls) to the batch API"
    else:
        title = f"Move {_pct(moved)} of calls, from {subject} ({_pct(float(eligible))} of calls), to the batch API"
    hours = get_field(found, "added_latency_max_hours") if is_usable(found) else None
    hours = float(hours) if isinstance(hours, (int, float)) and hours > 0 else 24.0
    interval, source = _interval(saving, found, "batch")
    action = {
        "share_of_calls": moved,
        "eligible_share_of_calls": eligible,
        "kinds": labels,
        "completion_window_hours": hours,
    }
    return [
        Recommendation(
            0,
            "batch",
            title,
            saving,
            interval,
            source,
            f"none on answers; results arrive up to {hours:g} h later",
            f"low: submit these jobs through the provider's batch API (results within {hours:g} h)",
            (f"confirm these jobs tolerate results within {hours:g} hours",),
            _confidence(found, interval, source, saving),
            action,
            "batch",
        )
    ]


def _prompt(plan: Plan, saving: float, found: Any) -> list[Recommendation]:
    if saving <= 0:
        return []
    recommended = get_field(found, "recommended")
    action: dict[str, Any] = {"method": recommended}
    if recommended == "history_summarization":
        turns = (get_field(found, "summarization") or {}).get("summarize_after_turns")
        action["keep_last_turns"] = turns
        # The setting keeps the last k turns verbatim and summarizes what is older.
        title = (
            f"Summarize conversation history older than the last {turns} turns"
            if turns
            else "Summarize long conversation histories"
        )
    elif recommended == "prompt_caching":
        title = "Put the fixed prompt first and turn on provider prompt caching"
    else:
        title = get_field(found, "title") or "Trim prompts: summarize long histories and use provider prompt caching"
    interval, source = _interval(saving, found, "prompt")
    # Provider prompt caching returns the same answers (the cached prefix is byte-identical);
    # a summary replaces what the model reads, so its effect on answers is unknown until checked.
    impact = get_field(found, "quality_impact") or (
        "none: the provider reuses an identical prompt prefix, answers do not change"
        if recommended == "prompt_caching"
        else "not measured: check answers on summarized histories"
    )
    prereq = tuple(str(p) for p in (get_field(found, "prerequisites", ()) or ()))
    return [
        Recommendation(
            0,
            "prompt",
            str(title),
            saving,
            interval,
            source,
            str(impact),
            EFFORT.get(str(recommended), EFFORT["prompt"]),
            prereq,
            _confidence(found, interval, source, saving),
            action,
            f"prompt:{recommended or 'trim'}",
        )
    ]


def _term(found: Any) -> tuple[int, str]:
    months = get_field(found, "term_months") if is_usable(found) else None
    months = int(months) if isinstance(months, (int, float)) and months >= 1 else 12
    return months, "one year" if months == 12 else f"{months} months"


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
        prereq.append(
            f"traffic is {state}: {reason}" if reason else f"traffic is {state}: rerun in {wait} days before reserving"
        )
    interval, source = _interval(saving, found, "capacity")
    months, term = _term(found)
    title = f"Reserve {plan.reserved_workers} workers for {term}"
    if plan.peak_workers is not None and plan.peak_workers > plan.reserved_workers + 0.05:
        # On-demand hours are fractional, so the peak is a load in workers, not a head count.
        title += f" and add on-demand workers at busy hours (peak load {plan.peak_workers:.1f} workers)"
    else:
        title += " (they cover every hour of the week)"
    action = {"reserved_workers": plan.reserved_workers, "peak_workers": plan.peak_workers, "term_months": months}
    return [
        Recommendation(
            0,
            "capacity",
            title,
            saving,
            interval,
            source,
            "none",
            EFFORT["capacity"],
            tuple(prereq),
            "low" if prereq else _confidence(found, interval, source, saving),
            action,
            "capacity",
        )
    ]


def make_recommendations(
    plan: Plan, findings: dict[str, Any], baseline: Baseline | None = None, *, min_call_share: float = 0.01
) -> tuple[Recommendation, ...]:
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
