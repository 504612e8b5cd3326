"""`advisor runs`: list, show, compare and trend over the stored run history."""

from __future__ import annotations

import click

from advisor.core.jsonable import dumps_strict


def _console():
    from advisor.cli.console import console as make_console

    return make_console()


def _fmt(value, digits: int = 2, prefix: str = "") -> str:
    if value is None:
        return "not available"
    return f"{prefix}{value:,.{digits}f}"


@click.group()
def runs() -> None:
    """Stored analysis runs (SQLite under ADVISOR_HOME)."""


@runs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_cmd(as_json: bool) -> None:
    """List stored runs, oldest first."""
    from rich.table import Table

    from advisor.history.store import list_runs

    summaries = list_runs()
    if as_json:
        click.echo(dumps_strict([s.to_dict() for s in summaries], indent=2, sort_keys=True))
        return
    if not summaries:
        click.echo("No stored runs yet. Run `advisor analyze LOGS` to store one.")
        return
    table = Table(title="Stored runs")
    # Runs are written in one transaction, so "complete" is the norm; show the column only if not.
    show_status = any(s.status != "complete" for s in summaries)
    columns = ("ID", "created (UTC)", "prices", "calls/mo", "total/mo", "total/conv.", "recs")
    for column in columns + (("status",) if show_status else ()):
        table.add_column(
            column,
            justify="right" if column in ("ID", "calls/mo", "total/mo", "total/conv.", "recs") else "left",
            no_wrap=column in ("created (UTC)", "prices"),
        )
    for s in summaries:
        table.add_row(
            str(s.id),
            s.created_utc[:16].replace("T", " "),
            s.price_date or "not available",
            _fmt(s.calls_per_month, 0),
            _fmt(s.total_cost_per_month_usd, 0, "$"),
            _fmt(s.total_cost_per_conversation_usd, 4, "$"),
            str(s.n_recommendations),
            *((s.status,) if show_status else ()),
        )
    _console().print(table)


@runs.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write the HTML report to FILE.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False), help="Also write the Markdown report to FILE.")
@click.option("--show-examples", is_flag=True, help="Include example query texts (redacted).")
def show_cmd(run_id: str, as_json: bool, html_path: str | None, md_path: str | None, show_examples: bool) -> None:
    """Show one stored run (the report as it was)."""
    from advisor.history.store import load_run
    from advisor.report import render_json, render_terminal, write_reports

    run = load_run(run_id)
    write_reports(run.result, html=html_path, markdown=md_path, show_examples=show_examples)
    if as_json:
        click.echo(render_json(run.result, show_examples=show_examples), nl=False)
    else:
        render_terminal(run.result, _console(), show_examples=show_examples)


@runs.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write the comparison as HTML to FILE.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False), help="Also write it as Markdown to FILE.")
def compare_cmd(run_a: str, run_b: str, as_json: bool, html_path: str | None, md_path: str | None) -> None:
    """Compare run A (earlier) with run B (later): was A's plan carried out, what it saved, why cost moved."""
    from rich.table import Table
    from rich.text import Text

    from advisor.core.fileio import atomic_write
    from advisor.history.compare import compare_runs
    from advisor.history.store import load_run
    from advisor.report.compare import compare_report, render_compare_html, render_compare_markdown

    comparison = compare_runs(load_run(run_a).result, load_run(run_b).result)
    if html_path:
        atomic_write(html_path, render_compare_html(comparison))
    if md_path:
        atomic_write(md_path, render_compare_markdown(comparison))
    if as_json:
        click.echo(dumps_strict(comparison.to_dict(), indent=2, sort_keys=True))
        return
    console = _console()
    _, tables, notes = compare_report(comparison)
    for table in tables:
        shown = Table(title=table.title, caption=table.note or None)
        for column in table.columns:
            shown.add_column(column)
        for row in table.rows:
            shown.add_row(*(Text(cell) for cell in row))
        console.print(shown)
    for note in notes:
        console.print(note, markup=False)


@runs.command("trend")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write the trend chart to FILE.")
def trend_cmd(as_json: bool, html_path: str | None) -> None:
    """Cost per conversation over all stored runs (table, and chart with --html)."""
    from rich.table import Table

    from advisor.core.fileio import atomic_write
    from advisor.history.store import list_runs
    from advisor.report import render_trend_html
    from advisor.report.trend import cost_trend

    trend = cost_trend(list_runs())
    if html_path:
        atomic_write(html_path, render_trend_html(trend))
    if as_json:
        click.echo(
            dumps_strict(
                {
                    "metric": trend.metric,
                    "points": [
                        {
                            "run_id": p.run_id,
                            "created_utc": p.created_utc,
                            "cost_per_conversation_usd": p.cost_per_conversation_usd,
                        }
                        for p in trend.points
                    ],
                },
                indent=2,
                sort_keys=True,
            )
        )
        return
    if not trend.points:
        click.echo("No stored runs yet. Run `advisor analyze LOGS` to store one.")
        return
    table = Table(title=f"Trend: {trend.metric}")
    for column in ("run", "created (UTC)", "USD", ""):
        table.add_column(column, justify="right" if column in ("run", "USD") else "left")
    for p in trend.points:
        table.add_row(str(p.run_id), p.created_utc, _fmt(p.cost_per_conversation_usd, 4, "$"), "█" * p.bar_cells)
    _console().print(table)
