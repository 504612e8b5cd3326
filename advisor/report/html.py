"""HTML report: AnalysisResult (or its dict) -> one self-contained HTML page.

Charts are inline SVG (advisor/report/svg.py); styles and the one small script are inline,
and a Content-Security-Policy forbids loading anything, so the file opens offline and can be
mailed as is. The script only records script errors and the number of charts drawn into the
page (`data-script-errors`, `data-charts`), which the browser test reads back.
"""

from __future__ import annotations

from html import escape
from typing import Any

from advisor.report.content import Table, build_report
from advisor.report.data import Chart, report_charts
from advisor.report.svg import render_svg
from advisor.report.trend import Trend
from advisor.result.view import as_result_dict

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#111827;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f9fafb}.facts{list-style:none;padding:0}.warn{color:#92400e}.unavailable{color:#6b7280;font-style:italic}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(680px,1fr));gap:1rem}
figure{margin:0;border:1px solid #e5e7eb;padding:.5rem}figcaption{font-weight:600;margin-bottom:.3rem}
.tick{font-size:11px;fill:#374151}.axis{font-size:12px;fill:#111827}.legend{font-size:12px}
.value{font-size:10px;fill:#111827}.rule-label{font-size:11px;fill:#111827}.note{font-size:.85rem;color:#374151}
"""

# Records script errors into the DOM before anything else runs, then counts the charts.
SCRIPT_HEAD = """
window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message));
document.documentElement.setAttribute('data-script-errors',window.__errors.join(' | '));});
"""
SCRIPT_TAIL = """
(function(){var n=document.querySelectorAll('svg.chart').length;
document.documentElement.setAttribute('data-charts',String(n));
if(!document.documentElement.hasAttribute('data-script-errors')){document.documentElement.setAttribute('data-script-errors','none');}
})();
"""


def _table(table: Table) -> str:
    if not table.rows:
        return f"<h2>{escape(table.title)}</h2><p>{escape(table.empty_text)}</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f"<h2>{escape(table.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _figure(chart: Chart) -> str:
    if chart.unavailable:
        return (
            f'<figure data-chart-missing="{escape(chart.id)}"><figcaption>{escape(chart.title)}</figcaption>'
            f'<p class="unavailable">Not available: {escape(chart.unavailable)}.</p></figure>'
        )
    note = f'<p class="note">{escape(chart.note)}</p>' if chart.note else ""
    return f"<figure><figcaption>{escape(chart.title)}</figcaption>{render_svg(chart)}{note}</figure>"


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style><script>{SCRIPT_HEAD}</script></head>"
        f"<body>{body}<script>{SCRIPT_TAIL}</script></body></html>\n"
    )


def render_html(result: Any, *, show_examples: bool = False) -> str:
    data = as_result_dict(result)
    report = build_report(data, show_examples=show_examples)
    parts = [f'<h1>{escape(report.title)}</h1><ul class="facts">']
    parts += [f"<li><b>{escape(k)}:</b> {escape(v)}</li>" for k, v in report.facts]
    if report.legend:
        parts.append(f"<li><b>Marks:</b> {escape(report.legend)}</li>")
    parts.append("</ul>")
    tables = list(report.tables)
    parts += [_table(t) for t in tables[:2]]  # baseline, then the ranked advice
    parts.append('<h2>Charts</h2><div class="charts">' + "".join(_figure(c) for c in report_charts(data)) + "</div>")
    parts += [_table(t) for t in tables[2:]]
    parts.append("<h2>Warnings</h2>")
    if report.warnings:
        parts.append("<ul>" + "".join(f'<li class="warn">{escape(w)}</li>' for w in report.warnings) + "</ul>")
    else:
        parts.append("<p>none</p>")
    if report.examples is not None:
        parts.append(_table(report.examples))
    parts.append(f"<p><b>Prices as of {escape(report.price_date)}.</b></p>")
    return _page(report.title, "".join(parts))


def render_trend_html(trend: Trend) -> str:
    rows = "".join(
        f"<tr><td>{p.run_id}</td><td>{escape(p.created_utc)}</td><td>"
        f"{'not available' if p.cost_per_conversation_usd is None else f'${p.cost_per_conversation_usd:,.4f}'}"
        f"</td></tr>"
        for p in trend.points
    )
    body = (
        f"<h1>Cost per conversation over runs</h1>{_figure(trend.chart)}"
        f"<table><thead><tr><th>run</th><th>created (UTC)</th><th>{escape(trend.metric)}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _page("advisor: cost trend", body)
