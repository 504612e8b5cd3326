"""`advisor reconcile`: compare a provider invoice with a stored run's projection."""

from __future__ import annotations

import click

from advisor.core.jsonable import dumps_strict


@click.command()
@click.option(
    "--invoice",
    "invoice_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Invoice CSV: period, model, amount_usd [, calls, input_tokens, output_tokens] (docs/reconcile.md).",
)
@click.option("--run", "run_id", default=None, help="Stored run to compare with (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def reconcile(invoice_path: str, run_id: str | None, as_json: bool) -> None:
    """Flag invoice lines more than 10 % away from the model and name the likely cause."""
    from rich.table import Table
    from rich.text import Text

    from advisor.cli.console import console as make_console
    from advisor.history.invoice import load_invoice
    from advisor.history.reconcile import reconcile as run_reconcile
    from advisor.history.store import load_run

    invoice = load_invoice(invoice_path)
    result = run_reconcile(invoice, load_run(run_id).result)
    if as_json:
        click.echo(dumps_strict(result.to_dict(), indent=2, sort_keys=True))
        return
    table = Table(title=f"Invoice vs model (run {result.run_id}, prices as of {result.price_date})")
    for column in ("period", "model", "invoice", "model projection", "difference", "flag", "likely cause"):
        table.add_column(column, justify="right" if column in ("invoice", "model projection", "difference") else "left")
    for line in result.lines:
        table.add_row(
            line.period,
            line.model,
            f"${line.invoice_usd:,.2f}",
            "not available" if line.projected_usd is None else f"${line.projected_usd:,.2f}",
            "not available" if line.difference_share is None else f"{line.difference_share:+.1%}",
            "OVER 10 %" if line.flagged else "ok",
            line.likely_cause,
        )
    console = make_console()
    console.print(table)
    for i, line in enumerate(result.lines, start=1):
        if line.flagged:
            console.print(Text(f"Line {i} ({line.period}, {line.model}): {line.explanation}"))
    for warning in result.warnings:
        console.print(f"Warning: {warning}", markup=False)
