"""`advisor train router|cache-calibration`: rebuild the shipped models from their training data.

    advisor train router --data ../shared/data/routellm-mmlu --ood-json ../shared/data/clinc150/data_full.json
    advisor train cache-calibration [--data data/clinc150/clinc150.csv] [--hwu ../shared/data/hwu64/hwu64.csv]
                                    [--out DIR] [--seeds 5]

Parses options, calls advisor.lab.train.router.train / advisor.lab.train.cache_calibration.train,
prints the JSON summary. The defaults write where the shipped files live (models/, docs/,
data/); pass --out (and --report, --subset-dir) to rebuild elsewhere and compare.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from advisor.core.jsonable import dumps_strict

_PATH = click.Path(path_type=Path)


def _load_embedder(model_path=None):
    """The bundled all-MiniLM-L6-v2 (or another sentence-transformers folder); tests replace this."""
    from advisor.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model_path)


def _load_pipeline_embedder(model_path=None):
    """The embedder `advisor analyze` uses by default (int8 ONNX when available), or the given
    sentence-transformers folder: a cache calibration is a curve in cosine, and cosines move a
    little between embedders, so it is fitted on the vectors it will be applied to."""
    from advisor.core.config import Config
    from advisor.embed import default_embedder

    return default_embedder(Config(), model_path=model_path)


@click.group("train")
def train() -> None:
    """Rebuild a shipped model (router, cache calibration) from its training data."""


@train.command("router")
@click.option(
    "--data", required=True, type=_PATH, help="Folder with RouteLLM's mmlu_*.csv and contaminated_prompts.jsonl."
)
@click.option("--out", type=_PATH, default=None, help="Model folder to write.  [default: models/router]")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split, the fits and the checks.")
@click.option(
    "--cache-dir",
    type=_PATH,
    default=Path(tempfile.gettempdir()) / "advisor-router-cache",
    show_default=True,
    help="Folder for .npy embedding caches keyed by model and texts.",
)
@click.option(
    "--ood-json",
    type=_PATH,
    default=None,
    help="CLINC150 data_full.json: out-of-domain queries for the domain-check table.",
)
@click.option(
    "--probes",
    type=_PATH,
    default=None,
    help="CSV (kind, prompt) of out-of-domain probes.  [default: data/routellm-mmlu/out_of_domain_probes.csv if present]",
)
@click.option(
    "--subset",
    type=click.IntRange(min=0),
    default=400,
    show_default=True,
    help="Held-out rows to write to --subset-dir (0: none).",
)
@click.option("--subset-dir", type=_PATH, default=None, help="[default: data/routellm-mmlu]")
@click.option(
    "--report", type=_PATH, default=None, help="Evaluation page to write.  [default: docs/router-evaluation.md]"
)
@click.option("--no-report", is_flag=True, help="Write no evaluation page (skips the learning curve).")
@click.option(
    "--domain-centroids",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="KMeans centroids of the training embeddings for the domain check.",
)
def router(
    *, data, out, seed, cache_dir, ood_json, probes, subset, subset_dir, report, no_report, domain_centroids
) -> None:
    """Train the default router on RouteLLM's MMLU data, measure it on the held-out half."""
    from advisor.core.paths import data_dir, models_dir, package_root
    from advisor.lab.train.router import train as train_router

    # Tokenizers warn (and may deadlock) when they fork after use; nothing here needs their threads.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    default_probes = data_dir() / "routellm-mmlu" / "out_of_domain_probes.csv"
    result = train_router(
        data,
        out or models_dir() / "router",
        seed=seed,
        embedder=_load_embedder(),
        cache_dir=cache_dir,
        ood_json=ood_json,
        probes_csv=probes or (default_probes if default_probes.is_file() else None),
        report_path=None if no_report else (report or package_root() / "docs" / "router-evaluation.md"),
        subset_dir=subset_dir or data_dir() / "routellm-mmlu",
        subset_rows=subset,
        domain_centroids=domain_centroids,
    )
    click.echo(dumps_strict(result.to_dict(), indent=2))


@train.command("cache-calibration")
@click.option(
    "--data",
    type=_PATH,
    default=None,
    help="CLINC150 as one CSV (text, intent, split).  [default: data/clinc150/clinc150.csv]",
)
@click.option(
    "--hwu",
    type=_PATH,
    default=None,
    help="HWU64 merged CSV (text, intent, scenario), read at train time only.  "
    "[default: /work/shared/data/hwu64/hwu64.csv]",
)
@click.option("--out", type=_PATH, default=None, help="Model folder to write.  [default: models/cache_calibration]")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Shuffled replays of the training utterances (seeds 0..N-1).",
)
@click.option(
    "--embedding-model",
    type=_PATH,
    default=None,
    help="A sentence-transformers model folder.  [default: the pipeline's default embedder]",
)
def cache_calibration(data, hwu, out, seeds, embedding_model) -> None:
    """Fit the cache's false-hit calibration (P(right answer | cosine)) on CLINC150 + HWU64 streams."""
    from advisor.analyzers.cache.calibration import MODEL_SUBDIR
    from advisor.core.paths import data_dir, models_dir
    from advisor.lab.evaluate.cache_streams import CLINC_FILE
    from advisor.lab.train.cache_calibration import HWU_DEFAULT
    from advisor.lab.train.cache_calibration import train as train_calibration

    cal = train_calibration(
        data or data_dir() / CLINC_FILE,
        _load_pipeline_embedder(embedding_model),
        seeds=seeds,
        out_dir=out or models_dir() / MODEL_SUBDIR,
        hwu_csv=hwu or HWU_DEFAULT,
    )
    click.echo(dumps_strict(cal.meta, indent=2))
