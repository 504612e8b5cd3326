"""Markdown report: AnalysisResult (or its dict) -> Markdown text."""

from __future__ import annotations

import re
from typing import Any

from advisor.report.content import Table, build_report
from advisor.report.data import report_charts
from advisor.result.view import as_result_dict

# Characters with a meaning in Markdown (CommonMark lets any ASCII punctuation be escaped).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _cell(value: object) -> str:
    """Text as Markdown that renders to that same text: HTML and Markdown syntax escaped, so a
    model name or business unit cannot add a script, a link or an image, or break a table."""
    text = " ".join(str(value).split())
    text = "".join(_HTML.get(ch, ch) for ch in text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _table(table: Table) -> list[str]:
    lines = [f"## {_cell(table.title)}", ""]
    if not table.rows:
        return lines + [_cell(table.empty_text), ""]
    lines.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines + [""] + ([_cell(table.note), ""] if table.note else [])


def render_markdown(result: Any, *, show_examples: bool = False) -> str:
    data = as_result_dict(result)
    report = build_report(data, show_examples=show_examples)
    lines = [f"# {_cell(report.title)}", ""]
    lines += [f"- **{_cell(key)}:** {_cell(value)}" for key, value in report.facts]
    if report.legend:
        lines.append(f"- **Marks:** {_cell(report.legend)}")
    lines.append("")
    for table in report.tables:
        lines += _table(table)
    lines += ["## Warnings", ""]
    lines += [f"- {_cell(w)}" for w in report.warnings] or ["none"]
    lines.append("")
    if report.examples is not None:
        lines += _table(report.examples)
    lines += ["## Charts", "", "The charts are in the HTML report (`--html FILE`)."]
    missing = [c for c in report_charts(data) if c.unavailable]
    lines += [f"- {_cell(c.title)}: not available ({_cell(c.unavailable)})" for c in missing]
    lines += ["", f"Prices as of {_cell(report.price_date)}.", ""]
    return "\n".join(lines)
