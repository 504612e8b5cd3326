"""`advisor evaluate router LABELS.csv`: measure a router on labelled (text, weak, strong) rows;
`advisor evaluate router-page --data DIR`: the shipped router re-measured, docs/router-evaluation.md.

Parses options, calls advisor.lab.evaluate.router, renders. No arithmetic here.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from advisor.core.jsonable import dumps_strict

_PATH = click.Path(path_type=Path)


def _load_embedder():
    """The embedder the shipped router was trained with: torch MiniLM, not the pipeline's default
    int8 export, so the router is scored on its own vectors (tests replace this with a fake)."""
    from advisor.core.config import Config
    from advisor.embed import default_embedder

    return default_embedder(Config(sections={"embedding": {"backend": "torch"}}))


@click.command("router")
@click.argument("labels", type=click.Path(dir_okay=False))
@click.option("--text-col", default="prompt", show_default=True, help="Column with the request text.")
@click.option("--weak-col", required=True, help="Column with the cheaper model's score (0..1 or pass/fail).")
@click.option("--strong-col", required=True, help="Column with the stronger model's score (0..1 or pass/fail).")
@click.option(
    "--train-frac",
    type=float,
    default=0.5,
    show_default=True,
    help="Share of rows that train a router; the rest measure it.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--model",
    "model",
    default=None,
    help="'default' applies the shipped router (with its domain check) to every row; or a router directory.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def router(ctx: click.Context, *, labels, text_col, weak_col, strong_col, train_frac, seed, model, as_json) -> None:
    """Measure a router: AUC, APGR, CPT(50 %), CPT(80 %), ECE, and a random router's values."""
    from advisor.lab.evaluate.router import evaluate_shipped, evaluate_split, read_labelled_pairs

    if model is not None and ctx.get_parameter_source("train_frac") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--train-frac trains a new router; --model applies an existing one. Give one of them.")
    pairs = read_labelled_pairs(labels, text_col=text_col, weak_col=weak_col, strong_col=strong_col)
    embedder = _load_embedder()
    embeddings = embedder.encode(list(pairs.texts))
    if model is None:
        result = evaluate_split(pairs, embeddings, train_frac=train_frac, seed=seed)
    else:
        from advisor.analyzers.routing.router.model import load_router

        shipped = load_router(None if model == "default" else model)
        result = evaluate_shipped(
            pairs, embeddings, shipped, embedder_id=getattr(embedder, "model_id", None), seed=seed
        )
    if as_json:
        click.echo(dumps_strict(result.to_dict(), indent=2))
        return
    _render(result)


def _render(result) -> None:
    from rich.table import Table

    from advisor.cli.console import console as make_console

    console = make_console()
    m, r = result.metrics, result.random
    table = Table(title=f"Router evaluation ({result.mode}: {result.n_train} train / {result.n_test} measured rows)")
    for column in ("metric", "router", "random router"):
        table.add_column(column, justify="right" if column != "metric" else "left")

    def fmt(x, pct=False):
        return "n/a" if x is None else (f"{100 * x:.1f} %" if pct else f"{x:.3f}")

    auc = fmt(m.auc) + (
        "" if result.auc_interval is None else f" [{fmt(result.auc_interval[0])}, {fmt(result.auc_interval[1])}]"
    )
    table.add_row("AUC (good enough)", auc, fmt(r.auc))
    table.add_row("APGR", fmt(m.apgr), fmt(r.apgr))
    table.add_row("CPT(50 %)", fmt(m.cpt50, True), fmt(r.cpt50, True))
    table.add_row("CPT(80 %)", fmt(m.cpt80, True), fmt(r.cpt80, True))
    table.add_row("ECE", fmt(m.ece), "n/a")
    console.print(table)
    if result.domain is not None:
        console.print(f"Domain check: {result.domain.verdict} — {result.domain.describe()}")
    for warning in result.warnings:
        console.print(f"Warning: {warning}", style="bold red")


@click.command("router-page")
@click.option(
    "--data", required=True, type=_PATH, help="Folder with RouteLLM's mmlu_*.csv and contaminated_prompts.jsonl."
)
@click.option("--model", "model_dir", type=_PATH, default=None, help="Router folder.  [default: models/router]")
@click.option(
    "--ood-json", type=_PATH, default=None, help="CLINC150 data_full.json: out-of-domain queries for the domain check."
)
@click.option(
    "--probes",
    type=_PATH,
    default=None,
    help="CSV (kind, prompt) of out-of-domain probes.  [default: data/routellm-mmlu/out_of_domain_probes.csv]",
)
@click.option("--cache-dir", type=_PATH, default=None, help="Folder for .npy embedding caches (none by default).")
@click.option("--out", type=_PATH, default=None, help="Page to write.  [default: docs/router-evaluation.md]")
@click.option("--no-learning-curve", is_flag=True, help="Skip the learning-curve table (the slow part).")
def router_page(*, data, model_dir, ood_json, probes, cache_dir, out, no_learning_curve) -> None:
    """Re-measure the shipped router on RouteLLM's MMLU held-out half (no retraining) and write its page."""
    from advisor.core.paths import data_dir, package_root
    from advisor.lab.evaluate.router_page import evaluate_shipped_router

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    default_probes = data_dir() / "routellm-mmlu" / "out_of_domain_probes.csv"
    command = " ".join(
        ["advisor evaluate router-page --data", str(data)]
        + (["--model", str(model_dir)] if model_dir else [])
        + (["--ood-json", str(ood_json)] if ood_json else [])
        + (["--no-learning-curve"] if no_learning_curve else [])
    )
    result = evaluate_shipped_router(
        data,
        out or package_root() / "docs" / "router-evaluation.md",
        model_dir=model_dir,
        embedder=_load_embedder(),
        cache_dir=cache_dir,
        ood_json=ood_json,
        probes_csv=probes or (default_probes if default_probes.is_file() else None),
        learning=not no_learning_curve,
        command=command,
    )
    click.echo(dumps_strict(result.to_dict(), indent=2))
