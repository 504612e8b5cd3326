"""Terminal summary: AnalysisResult (or its dict) + rich Console -> printed tables."""

from __future__ import annotations

from typing import Any

from ..result_view import as_result_dict
from .content import Table, build_report


def _rich_table(table: Table):
    from rich.table import Table as RichTable
    from rich.text import Text

    rich = RichTable(title=table.title, title_justify="left", show_lines=False)
    for i, column in enumerate(table.columns):
        numeric = column.startswith("savings") or column in ("value", "#")
        rich.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in table.rows:
        rich.add_row(*(Text(cell) for cell in row))  # Text: no markup, so '[card]' stays
    return rich


def render_terminal(result: Any, console, *, show_examples: bool = False) -> None:
    data = as_result_dict(result)
    report = build_report(data, show_examples=show_examples)
    console.print(f"[bold]{report.title}[/bold]")
    for key, value in report.facts:
        console.print(f"  {key}: {value}", markup=False, highlight=False)
    for table in (*report.tables, *([report.examples] if report.examples is not None else [])):
        console.print()
        if table.rows:
            console.print(_rich_table(table))
        else:
            console.print(f"[bold]{table.title}[/bold]")
            console.print(f"  {table.empty_text}", markup=False)
    console.print()
    if report.warnings:
        console.print("[bold yellow]Warnings[/bold yellow]")
        for warning in report.warnings:
            console.print(f"  - {warning}", markup=False, highlight=False)
    console.print(f"Prices as of {report.price_date}.", markup=False)
