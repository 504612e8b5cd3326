"""`advisor shadow plan|judge|import`: shadow labels without a network. advisor writes the
batch request files and reads the providers' batch output files; the user submits the two
batches with their own keys. Only formats what advisor.shadow computed."""

from __future__ import annotations

import json
from pathlib import Path

import click

_PRIVACY = (
    "note: {folder} holds your requests' text (and served answers): it is your data. "
    "Keep it where your logs are kept; advisor sends nothing anywhere."
)


@click.group()
def shadow() -> None:
    """Shadow labels: batch files for candidate answers and an LLM judge, then labels from their outputs."""


def _usd(value) -> str:
    return "not priced (a model has no catalog price)" if value is None else f"${value:,.2f}"


def _echo_json(summary: dict) -> None:
    click.echo(json.dumps(summary, indent=1, sort_keys=True))


@shadow.command("plan")
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "--candidates", required=True, help="Comma-separated candidate models, e.g. gpt-4.1-mini,claude-haiku-4-5."
)
@click.option("--judge", required=True, help="The judge model (OpenAI or Anthropic), e.g. gpt-4.1.")
@click.option(
    "--n", "n", type=click.IntRange(min=1), help="Requests to sample (default: what the learning curve needs)."
)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file (seed, [routing]).")
@click.option("--prices", "prices_file", type=click.Path(path_type=Path), help="Price override file.")
@click.option("--map", "mapping", help="Column mapping, e.g. query=prompt,response=answer.")
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), help="Labels you already have.")
@click.option("--embedding-model", type=click.Path(path_type=Path), help="A sentence-transformers model folder.")
@click.option(
    "--no-routing", is_flag=True, help="Skip the routing analysis: strata without segments, size by the rule."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def plan_cmd(
    *,
    logs,
    candidates,
    judge,
    n,
    out,
    config_file,
    prices_file,
    mapping,
    labels_file,
    embedding_model,
    no_routing,
    as_json,
):
    """Sample requests and write the first batch: each candidate's answer to each."""
    from advisor.core.config import load_config
    from advisor.shadow.run import PlanOptions, plan_shadow

    config = load_config(config_file)
    labels, embedder = None, None
    if labels_file is not None:
        from advisor.analyzers.routing.labels import load_labels

        labels = load_labels(labels_file)
    if embedding_model is not None:
        from advisor.embed import default_embedder

        embedder = default_embedder(config, embedding_model)
    options = PlanOptions(
        candidates=tuple(c for c in candidates.split(",") if c.strip()),
        judge=judge,
        n=n,
        routing=not no_routing,
        mapping=_mapping(mapping),
        labels=labels,
        embedder=embedder,
        prices_file=prices_file,
    )
    summary = plan_shadow(list(logs), config, out, options)
    if as_json:
        _echo_json(summary)
    else:
        _print_plan(summary)
    click.echo(_PRIVACY.format(folder=out), err=True)


def _mapping(text):
    if not text:
        return None
    from advisor.ingest.mapping import parse_mapping

    return parse_mapping(text)


def _print_plan(s: dict) -> None:
    size, sample = s["sample_size"], s["sample"]
    click.echo(
        f"Sampled {sample['requests']} of {sample['available']} distinct requests not yet labelled, in {sample['strata']} strata ({s['mode']} judging)."
    )
    for need in size["needs"]:
        auc = "n/a" if need["auc"] is None else f"{need['auc']:.3f}"
        click.echo(
            f"  {need['model']}: {need['n_labelled']} labelled, {need['more']} more needed ({need['source']}, AUC {auc})"
        )
    if size["given"] is not None:
        click.echo(f"  --n {size['given']} used instead of {size['n']}.")
    click.echo(
        f"First batch: {_usd(s['cost_usd']['first_batch'])} at batch prices; judge batch at most {_usd(s['cost_usd']['judge_batch_at_most'])}."
    )
    for path in s["files"]:
        click.echo(f"  wrote {path}")
    click.echo(
        "You submit 2 batches in all, with your own keys: 1) these files now (OpenAI Batch API / "
        "Anthropic Message Batches), 2) the judge batch that `advisor shadow judge "
        f"{s['folder']} OUTPUTS...` writes from their outputs. Then `advisor shadow import "
        f"{s['folder']} JUDGE_OUTPUTS...` writes the labels."
    )


@shadow.command("judge")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.argument("outputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file ([prices]).")
@click.option("--prices", "prices_file", type=click.Path(path_type=Path), help="Price override file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def judge_cmd(folder, outputs, config_file, prices_file, as_json):
    """Read the first batch's outputs and write the judge batch (the second and last one)."""
    from advisor.core.config import load_config
    from advisor.prices.catalog import load_prices
    from advisor.shadow.run import judge_shadow

    summary = judge_shadow(folder, list(outputs), load_prices(load_config(config_file), prices_file))
    if as_json:
        _echo_json(summary)
        return
    click.echo(f"First batch: {_counts(summary['first_batch'])}.")
    click.echo(
        f"Judge batch: {summary['judge_requests']} requests to {summary['judge']}, at most {_usd(summary['cost_usd_at_most'])} at batch prices."
    )
    for path in summary["files"]:
        click.echo(f"  wrote {path}")
    click.echo(f"Submit it, then: advisor shadow import {folder} JUDGE_OUTPUTS...")


def _counts(counts: dict) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing"


@shadow.command("import")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.argument("outputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Labels file (default: FOLDER/labels.csv)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_cmd(folder, outputs, out, as_json):
    """Read the judge batch's outputs and write the labels file `advisor analyze --labels` reads."""
    from advisor.shadow.run import import_shadow

    summary = import_shadow(folder, list(outputs), out)
    if as_json:
        _echo_json(summary)
        return
    click.echo(f"Judge batch: {_counts(summary['judge_batch'])}.")
    if summary["first_batch"]:
        click.echo(f"First batch (answers): {_counts(summary['first_batch'])}.")
    click.echo(
        f"Wrote {summary['rows']} labels for {summary['requests_labelled']} requests to {summary['labels_file']}."
    )
    click.echo(f"Use them: advisor analyze LOGS --labels {summary['labels_file']}")
