"""Inline SVG for one chart: Chart spec -> <svg> markup (no scripts, no external files).

This is drawing code only: it maps the values in a Chart (advisor/report/data.py) to pixel
positions and prints the labels; it does not derive any figure shown to the reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from advisor.report.data import Chart

WIDTH, HEIGHT = 680, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 34, 60
COLORS = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2")
ROLE_COLORS = {"total": "#475569", "decrease": "#059669", "increase": "#dc2626", "part": "#2563eb"}


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = (high - low) / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float, percent: bool, step: float | None = None) -> str:
    """A tick label; with `step`, enough decimals that neighbouring ticks never read the same."""
    if step is not None and step > 0:
        scaled, digits = step * (100 if percent else 1), 0
        while digits < 6 and abs(round(scaled, digits) - scaled) > 1e-9 * max(1.0, scaled):
            digits += 1
        if percent:
            return f"{value * 100 + 0.0:.{digits}f}%"
        return f"{value + 0.0:,.{digits}f}"
    if percent:
        return f"{value:.0%}" if abs(value) >= 0.1 or value == 0 else f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _step(ticks: list[float]) -> float | None:
    return ticks[1] - ticks[0] if len(ticks) > 1 else None


def _y_range(chart: Chart) -> tuple[float, float]:
    values = [y for line in chart.lines for _, y in line.points]
    values += [v for band in chart.bands for _, lo, hi in band.points for v in (lo, hi)]
    values += [v for bar in chart.bars for v in (bar.low, bar.high)]
    values += [r.value for r in chart.rules if r.axis == "y"]
    low, high = min(values), max(values)
    if chart.zero_based:
        low = min(low, 0.0)
    pad = (high - low) * 0.05 or 0.05
    return (low if chart.zero_based else low - pad), high + pad


def render_svg(chart: Chart) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_low, y_high = _y_range(chart)
    yt = _ticks(y_low, y_high)
    y_low, y_high = min(y_low, yt[0]), max(y_high, yt[-1])

    def py(v: float) -> float:
        return TOP + plot_h - (v - y_low) / (y_high - y_low) * plot_h

    out = [
        (
            f'<svg class="chart" data-chart="{escape(chart.id)}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{escape(chart.title)}">'
        )
    ]
    for t in yt:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(_fmt(t, chart.percent_y, _step(yt)))}</text>"
        )
    x_of: _XScale | None = None
    if chart.bars:
        out += _bars(chart, py, plot_w)
    else:
        x_of = _x_scale(chart, plot_w)
        out += _series(chart, py, x_of)
    out += _rules(chart, py, x_of, plot_h)
    out += _axes(chart, plot_w, plot_h)
    out.append("</svg>")
    return "".join(out)


def _bars(chart: Chart, py: Callable[[float], float], plot_w: float) -> list[str]:
    out = []
    slot = plot_w / len(chart.bars)
    for i, bar in enumerate(chart.bars):
        x = LEFT + i * slot + slot * 0.15
        top, bottom = py(bar.high), py(bar.low)
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{max(bottom - top, 1):.1f}" fill="{ROLE_COLORS.get(bar.role, COLORS[0])}">'
            f"<title>{escape(bar.label)}: {escape(bar.value_label or _fmt(bar.high, chart.percent_y))}</title></rect>"
        )
        if len(chart.bars) <= 12:
            out.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
                f"{escape(bar.label)}</text>"
            )
            if bar.value_label:
                out.append(
                    f'<text x="{x + slot * 0.35:.1f}" y="{top - 4:.1f}" text-anchor="middle" class="value">'
                    f"{escape(bar.value_label)}</text>"
                )
        elif i % 3 == 0:
            out.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
                f"{escape(bar.label)}</text>"
            )
    return out


@dataclass(frozen=True)
class _XScale:
    """Data x -> pixel x over [low, high]."""

    low: float
    high: float
    plot_w: float

    def __call__(self, v: float) -> float:
        return LEFT + (v - self.low) / (self.high - self.low) * self.plot_w


def _x_scale(chart: Chart, plot_w: float) -> _XScale:
    """The x range of every line, band and vertical rule (a single x gets a unit-wide axis)."""
    xs = [x for line in chart.lines for x, _ in line.points] + [x for band in chart.bands for x, _, _ in band.points]
    xs += [r.value for r in chart.rules if r.axis == "x"]
    x_low, x_high = min(xs), max(xs)
    if x_high == x_low:
        x_low, x_high = x_low - 0.5, x_high + 0.5
    return _XScale(x_low, x_high, plot_w)


def _series(chart: Chart, py: Callable[[float], float], x_of: _XScale) -> list[str]:
    out = []
    x_low, x_high = x_of.low, x_of.high
    xt = _ticks(x_low, x_high)
    for t in xt:
        if x_low - 1e-9 <= t <= x_high + 1e-9:
            out.append(
                f'<text x="{x_of(t):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
                f"{escape(_fmt(t, chart.percent_x, _step(xt)))}</text>"
            )
    for band in chart.bands:
        upper = " ".join(f"{x_of(x):.1f},{py(hi):.1f}" for x, _, hi in band.points)
        lower = " ".join(f"{x_of(x):.1f},{py(lo):.1f}" for x, lo, _ in reversed(band.points))
        out.append(
            f'<polygon class="band" points="{upper} {lower}" fill="{COLORS[1]}" fill-opacity="0.15">'
            f"<title>{escape(band.name)}</title></polygon>"
        )
    for i, line in enumerate(chart.lines):
        color = COLORS[i % len(COLORS)]
        pts = " ".join(f"{x_of(x):.1f},{py(y):.1f}" for x, y in line.points)
        out.append(f'<polyline class="series" points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in line.points:
            out.append(
                f'<circle cx="{x_of(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{color}">'
                f"<title>{escape(line.name)}: {escape(_fmt(x, chart.percent_x))}, "
                f"{escape(_fmt(y, chart.percent_y))}</title></circle>"
            )
        out.append(
            f'<text x="{LEFT + 8 + 160 * i}" y="{TOP - 14}" class="legend" fill="{color}">'
            f"\u25a0 {escape(line.name)}</text>"
        )
    return out


def _rules(chart: Chart, py: Callable[[float], float], x_of: _XScale | None, plot_h: float) -> list[str]:
    out = []
    for rule in chart.rules:
        if rule.axis == "y":
            y = py(rule.value)
            out.append(
                f'<line class="rule" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#111827" stroke-dasharray="5,4"/>'
                f'<text x="{WIDTH - RIGHT - 4}" y="{y - 5:.1f}" text-anchor="end" class="rule-label">'
                f"{escape(rule.label)}</text>"
            )
        elif x_of is not None:
            x = x_of(rule.value)
            # Near the right edge the label goes on the rule's left, so it is never clipped.
            right_half = x > LEFT + (WIDTH - LEFT - RIGHT) / 2
            anchor, tx = ("end", x - 4) if right_half else ("start", x + 4)
            out.append(
                f'<line class="rule" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
                f'stroke="#111827" stroke-dasharray="5,4"/>'
                f'<text x="{tx:.1f}" y="{TOP + 12}" text-anchor="{anchor}" class="rule-label">'
                f"{escape(rule.label)}</text>"
            )
    return out


def _axes(chart: Chart, plot_w: float, plot_h: float) -> list[str]:
    return [
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#6b7280"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#6b7280"/>',
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle" class="axis">'
        f"{escape(chart.x_label)}</text>",
        f'<text x="16" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 16 {TOP + plot_h / 2:.1f})">{escape(chart.y_label)}</text>',
    ]
