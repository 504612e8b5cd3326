"""`advisor cache label LOGS --out pairs.csv`: export matched pairs for a person to label.

Fill in the `same` column (1 = the cached answer would be right, 0 = wrong) and feed the
file back with `[cache] pair_labels = "pairs.csv"` (or `advisor evaluate cache` style
label budgets) to narrow the precision estimate.
"""

from __future__ import annotations

from pathlib import Path

import click


def _load_embedder(config, model_path=None):
    """The pipeline's embedder (tests replace this with a fake)."""
    from advisor.embed import default_embedder

    return default_embedder(config, model_path=model_path)


@click.group("cache")
def cache() -> None:
    """Semantic-cache helpers (labelling matched pairs)."""


@cache.command("label")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write.")
@click.option("-n", "--n-pairs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file ([cache] section).")
@click.option("--map", "mapping", help="Column mapping, e.g. query=user_message,timestamp=created_at.")
@click.option("--embedding-model", type=click.Path(path_type=Path), help="A sentence-transformers model folder.")
@click.option("--seed", type=int, default=0, show_default=True)
def label(logs, out, n_pairs, config_file, mapping, embedding_model, seed) -> None:
    """Write up to N matched query pairs to label: near the candidate thresholds, spread over clusters."""
    from advisor.analyzers.cache.labels import pairs_for_labelling, write_pairs
    from advisor.core.config import load_config
    from advisor.ingest import load_log

    config = load_config(config_file)
    cli_mapping = None
    if mapping:
        from advisor.ingest import parse_mapping

        cli_mapping = parse_mapping(mapping)
    log = load_log(list(logs), mapping=cli_mapping)
    from advisor.cli.console import console as make_console
    from advisor.cli.evaluate import _progress

    bars, update = _progress(make_console(stderr=True))
    with bars:
        rows = pairs_for_labelling(
            log, config, _load_embedder(config, embedding_model), n=n_pairs, seed=seed, progress=update
        )
    write_pairs(out, rows)
    click.echo(
        f"Wrote {len(rows)} pairs to {out}. Fill in 'same' (1 = same answer, 0 = different), "
        f"then rerun advisor analyze with --pair-labels {out}."
    )
