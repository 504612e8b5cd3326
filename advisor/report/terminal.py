"""Terminal summary: AnalysisResult (or its dict) + rich Console -> printed tables.

Written for an 80-column terminal first: wide tables (the recommendations) are split into a
ranked table of what to do and what it saves, then a block of details per recommendation,
so no column gets so narrow that words break across lines.
"""

from __future__ import annotations

from typing import Any

from advisor.report.content import RECOMMENDATIONS_TITLE, RecommendationCard, Table, build_report
from advisor.result.view import as_result_dict


def _rich_table(table: Table):
    from rich.table import Table as RichTable
    from rich.text import Text

    rich = RichTable(title=table.title, title_justify="left", show_lines=False)
    for column in table.columns:
        numeric = column.startswith("savings") or column in ("value", "#")
        rich.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in table.rows:
        rich.add_row(*(Text(cell) for cell in row))  # Text: no markup, so '[card]' stays
    return rich


def _ranked_table(cards: tuple[RecommendationCard, ...]):
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    rich = RichTable(
        title=f"{RECOMMENDATIONS_TITLE} (USD per month)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    rich.add_column("#", justify="right", no_wrap=True)
    # The only column that wraps; the figures never do, so they stay readable at 80 columns.
    rich.add_column("what to do", ratio=1, overflow="fold")
    rich.add_column("saves", justify="right", no_wrap=True)
    rich.add_column("95 % interval", justify="right", no_wrap=True)
    rich.add_column("confidence", no_wrap=True)
    for card in cards:
        rich.add_row(Text(card.rank), Text(card.title), Text(card.savings), Text(card.interval), Text(card.confidence))
    return rich


def _details(cards: tuple[RecommendationCard, ...]):
    from rich.table import Table as RichTable
    from rich.text import Text

    grid = RichTable.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(ratio=1, overflow="fold")
    for i, card in enumerate(cards):
        if i:
            grid.add_row("", "", "")
        for j, (label, value) in enumerate(card.details):
            grid.add_row(Text(f"#{card.rank}" if j == 0 else ""), Text(label), Text(value))
    return grid


def _bullets(lines: tuple[str, ...]):
    """A bulleted list whose wrapped lines stay indented under their own bullet."""
    from rich.table import Table as RichTable
    from rich.text import Text

    grid = RichTable.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for line in lines:
        grid.add_row(Text("  -"), Text(line))
    return grid


def render_terminal(result: Any, console, *, show_examples: bool = False) -> None:
    from rich.text import Text

    data = as_result_dict(result)
    report = build_report(data, show_examples=show_examples)
    console.print(Text(report.title, style="bold"))
    for key, value in report.facts:
        console.print(f"  {key}: {value}", markup=False, highlight=False)
    if report.legend:
        console.print(f"  Marks: {report.legend}", markup=False, highlight=False)
    for table in (*report.tables, *([report.examples] if report.examples is not None else [])):
        console.print()
        if table.title == RECOMMENDATIONS_TITLE and report.cards:
            console.print(_ranked_table(report.cards))
            console.print(Text("Details", style="bold"))
            console.print(_details(report.cards))
        elif table.rows:
            console.print(_rich_table(table))
            if table.note:
                console.print(table.note, markup=False, highlight=False)
        else:
            console.print(Text(table.title, style="bold"))
            console.print(f"  {table.empty_text}", markup=False)
    console.print()
    if report.warnings:
        console.print(Text("Warnings", style="bold yellow"))
        console.print(_bullets(report.warnings))
    console.print(f"Prices as of {report.price_date}.", markup=False)
