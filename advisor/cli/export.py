"""`advisor export`: deployable files from a stored run (LiteLLM proxy config, plan JSON)."""

from __future__ import annotations

import click


@click.group()
def export() -> None:
    """Write deployable files from a stored run."""


def _write(text: str, out: str | None) -> None:
    from advisor.core.fileio import atomic_write

    if out:
        atomic_write(out, text)
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


@export.command("litellm")
@click.option("--run", "run_id", default=None, help="Stored run (default: the latest).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the YAML here (default: stdout).")
def litellm_cmd(run_id: str | None, out: str | None) -> None:
    """LiteLLM proxy config.yaml: model list, routing weights and semantic-cache settings of the plan."""
    from advisor.history.store import load_run
    from advisor.result.export import litellm_limits, litellm_yaml

    result = load_run(run_id).result
    _write(litellm_yaml(result), out)
    for line in litellm_limits(result):
        click.echo(f"note: {line}", err=True)


@export.command("json")
@click.option("--run", "run_id", default=None, help="Stored run (default: the latest).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the JSON here (default: stdout).")
def json_cmd(run_id: str | None, out: str | None) -> None:
    """The plan and its ranked recommendations as JSON."""
    from advisor.history.store import load_run
    from advisor.result.export import plan_json

    _write(plan_json(load_run(run_id).result), out)


@export.command("router")
@click.option("--run", "run_id", default=None, help="Stored run (default: the latest).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write the router into.")
def router_cmd(run_id: str | None, out: str) -> None:
    """The run's fitted router (plain arrays + JSON + model card) that reproduces the plan's shares per request."""
    from advisor.deploy.export import export_router

    folder = export_router(run_id, out)
    click.echo(f"Wrote {folder} (router.npz, router.json, MODEL_CARD.md)", err=True)
