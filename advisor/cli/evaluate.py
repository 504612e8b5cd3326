"""`advisor evaluate ...`: measure advisor's estimators on labelled data. One subcommand per module.

`evaluate cache STREAM.csv` lives here; `evaluate router` comes from evaluate_router.py when
that module is installed. Parses options, calls advisor.lab.evaluate.*, renders; no arithmetic.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from advisor.core.jsonable import dumps_strict
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET


@click.group()
def evaluate() -> None:
    """Measure advisor's estimators (router, cache, ...) on labelled data."""


try:
    _router_cli = importlib.import_module(f"{__package__}.evaluate_router")
    evaluate.add_command(_router_cli.router)
    evaluate.add_command(_router_cli.router_page)
except ModuleNotFoundError as _exc:
    if _exc.name != f"{__package__}.evaluate_router":
        raise


def _load_embedder(model_path=None):
    """The pipeline's embedder (tests replace this with a fake)."""
    from advisor.core.config import Config
    from advisor.embed import default_embedder

    return default_embedder(Config(), model_path=model_path)


def _progress(console):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("embedding"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bars.add_task("embedding", total=1)
    return bars, lambda done, total: bars.update(task, completed=done, total=max(total, 1))


@evaluate.command("cache")
@click.argument("stream", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--text-col", default="text", show_default=True, help="Column with the query text.")
@click.option(
    "--label-col",
    default="label",
    show_default=True,
    help="Column with the answer label: rows with the same label share a cached answer.",
)
@click.option(
    "--label-budget",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Reveal this many matched pairs' labels, as a person would label them with `advisor cache label`.",
)
@click.option(
    "--false-hit-budget",
    type=click.FloatRange(0, 1, max_open=True),
    default=DEFAULT_FALSE_HIT_BUDGET,
    show_default=True,
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--response-col", default=None, help="Column with each query's logged answer (used as `analyze` uses it)."
)
@click.option(
    "--pair-labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Labelled pairs (`advisor cache label`'s pairs.csv, 'same' filled in), used as `analyze --pair-labels` "
    "uses them, instead of --label-budget.",
)
@click.option("--embedding-model", type=click.Path(path_type=Path), help="A sentence-transformers model folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def cache(
    *,
    stream,
    text_col,
    label_col,
    label_budget,
    false_hit_budget,
    seed,
    response_col,
    pair_labels,
    embedding_model,
    as_json,
) -> None:
    """Estimated vs true precision of a semantic cache on a labelled query STREAM (rows in arrival order)."""
    from advisor.cli.console import console as make_console
    from advisor.lab.evaluate.cache import evaluate_stream
    from advisor.lab.evaluate.cache_streams import read_responses, read_stream

    texts, labels = read_stream(stream, text_col, label_col)
    responses = read_responses(stream, response_col) if response_col else None
    if pair_labels is not None:
        from advisor.analyzers.cache.labels import load_pair_labels

        pair_labels = load_pair_labels(pair_labels)
    embedder = _load_embedder(embedding_model)
    bars, update = _progress(make_console(stderr=True))
    with bars:
        result = evaluate_stream(
            texts,
            labels,
            embedder,
            label_budget=label_budget,
            false_hit_budget=false_hit_budget,
            seed=seed,
            progress=update,
            responses=responses,
            pair_labels=pair_labels,
            adaptive=True,
        )
    if as_json:
        click.echo(dumps_strict(result.to_dict(), indent=2))
        return
    _render(result)


def _out_option(default: str):
    return click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path(default), show_default=True
    )


_HWU_OPTION = click.option(
    "--hwu",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HWU64 merged CSV; default ../shared/data/hwu64/hwu64.csv if present, else HWU64 is skipped.",
)
_QQP_OPTION = click.option(
    "--qqp",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="QQP file (GPTCache packaging); default ../shared/data/qqp if present, else QQP is skipped.",
)


def _wrote(messages, out: Path) -> None:
    """A table writer's progress messages to stderr, then where the table went."""
    for m in messages:
        click.echo(m, err=True)
    click.echo(f"Wrote {out}")


@evaluate.command("cache-table")
@_out_option("docs/cache-evaluation.md")
@_QQP_OPTION
@click.option("--seeds", type=int, default=3, show_default=True, help="Shuffles per dataset.")
def cache_table(out, qqp, seeds) -> None:
    """Regenerate the cache evaluation table (CLINC150 and, when present, QQP streams)."""
    from advisor.lab.evaluate.cache_table import write_table

    _wrote(write_table(out, _load_embedder(), qqp_path=qqp, seeds=seeds), out)


@evaluate.command("cache-transfer")
@_out_option("docs/cache-transfer.md")
@_HWU_OPTION
@click.option("--seeds", type=int, default=3, show_default=True, help="CLINC150 shuffles; stream seeds per training.")
def cache_transfer(out, hwu, seeds) -> None:
    """Regenerate the no-label transfer table (CLINC150 test; HWU64 scenarios held out of training)."""
    from advisor.lab.evaluate.cache_transfer_table import write_transfer_table

    _wrote(write_transfer_table(out, _load_embedder(), hwu_csv=hwu, seeds=seeds), out)


@evaluate.command("cache-labels")
@_out_option("docs/cache-labels.md")
@_HWU_OPTION
@_QQP_OPTION
@click.option("--draws", type=click.IntRange(min=1), default=10, show_default=True, help="Label draws per row.")
def cache_labels(out, hwu, qqp, draws) -> None:
    """Regenerate the with-labels table (pairs chosen by `advisor cache label`; CLINC150, HWU64, QQP)."""
    from advisor.lab.evaluate.cache_labels_table import write_labels_table

    _wrote(write_labels_table(out, _load_embedder(), hwu_csv=hwu, qqp_path=qqp, draws=draws), out)


@evaluate.command("cache-adaptive")
@_out_option("docs/cache-adaptive.md")
@_HWU_OPTION
@click.option("--seeds", type=int, default=3, show_default=True, help="Shuffles per dataset.")
def cache_adaptive(out, hwu, seeds) -> None:
    """Regenerate the adaptive-vs-static cache table (CLINC150 test and HWU64 streams)."""
    from advisor.lab.evaluate.cache_adaptive_table import write_adaptive_table

    _wrote(write_adaptive_table(out, _load_embedder(), hwu_csv=hwu, seeds=seeds), out)


def _render(result) -> None:
    from rich.table import Table

    from advisor.cli.console import console as make_console

    console = make_console()
    table = Table(title=f"Cache evaluation: {result.n_queries} queries, calibration {result.calibration}")
    for col in ("threshold", "hit rate", "estimated precision", "95 % interval", "true precision"):
        table.add_column(col, justify="right")

    def fmt(x):
        return "n/a" if x is None else f"{x:.3f}"

    for t in result.thresholds:
        iv = "n/a" if t.precision_interval is None else f"{t.precision_interval[0]:.3f} - {t.precision_interval[1]:.3f}"
        mark = " *" if result.chosen is not None and t.threshold == result.chosen.threshold else ""
        table.add_row(
            f"{t.threshold:.2f}{mark}", fmt(t.hit_rate), fmt(t.estimated_precision), iv, fmt(t.true_precision)
        )
    console.print(table)
    worst = result.worst
    if worst is not None and worst.error is not None:
        held, total = result.coverage
        console.print(
            f"Worst error {worst.error:+.3f} at threshold {worst.threshold:.2f} "
            f"(estimated {worst.estimated_precision:.3f}, true {worst.true_precision:.3f}); "
            f"the 95 % interval holds the truth at {held} of {total} thresholds."
        )
    if result.chosen is None:
        console.print(
            f"No threshold keeps the upper end of its false-hit interval within {result.false_hit_budget:.0%}."
        )
    else:
        console.print(
            f"* chosen threshold {result.chosen.threshold:.2f}: the upper end of its false-hit interval is "
            f"within the {result.false_hit_budget:.0%} budget; true false-hit rate "
            f"{fmt(result.chosen_true_false_hit_rate)}"
        )
    if result.label_warning:
        console.print(result.label_warning)
    if result.more_labels_for_target is not None and result.labels_used:
        console.print(
            f"Precision from: {result.precision_source}. About {result.more_labels_for_target} more labelled pairs "
            "would bring every threshold 0.75-0.95 to +-0.03."
        )
    a = result.adaptive
    if a is not None:
        console.print(
            f"Adaptive (vCache-style, error bound {a.error_bound:.0%} wrong answers per call): hit rate "
            f"{fmt(a.hit_rate)}, false-hit rate {fmt(a.false_hit_rate)} estimated / {fmt(a.true_false_hit_rate)} true, "
            f"{a.verification_calls} verification calls."
        )
