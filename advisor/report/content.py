"""What every report says, format-neutral: result dict -> Report (tables of display strings).

Terminal, Markdown and HTML render the same Report, so they never disagree. Values are only
formatted here (rounded for display); every number comes from the pipeline's JSON. A value
the result does not hold shows as "not available".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.core.redact import report_examples
from advisor.report import routing_evidence
from advisor.report.cache_adaptive import adaptive_sentence
from advisor.report.formatting import interval, number, prerequisites, share, text, usd
from advisor.report.marks import NA, components, default_rows, legend, mark, total_label
from advisor.result.view import findings, get_path, recommendations, stability_verdict

ANALYZERS = ("cache", "routing", "batch", "prompt", "capacity")
RECOMMENDATIONS_TITLE = "Recommendations"
RECOMMENDATIONS_EMPTY = "No recommendation: nothing found that saves money at the quality target."


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty_text: str = "none"
    note: str = ""  # prose shown under the table (too long for a cell)


@dataclass(frozen=True)
class RecommendationCard:
    """One recommendation split for narrow screens: a ranked line plus a block of details."""

    rank: str
    title: str
    savings: str
    interval: str
    confidence: str
    details: tuple[tuple[str, str], ...]  # (label, text): lever, quality impact, effort, ...


@dataclass(frozen=True)
class Report:
    title: str
    facts: tuple[tuple[str, str], ...]  # header key/value lines
    tables: tuple[Table, ...]
    warnings: tuple[str, ...]
    examples: Table | None
    price_date: str
    cards: tuple[RecommendationCard, ...] = ()  # the recommendations table, as the terminal shows it
    legend: str = ""  # what the provenance markers after figures mean (advisor.report.marks)


def _baseline_table(result: dict[str, Any]) -> Table:
    """What the log measures first; infrastructure and operations (mostly settings) after it."""
    b = result.get("baseline") or {}
    unit = b.get("business_unit_name") or "business unit"

    def row(label: str, key: str, shown: str) -> tuple[str, str]:
        return label, mark(result, f"baseline.{key}", shown)

    rows = [
        row("API cost per month", "api_cost_per_month_usd", usd(b.get("api_cost_per_month_usd"))),
        row("Calls per month", "calls_per_month", number(b.get("calls_per_month"))),
        row("Conversations per month", "conversations_per_month", number(b.get("conversations_per_month"))),
        row(
            "API cost per conversation (mean / p50 / p95)",
            "conversation.api_mean_usd",
            " / ".join(usd(get_path(b, "conversation", k)) for k in ("api_mean_usd", "api_p50_usd", "api_p95_usd")),
        ),
        row(
            "Infrastructure per month",
            "infrastructure_cost_per_month_usd",
            usd(b.get("infrastructure_cost_per_month_usd")),
        ),
        *components(result, "infrastructure", usd),
        row("Operations per month", "operations_cost_per_month_usd", usd(b.get("operations_cost_per_month_usd"))),
        *components(result, "operations", usd),
        row(total_label(result), "total_cost_per_month_usd", usd(b.get("total_cost_per_month_usd"))),
        row("API share of that total", "api_share", share(b.get("api_share"))),
        row(
            "Total cost per conversation",
            "total_cost_per_conversation_usd",
            usd(b.get("total_cost_per_conversation_usd")),
        ),
        row("Total cost per user-month", "total_cost_per_user_month_usd", usd(b.get("total_cost_per_user_month_usd"))),
        row(
            f"Total cost per {unit}", "total_cost_per_business_unit_usd", usd(b.get("total_cost_per_business_unit_usd"))
        ),
    ]
    return Table("Baseline (30-day month)", ("figure", "value"), tuple(rows))


def _defaults_table(result: dict[str, Any]) -> Table | None:
    rows = default_rows(result)
    if rows is None:
        return None  # a run stored before schema 1.1
    return Table(
        "Defaults in use",
        ("setting", "value", "source"),
        rows,
        empty_text="none: every figure comes from the log or your config",
        note="Figures marked [a] rest on these; set them in your config to replace them.",
    )


def _plan_table(result: dict[str, Any]) -> Table:
    plan = result.get("plan")
    if not isinstance(plan, dict):
        return Table("Plan", ("figure", "value"), (), empty_text="No plan: " + NA)
    no_cache = "cache_threshold" in plan and plan["cache_threshold"] is None
    rows = (
        ("Solver status", f"{text(plan.get('status'))} ({text(plan.get('solver'))})"),
        # The optimizer always holds the target relative to today's quality (an absolute target is
        # converted), so both read as percentages of today's, like the recommendations' quality impact.
        ("Quality target (of today's quality)", share(plan.get("quality_target"))),
        ("Expected quality with the plan (of today's)", share(plan.get("expected_relative_quality"))),
        (
            "Cost per month today (plan model)",
            mark(result, "plan.baseline_cost_per_month_usd", usd(plan.get("baseline_cost_per_month_usd"))),
        ),
        ("Cost per month with the plan", mark(result, "plan.monthly_cost_usd", usd(plan.get("monthly_cost_usd")))),
        ("Savings per month", mark(result, "plan.monthly_savings_usd", usd(plan.get("monthly_savings_usd")))),
        (
            "API cost per month with the plan",
            mark(result, "plan.api_cost_per_month_usd", usd(plan.get("api_cost_per_month_usd"))),
        ),
        ("Cache similarity threshold", "no cache" if no_cache else number(plan.get("cache_threshold"), 2)),
        ("Calls answered by the cache", "none (no cache)" if no_cache else share(plan.get("cache_hit_share"))),
        ("Calls sent to the batch API", share(plan.get("batch_share_of_calls"))),
        (
            "Reserved workers",
            "none"
            if "reserved_workers" in plan and plan["reserved_workers"] is None
            else mark(result, "plan.reserved_workers", number(plan.get("reserved_workers"))),
        ),
        (
            "Shadow price of quality (USD/month per quality point)",
            mark(
                result, "plan.shadow_price_usd_per_quality_point", usd(plan.get("shadow_price_usd_per_quality_point"))
            ),
        ),
    )
    return Table("Plan", ("figure", "value"), rows, note=f"Lever attribution: {text(plan.get('attribution_method'))}")


def _rec_interval(r: dict[str, Any]) -> str:
    source = r.get("interval_source")
    # An analyzer without an interval gives [saving, saving]; a zero-width range would look precise.
    if isinstance(source, str) and source.startswith("none"):
        return "not estimated"
    return interval(r.get("savings_interval_usd"))


def _recommendations_table(result: dict[str, Any]) -> Table:
    rows = tuple(
        (
            text(r.get("rank")),
            text(r.get("title")),
            text(r.get("lever")),
            mark(result, f"recommendations.{i}.monthly_savings_usd", usd(r.get("monthly_savings_usd"))),
            _rec_interval(r),
            text(r.get("quality_impact")),
            text(r.get("effort")),
            text(r.get("confidence")),
            prerequisites(r.get("prerequisites")),
        )
        for i, r in enumerate(recommendations(result))
    )
    return Table(
        RECOMMENDATIONS_TITLE,
        (
            "#",
            "recommendation",
            "lever",
            "savings / month",
            "95 % interval",
            "quality impact",
            "effort",
            "confidence",
            "prerequisites",
        ),
        rows,
        empty_text=RECOMMENDATIONS_EMPTY,
    )


def _recommendation_cards(result: dict[str, Any]) -> tuple[RecommendationCard, ...]:
    cards = []
    for i, r in enumerate(recommendations(result)):
        details = [
            ("lever", text(r.get("lever"))),
            ("quality impact", text(r.get("quality_impact"))),
            ("effort", text(r.get("effort"))),
            ("prerequisites", prerequisites(r.get("prerequisites"))),
        ]
        shown = _rec_interval(r)
        if shown == "not estimated":
            details.append(("interval", text(r.get("interval_source"))))
        cards.append(
            RecommendationCard(
                rank=text(r.get("rank")),
                title=text(r.get("title")),
                savings=mark(result, f"recommendations.{i}.monthly_savings_usd", usd(r.get("monthly_savings_usd"))),
                interval=shown,
                confidence=text(r.get("confidence")),
                details=tuple(details),
            )
        )
    return tuple(cards)


def _findings_table(result: dict[str, Any]) -> Table:
    rows = []
    for name in ANALYZERS:
        found = findings(result, name)
        if found is None:
            rows.append((name, NA, NA, "did not run"))
            continue
        status = f"skipped: {found['skipped_reason']}" if found.get("skipped_reason") else "ran"
        saving = mark(result, f"findings.{name}.monthly_savings_usd", usd(found.get("monthly_savings_usd")))
        rows.append((name, saving, interval(found.get("savings_interval_usd")), status))
    verdict = stability_verdict(result)
    notes = []
    if verdict is not None:
        reason = text(get_path(result, "findings", "capacity", "stability", "reason"))
        notes.append(f"Traffic stability: {verdict}: {reason}")
    notes += [_cache_note(result), _routing_note(result)]
    return Table(
        "Analyzer estimates (each lever alone)",
        ("analyzer", "savings / month", "95 % interval", "status"),
        tuple(rows),
        note=" ".join(n for n in notes if n),
    )


def _routing_note(result: dict[str, Any]) -> str:
    """The routing analyzer's next step when no routing line is recommended (else the line carries it)."""
    found = findings(result, "routing") or {}
    steps = found.get("prerequisites")
    if found.get("skipped_reason") or not steps or any(r.get("lever") == "routing" for r in recommendations(result)):
        return ""
    return f"Routing, next step: {text(steps)}"


def _cache_note(result: dict[str, Any]) -> str:
    """The cache at its chosen threshold, recommended or not: hit rate, avoided cost, its own cost, net."""
    found = findings(result, "cache") or {}
    chosen = None if found.get("skipped_reason") else found.get("chosen")
    if not isinstance(chosen, dict):
        return adaptive_sentence(found)
    recommended = any(r.get("lever") == "cache" for r in recommendations(result))
    return (
        f"Semantic cache at cosine {number(chosen.get('threshold'), 2)}: answers {share(chosen.get('hit_rate'))} "
        f"of calls and avoids {usd(chosen.get('monthly_avoided_cost_usd'))} a month; it costs "
        f"{usd(found.get('monthly_cache_cost_usd'))} a month to run, net {usd(chosen.get('monthly_net_savings_usd'))} "
        f"a month{'' if recommended else ' (not recommended)'}. {adaptive_sentence(found)}"
    ).strip()


def _examples_table(result: dict[str, Any], show_examples: bool) -> Table | None:
    if not show_examples:
        return None
    examples = report_examples(result, show_examples=True)
    rows = tuple((e["analyzer"], "; ".join(f"{k}: {v}" for k, v in e["fields"].items())) for e in examples)
    return Table("Examples (redacted)", ("analyzer", "example"), rows, empty_text="The result holds no examples.")


def _tables(result: dict[str, Any], defaults: Table | None) -> tuple[Table, ...]:
    tables: tuple[Table, ...] = (
        _baseline_table(result),
        _recommendations_table(result),
        _plan_table(result),
        _findings_table(result),
    )
    evidence = routing_evidence.routing_evidence_rows(result)
    if evidence:
        tables = (
            *tables,
            Table(routing_evidence.TITLE, routing_evidence.COLUMNS, evidence, note=routing_evidence.NOTE),
        )
    return (*tables, *([defaults] if defaults is not None else []))


def build_report(result: dict[str, Any], *, show_examples: bool = False) -> Report:
    log = result.get("log") or {}
    price_date = text(result.get("price_date") or get_path(result, "baseline", "price_date"))
    run = result.get("run") or {}
    facts = [
        ("Logs", text(log.get("files") or result.get("inputs"))),
        ("Calls analysed", number(log.get("n_calls") or get_path(result, "baseline", "n_calls"))),
        ("Days covered", number(log.get("span_days") or get_path(result, "baseline", "span_days"), 1)),
        ("Prices as of", price_date),
        ("advisor version", text(result.get("advisor_version"))),
    ]
    defaults = _defaults_table(result)
    if run.get("id") is not None:
        facts.append(("Stored run", f"{run['id']} ({text(run.get('created_utc'))})"))
    return Report(
        title="advisor: LLM cost report",
        facts=tuple(facts),
        tables=_tables(result, defaults),
        warnings=tuple(str(w) for w in result.get("warnings") or []),
        examples=_examples_table(result, show_examples),
        price_date=price_date,
        cards=_recommendation_cards(result),
        legend=legend(result),
    )
