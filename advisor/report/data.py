"""Chart data for the reports: result dict -> Chart specs (the only report-side arithmetic).

Report code renders, it does not compute; what a chart needs beyond the pipeline's numbers
(waterfall steps from the lever attribution, false-hit rate from precision, a trend series
over stored runs) is derived here, in one pure and tested place. A chart whose inputs are
missing comes back with `unavailable` set to the reason, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.report.marks import mark
from advisor.result.view import findings, get_path


@dataclass(frozen=True)
class Line:
    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Band:
    name: str
    points: tuple[tuple[float, float, float], ...]  # (x, low, high)


@dataclass(frozen=True)
class Bar:
    label: str
    low: float
    high: float
    role: str = "part"  # "total" | "decrease" | "increase" | "part"
    value_label: str = ""


@dataclass(frozen=True)
class Rule:
    axis: str  # "x" (vertical line) | "y" (horizontal line)
    value: float
    label: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    x_label: str = ""
    y_label: str = ""
    lines: tuple[Line, ...] = ()
    bands: tuple[Band, ...] = ()
    bars: tuple[Bar, ...] = ()
    rules: tuple[Rule, ...] = ()
    unavailable: str | None = None
    note: str = ""
    percent_x: bool = False
    percent_y: bool = False
    zero_based: bool = True


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_num(v) is not None for v in value):
        return float(value[0]), float(value[1])
    return None


def usd(value: float) -> str:
    """As the tables show it (advisor.report.content.usd): never "$-0.00"."""
    from advisor.report.formatting import usd as table_usd

    return table_usd(value)


def cost_breakdown_chart(result: dict[str, Any]) -> Chart:
    title = "Monthly cost: API, infrastructure, operations"
    parts = [
        ("API", "api_cost_per_month_usd"),
        ("Infrastructure", "infrastructure_cost_per_month_usd"),
        ("Operations", "operations_cost_per_month_usd"),
    ]
    bars = []
    for label, key in parts:
        value = _num(get_path(result, "baseline", key))
        if value is not None:
            bars.append(Bar(label, 0.0, value, "part", mark(result, f"baseline.{key}", usd(value))))
    if not bars:
        return Chart("cost-breakdown", title, unavailable="the baseline has no cost breakdown")
    return Chart("cost-breakdown", title, y_label="USD per month", bars=tuple(bars))


def waterfall_chart(result: dict[str, Any]) -> Chart:
    title = "Savings by lever (waterfall, USD per month)"
    # The plan's own baseline, so the steps add up to the plan's cost exactly.
    start = _num(get_path(result, "plan", "baseline_cost_per_month_usd"))
    if start is None:
        start = _num(get_path(result, "baseline", "total_cost_per_month_usd"))
    steps = get_path(result, "plan", "lever_attribution")
    if start is None or not isinstance(steps, list) or not steps:
        return Chart("waterfall", title, unavailable="the plan has no per-lever savings attribution")
    bars = [Bar("today", 0.0, start, "total", usd(start))]
    level = start
    for step in steps:
        saving = _num(step.get("monthly_savings_usd")) if isinstance(step, dict) else None
        if saving is None or saving == 0:
            continue
        after = level - saving
        bars.append(
            Bar(
                str(step.get("lever", "?")),
                min(level, after),
                max(level, after),
                "decrease" if saving >= 0 else "increase",
                f"-{usd(saving)}" if saving >= 0 else f"+{usd(-saving)}",
            )
        )
        level = after
    bars.append(Bar("plan", 0.0, level, "total", usd(level)))
    note = str(get_path(result, "plan", "attribution_method", default=""))
    return Chart(
        "waterfall", title, y_label="USD per month", bars=tuple(bars), note=f"Attribution: {note}" if note else ""
    )


def _analyzer_findings(result: dict[str, Any], analyzer: str, kind: str, title: str) -> dict | Chart:
    """The analyzer's findings, or the 'unavailable' chart saying why there are none."""
    found = findings(result, analyzer)
    if found is None:
        return Chart(kind, title, unavailable=f"the {analyzer} analyzer did not run")
    if found.get("skipped_reason"):
        return Chart(kind, title, unavailable=f"{analyzer} analysis skipped: {found['skipped_reason']}")
    return found


def cache_chart(result: dict[str, Any]) -> Chart:
    title = "Semantic cache: hit rate and false-hit band versus similarity threshold"
    cache = _analyzer_findings(result, "cache", "cache", title)
    if isinstance(cache, Chart):
        return cache
    rows = cache.get("thresholds") or cache.get("sweep") or []
    sweep = [row for row in rows if isinstance(row, dict) and _num(row.get("threshold")) is not None]
    if not sweep:
        return Chart("cache", title, unavailable="the cache findings have no threshold sweep")
    hits, false_hits, band = [], [], []
    for row in sweep:
        t = float(row["threshold"])
        if _num(row.get("hit_rate")) is not None:
            hits.append((t, float(row["hit_rate"])))
        precision = _num(row.get("estimated_precision", row.get("precision")))
        false_hit = _num(row.get("false_hit_rate"))
        if false_hit is None and precision is not None:
            false_hit = 1.0 - precision  # false hits are the share of hits that are wrong
        if false_hit is not None:
            false_hits.append((t, false_hit))
        interval = _pair(row.get("false_hit_rate_interval"))
        precision_interval = _pair(row.get("precision_interval"))
        if interval is None and precision_interval is not None:
            low_p, high_p = precision_interval
            interval = (1.0 - high_p, 1.0 - low_p)
        if interval is not None:
            band.append((t, interval[0], interval[1]))
    rules = []
    # The plan's threshold, not the analyzer's: no marker when the plan runs no cache.
    chosen = _num(get_path(result, "plan", "cache_threshold"))
    if chosen is not None:
        rules.append(Rule("x", chosen, f"plan's threshold {chosen:.2f}"))
    budget = _num(cache.get("false_hit_budget"))
    if budget is not None:
        rules.append(Rule("y", budget, f"false-hit budget {budget:.0%}"))
    lines = tuple(
        line for line in (Line("hit rate", tuple(hits)), Line("false-hit rate", tuple(false_hits))) if line.points
    )
    return Chart(
        "cache",
        title,
        x_label="similarity threshold",
        y_label="share of calls / of hits",
        lines=lines,
        bands=(Band("false-hit 95 % band", tuple(band)),) if band else (),
        rules=tuple(rules),
        percent_y=True,
        zero_based=True,
    )


def routing_chart(result: dict[str, Any]) -> Chart:
    title = "Routing: quality versus share of calls routed to a cheaper model"
    routing = _analyzer_findings(result, "routing", "routing", title)
    if isinstance(routing, Chart):
        return routing
    lines = []
    for cand in routing.get("candidates") or []:
        curve = cand.get("curve") if isinstance(cand, dict) else None
        xs = get_path(curve, "routed_share") or []
        ys = get_path(curve, "relative_quality") or []
        points = tuple((float(x), float(y)) for x, y in zip(xs, ys) if _num(x) is not None and _num(y) is not None)
        if points:
            lines.append(Line(str(cand.get("model", "candidate")), points))
    if not lines:
        return Chart("routing", title, unavailable="no candidate has a quality curve")
    target = _num(routing.get("quality_target")) or _num(get_path(result, "plan", "quality_target"))
    rules = (Rule("y", target, f"quality target {target:.2f}"),) if target is not None else ()
    return Chart(
        "routing",
        title,
        x_label="share of calls routed",
        y_label="quality relative to today",
        lines=tuple(lines),
        rules=rules,
        percent_x=True,
        zero_based=False,
    )


def frontier_chart(result: dict[str, Any]) -> Chart:
    title = "Cost-quality frontier"
    frontier = get_path(result, "plan", "frontier")
    points = tuple(
        (float(p["quality_target"]), float(p["monthly_cost_usd"]))
        for p in frontier or []
        if isinstance(p, dict)
        and _num(p.get("quality_target")) is not None
        and _num(p.get("monthly_cost_usd")) is not None
    )
    if not points:
        return Chart("frontier", title, unavailable="the plan has no cost-quality frontier")
    target = _num(get_path(result, "plan", "quality_target"))
    rules = (Rule("x", target, f"chosen target {target:.2f}"),) if target is not None else ()
    price = _num(get_path(result, "plan", "shadow_price_usd_per_quality_point"))
    note = f"Shadow price of quality: {usd(price)} per month per quality point." if price is not None else ""
    return Chart(
        "frontier",
        title,
        x_label="quality target",
        y_label="USD per month",
        lines=(Line("plan cost", points),),
        rules=rules,
        note=note,
        zero_based=False,
    )


def demand_chart(result: dict[str, Any]) -> Chart:
    title = "Hourly demand and reserved capacity"
    capacity = _analyzer_findings(result, "capacity", "demand", title)
    if isinstance(capacity, Chart):
        return capacity
    rows = [r for r in capacity.get("hourly_demand") or [] if isinstance(r, dict)]
    key = "workers_needed" if any(_num(r.get("workers_needed")) is not None for r in rows) else "calls_per_hour"
    bars = tuple(
        Bar(str(r.get("hour", i)), 0.0, float(r[key]), "part")
        for i, r in enumerate(rows)
        if _num(r.get(key)) is not None
    )
    if not bars:
        return Chart("demand", title, unavailable="the capacity findings have no hourly demand")
    rules = []
    reserved = _num(capacity.get("reserved_workers"))
    if reserved is not None and key == "workers_needed":
        rules.append(Rule("y", reserved, f"reserved {reserved:.0f}"))
    verdict = get_path(capacity, "stability", "verdict")
    reason = get_path(capacity, "stability", "reason", default="")
    note = f"Stability: {verdict}. {reason}".strip() if verdict else ""
    return Chart(
        "demand",
        title,
        x_label="hour of day (UTC)",
        y_label="workers needed" if key == "workers_needed" else "calls per hour",
        bars=bars,
        rules=tuple(rules),
        note=note,
    )


def report_charts(result: dict[str, Any]) -> tuple[Chart, ...]:
    return (
        cost_breakdown_chart(result),
        waterfall_chart(result),
        cache_chart(result),
        routing_chart(result),
        frontier_chart(result),
        demand_chart(result),
    )
