"""Cache, batch, prompt and capacity recommendations: Plan + that lever's findings -> at most one Recommendation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.analyzers.levers import BatchLever, CacheLever, CapacityLever, PromptLever
from advisor.core.policy import WHOLE_SHARE
from advisor.recommend.common import EFFORT, Recommendation, confidence, join_words, pct, scaled_interval

if TYPE_CHECKING:
    from advisor.optimizer.plan import Plan


def _cache_confidence(interval: tuple[float, float], source: str, saving: float, found: CacheLever | None) -> str:
    """From the interval, but never "high" while the precision rests on no label from this traffic."""
    word = confidence(interval, source, saving)
    unlabelled = found is None or int(found.n_labelled_pairs) <= 0
    return "medium" if word == "high" and unlabelled else word


def cache_recommendations(plan: Plan, saving: float, found: CacheLever | None) -> list[Recommendation]:
    if plan.cache_threshold is None or saving <= 0:
        return []
    scope = "cacheable calls"
    interval, source = scaled_interval(saving, found, "cache")
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
    return [
        Recommendation(
            0,
            "cache",
            f"Semantic cache at cosine {plan.cache_threshold:.2f} on {scope} "
            f"(answers {pct(plan.cache_hit_share)} of calls)",
            saving,
            interval,
            source,
            impact,
            EFFORT["cache"],
            (),
            _cache_confidence(interval, source, saving, found),
            action,
            "cache",
        )
    ]


def _batch_subject(found: BatchLever | None) -> tuple[str, list[str]]:
    """What the eligible calls are, in the user's words: their tasks, latency classes or matching rules."""
    groups = list(found.eligible_groups) if found is not None else []
    labels = list(dict.fromkeys(str(g.label) for g in groups if g.label))
    if labels:
        noun = "jobs" if any(g.task for g in groups) else "traffic"
        return f"the {join_words(labels)} {noun}", labels
    rules = [str(r.rule) for r in found.rules] if found is not None else []
    if rules:
        return f"calls matching {join_words(rules)}", rules
    return "the batch-tolerant calls", []


def batch_recommendations(plan: Plan, saving: float, found: BatchLever | None) -> list[Recommendation]:
    if not any(s.batch_savings_per_month_usd > 0 for s in plan.segments) or saving <= 0:
        return []
    subject, labels = _batch_subject(found)
    eligible = found.eligible_share_of_calls if found is not None else None
    moved = plan.batch_share_of_calls
    if eligible is None or moved >= WHOLE_SHARE * float(eligible):
        title = f"Move {subject} ({pct(moved)} of calls) to the batch API"
    else:
        title = f"Move {pct(moved)} of calls, from {subject} ({pct(float(eligible))} of calls), to the batch API"
    stated_hours = found.added_latency_max_hours if found is not None else None
    hours = float(stated_hours) if stated_hours is not None and stated_hours > 0 else 24.0
    interval, source = scaled_interval(saving, found, "batch")
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
            confidence(interval, source, saving),
            action,
            "batch",
        )
    ]


def prompt_recommendations(plan: Plan, saving: float, found: PromptLever | None) -> list[Recommendation]:
    if saving <= 0:
        return []
    recommended = found.recommended if found is not None else None
    action: dict[str, Any] = {"method": recommended}
    if recommended == "history_summarization" and found is not None:
        turns = (found.summarization or {}).get("summarize_after_turns")
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
        title = "Trim prompts: summarize long histories and use provider prompt caching"
    interval, source = scaled_interval(saving, found, "prompt")
    # Provider prompt caching returns the same answers (the cached prefix is byte-identical);
    # a summary replaces what the model reads, so its effect on answers is unknown until checked.
    impact = (
        "none: the provider reuses an identical prompt prefix, answers do not change"
        if recommended == "prompt_caching"
        else "not measured: check answers on summarized histories"
    )
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
            (),
            confidence(interval, source, saving),
            action,
            f"prompt:{recommended or 'trim'}",
        )
    ]


def _term(found: CapacityLever | None) -> tuple[int, str]:
    months = found.term_months if found is not None and found.term_months >= 1 else 12
    return int(months), "one year" if months == 12 else f"{months} months"


def capacity_recommendations(plan: Plan, saving: float, found: CapacityLever | None) -> list[Recommendation]:
    # The gate: a reservation needs the capacity analyzer's "stable" verdict (a log too short to
    # judge, or traffic still changing, gets the analyzer's own "no reservation yet" note instead).
    if plan.reserved_workers is None or saving <= 0 or found is None or found.stability.verdict != "stable":
        return []
    interval, source = scaled_interval(saving, found, "capacity")
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
            (),
            confidence(interval, source, saving),
            action,
            "capacity",
        )
    ]
