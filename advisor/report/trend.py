"""Stored runs (RunSummary objects) -> Trend: cost per conversation per run, terminal bar
lengths and the chart the HTML report draws. Read by `advisor runs trend` and the HTML report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.report.data import Chart, Line


@dataclass(frozen=True)
class TrendPoint:
    run_id: int
    created_utc: str
    cost_per_conversation_usd: float | None
    bar_cells: int = 0  # terminal bar length, scaled to the largest value


@dataclass(frozen=True)
class Trend:
    points: tuple[TrendPoint, ...]
    metric: str
    chart: Chart = field(default_factory=lambda: Chart("trend", "Cost per conversation over runs"))


def cost_trend(runs: list[Any], *, bar_width: int = 30) -> Trend:
    """Cost per conversation over stored runs (RunSummary objects), total cost where known, else API."""
    use_total = any(getattr(r, "total_cost_per_conversation_usd", None) is not None for r in runs)
    attr = "total_cost_per_conversation_usd" if use_total else "api_cost_per_conversation_usd"
    values = [getattr(r, attr, None) for r in runs]
    top = max((v for v in values if v is not None), default=0.0)
    points = tuple(
        TrendPoint(r.id, r.created_utc, v, 0 if v is None or top <= 0 else max(1, round(v / top * bar_width)))
        for r, v in zip(runs, values)
    )
    metric = "total cost per conversation (USD)" if use_total else "API cost per conversation (USD)"
    line = tuple(
        (float(p.run_id), float(p.cost_per_conversation_usd)) for p in points if p.cost_per_conversation_usd is not None
    )
    chart = (
        Chart(
            "trend",
            "Cost per conversation over runs",
            x_label="run",
            y_label=metric,
            lines=(Line(metric, line),),
            zero_based=True,
        )
        if line
        else Chart("trend", "Cost per conversation over runs", unavailable="no stored run has conversation costs")
    )
    return Trend(points, metric, chart)
