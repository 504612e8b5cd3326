"""`advisor analyze LOGS...`: parse options, run the pipeline, render and store the result.

Progress bars go to stderr so that `--json` leaves stdout pure JSON. All figures come from
the pipeline; this module only parses, calls and renders.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from advisor.core.policy import MAX_RELATIVE_QUALITY


def _progress_callback(console):
    """A (stage, done, total) callback drawing one rich progress bar per stage on stderr."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=max(total, 1))
        bars.update(tasks[stage], completed=done, total=max(total, 1))

    return bars, update


def _line_progress(stream, every_s: float = 30.0, clock=None):
    """A (stage, done, total) callback for a stderr that is not a terminal (CI, nohup, a pipe):
    a plain line each `every_s` seconds a stage runs, and its end once a line was printed for it.
    A quick run (or a bad file, whose one-line error must stay the only line) prints nothing."""
    import time

    clock = clock or time.monotonic
    start = clock()
    last: dict[str, float] = {}  # stage -> when it started or its last line was printed
    shown: set[str] = set()

    def update(stage: str, done: int, total: int) -> None:
        now = clock()
        if stage not in last:
            last[stage] = now
        finished = done >= total
        if last[stage] == float("inf"):
            return  # its end is printed once
        if (finished and stage in shown) or (not finished and now - last[stage] >= every_s):
            last[stage] = float("inf") if finished else now
            shown.add(stage)
            print(f"advisor: {stage} {done:,}/{total:,} ({now - start:.0f} s)", file=stream, flush=True)

    return update


def _progress_for(err):
    """(context, callback): rich bars on a terminal, else plain periodic lines on stderr."""
    if err.is_terminal:
        return _progress_callback(err)
    import contextlib
    import sys

    return contextlib.nullcontext(), _line_progress(sys.stderr)


def _fallback_terminal(result, console) -> None:
    """Used only when advisor.report.terminal is not installed: the ranked table, nothing else."""
    from rich.table import Table

    table = Table(title="Recommendations (USD per month)")
    for col in ("#", "recommendation", "savings", "95 % interval", "effort", "prerequisites"):
        table.add_column(col)
    for rec in result.recommendations:
        low, high = rec.savings_interval_usd
        table.add_row(
            str(rec.rank),
            rec.title,
            f"{rec.monthly_savings_usd:,.0f}",
            f"{low:,.0f} - {high:,.0f}",
            rec.effort,
            "; ".join(rec.prerequisites),
        )
    console.print(table)
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow")


def _config(config_file, quality_target):
    from advisor.core.config import load_config
    from advisor.core.errors import ConfigError

    config = load_config(config_file)
    if quality_target is None:
        return config
    if not 0 < quality_target <= MAX_RELATIVE_QUALITY:
        raise ConfigError.setting(
            "--quality-target",
            f"a number in (0, {MAX_RELATIVE_QUALITY:g}], e.g. 0.95 for 95 % of today's quality",
            quality_target,
        )
    config = dataclasses.replace(config, quality_target=float(quality_target))
    if "quality_target" in config.section("optimizer"):
        config = config.with_section("optimizer", quality_target=float(quality_target))
    return config


def _write_reports(result, html_file: Path | None, markdown_file: Path | None, *, show_examples: bool) -> None:
    from advisor.core.fileio import atomic_write

    if html_file is not None:
        from advisor.report.html import render_html

        atomic_write(html_file, render_html(result, show_examples=show_examples))
    if markdown_file is not None:
        from advisor.report.markdown import render_markdown

        atomic_write(markdown_file, render_markdown(result, show_examples=show_examples))


def _local_embedder(config, embedding_model: Path | None):
    """--embedding-model's embedder (torch unless [embedding] backend says otherwise), else None."""
    if embedding_model is None:
        return None
    from advisor.embed import default_embedder

    return default_embedder(config, model_path=embedding_model)


def _ray_runner(address: str | None, cpus: int | None, model_path: Path | None):
    """run_analysis on Ray (advisor/engine/ray_engine.py); a one-line error without the extra."""
    import functools

    from advisor.core.errors import ConfigError

    try:
        import ray  # noqa: F401
    except ImportError:
        raise ConfigError.setting(
            "--engine", "'local' unless the ray extra is installed (pip install 'advisor[ray]')", "ray"
        ) from None
    from advisor.engine.ray_engine import analyze_on_ray

    return functools.partial(analyze_on_ray, address=address, num_cpus=cpus, model_path=model_path)


def _check_before_running(html_file: Path | None, markdown_file: Path | None, pair_labels: Path | None) -> None:
    """Refuse unusable output paths and a bad --pair-labels file before any work (and before
    the run is stored), not as an "analyzer failed" warning or an error after the run."""
    from advisor.core.fileio import check_output_path

    for out in (html_file, markdown_file):
        if out is not None:
            check_output_path(out)
    if pair_labels is not None:
        from advisor.analyzers.cache.labels import load_pair_labels

        load_pair_labels(pair_labels)


@click.command("analyze")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file.")
@click.option("--prices", "prices_file", type=click.Path(path_type=Path), help="Price override file.")
@click.option("--map", "mapping", help="Column mapping, e.g. timestamp=created_at,model=llm_model.")
@click.option("--skip-bad-rows", is_flag=True, help="Leave out rows that fail validation (counted in the report).")
@click.option("--quality-target", type=float, help="Quality floor relative to today's (default 0.95).")
@click.option("--embedding-model", type=click.Path(path_type=Path), help="A sentence-transformers model folder.")
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), help="Routing labels file.")
@click.option("--analyzers", help="Comma-separated analyzers to run (default: cache,routing,batch,prompt,capacity).")
@click.option("--html", "html_file", type=click.Path(path_type=Path), help="Also write an HTML report here.")
@click.option("--markdown", "markdown_file", type=click.Path(path_type=Path), help="Also write a Markdown report here.")
@click.option("--show-examples", is_flag=True, help="Include (redacted) example calls in the reports.")
@click.option("--no-store", is_flag=True, help="Do not save this run in the run history.")
@click.option(
    "--pair-labels",
    "pair_labels",
    type=click.Path(path_type=Path),
    help="Cache pairs marked same/different (from `advisor cache label`).",
)
@click.option(
    "--sample-fraction",
    type=float,
    help="Analyze this share of conversations (for logs larger than memory); figures are scaled back.",
)
@click.option("--max-rows", type=int, help="Analyze a conversation sample of at most this many rows.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: ingest, embedding and the cache replay on a Ray cluster (pip install 'advisor[ray]').",
)
@click.option("--ray-address", help="With --engine ray: join this running cluster (default: start a local one).")
@click.option(
    "--ray-cpus", type=int, help="With --engine ray and no address: CPUs of the local cluster (default: all)."
)
def analyze(
    *,
    logs,
    as_json,
    config_file,
    prices_file,
    mapping,
    skip_bad_rows,
    quality_target,
    embedding_model,
    labels_file,
    analyzers,
    html_file,
    markdown_file,
    show_examples,
    no_store,
    pair_labels,
    sample_fraction,
    max_rows,
    engine,
    ray_address,
    ray_cpus,
):
    """Analyze LLM query logs and print ranked savings recommendations."""
    from advisor.analyzers import DEFAULT_ORDER
    from advisor.cli.console import console as make_console
    from advisor.pipeline import run_analysis

    _check_before_running(html_file, markdown_file, pair_labels)
    config = _config(config_file, quality_target)
    if pair_labels is not None:
        config = config.with_section("cache", pair_labels=str(pair_labels))
    cli_mapping = None
    if mapping:
        from advisor.ingest import parse_mapping

        cli_mapping = parse_mapping(mapping)
    embedder = _local_embedder(config, embedding_model) if engine == "local" else None
    labels = None
    if labels_file is not None:
        from advisor.analyzers.routing.labels import load_labels

        labels = load_labels(labels_file)
    names = tuple(n.strip() for n in analyzers.split(",") if n.strip()) if analyzers else DEFAULT_ORDER

    err = make_console(stderr=True)
    bars, update = _progress_for(err)
    run = _ray_runner(ray_address, ray_cpus, embedding_model) if engine == "ray" else run_analysis
    with bars:
        result = run(
            list(logs),
            config,
            mapping=cli_mapping,
            skip_bad_rows=skip_bad_rows,
            embedder=embedder,
            labels=labels,
            analyzers=names,
            prices_file=prices_file,
            progress=update,
            sample_fraction=sample_fraction,
            max_rows=max_rows,
        )
    if not no_store:
        from advisor.history.store import save_run

        run_id = save_run(result)
        err.print(f"Stored as run {run_id}.")
    _write_reports(result, html_file, markdown_file, show_examples=show_examples)
    if as_json:
        from advisor.result.schema import render_json

        click.echo(render_json(result, show_examples=show_examples), nl=False)
        return
    console = make_console()
    try:
        from advisor.report.terminal import render_terminal
    except ModuleNotFoundError:
        _fallback_terminal(result, console)
        return
    render_terminal(result, console, show_examples=show_examples)
