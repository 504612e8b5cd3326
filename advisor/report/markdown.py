"""Markdown report: AnalysisResult (or its dict) -> Markdown text."""

from __future__ import annotations

from typing import Any

from advisor.report.content import Table, build_report
from advisor.report.data import report_charts
from advisor.result.view import as_result_dict


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = [f"## {table.title}", ""]
    if not table.rows:
        return lines + [table.empty_text, ""]
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines + [""] + ([table.note, ""] if table.note else [])


def render_markdown(result: Any, *, show_examples: bool = False) -> str:
    data = as_result_dict(result)
    report = build_report(data, show_examples=show_examples)
    lines = [f"# {report.title}", ""]
    lines += [f"- **{key}:** {_cell(value)}" for key, value in report.facts]
    if report.legend:
        lines.append(f"- **Marks:** {_cell(report.legend)}")
    lines.append("")
    for table in report.tables:
        lines += _table(table)
    lines += ["## Warnings", ""]
    lines += [f"- {w}" for w in report.warnings] or ["none"]
    lines.append("")
    if report.examples is not None:
        lines += _table(report.examples)
    lines += ["## Charts", "", "The charts are in the HTML report (`--html FILE`)."]
    missing = [c for c in report_charts(data) if c.unavailable]
    lines += [f"- {c.title}: not available ({c.unavailable})" for c in missing]
    lines += ["", f"Prices as of {report.price_date}.", ""]
    return "\n".join(lines)
