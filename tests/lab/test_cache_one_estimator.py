"""`advisor analyze` and `advisor evaluate cache` run one estimator (issue #23): on the same stream,
with the same pair labels and logged answers, they give the same precision at every threshold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.analyzers import AnalysisContext
from advisor.analyzers.cache.analyzer import analyze_cache
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.cli.main import cli
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log
from advisor.lab.synthetic.responses import answer_classes, with_responses
from advisor.prices.catalog import load_prices
from tests.benchmarks import cache_responses as bench


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    sample = with_responses(generate_log(1500, seed=2, days=5))
    log = S.QueryLog(frame=sample.frame, sources=("calls.csv",))
    classes = answer_classes(sample.truth)
    embedder = FakeEmbedder()
    labels = bench._label_pairs(log, classes, embedder, tmp_path_factory.mktemp("pairs"))
    return log, classes, embedder, labels


@pytest.mark.parametrize("labelled", [False, True])
def test_analyze_and_evaluate_give_the_same_estimate_on_the_same_stream(stream, labelled):
    log, classes, embedder, labels = stream
    assert len(labels.cosine) > 5 and len(labels.responses) == len(labels.cosine)
    cell = bench._measure(log, classes, embedder, labels if labelled else None, responses=True)
    assert cell["hit_gap"] == 0  # the same matches: the analyzer's cache never expires here
    assert cell["gap"] <= 1e-9  # float summation order is the only allowed difference


def test_evaluate_cache_command_with_the_pairs_file_matches_analyze_with_it(stream, tmp_path, monkeypatch):
    """The commands themselves: `advisor evaluate cache --pair-labels pairs.csv` on the stream of
    cacheable calls and the cache analyzer with `pair_labels = pairs.csv` give the same estimates."""
    from advisor.cli import evaluate as evaluate_cli

    log, classes, _, labels = stream
    rows = np.flatnonzero(cacheable_mask(log.frame, CacheSettings()))
    path = tmp_path / "stream.csv"
    pd.DataFrame({"text": log.frame[S.QUERY].iloc[rows].astype(str), "label": classes[rows]}).to_csv(path, index=False)
    monkeypatch.setattr(evaluate_cli, "_load_embedder", lambda model_path=None: FakeEmbedder())
    res = CliRunner().invoke(cli, ["evaluate", "cache", str(path), "--pair-labels", labels.source, "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)
    assert shown["labels_used"] == len(labels.cosine)

    config = Config(sections={"cache": {"ttl_s": 1e10, "pair_labels": labels.source}})
    frame = log.frame.drop(columns=[S.RESPONSE])  # the stream file carries no answers
    qlog = S.QueryLog(frame=frame, sources=log.sources)
    prices = load_prices(config)
    ctx = AnalysisContext(config=config, prices=prices, embedder=FakeEmbedder())
    found = analyze_cache(qlog, compute_baseline(qlog, prices, config), ctx)
    analyzed = {t.threshold: t.estimated_precision for t in found.thresholds}
    evaluated = {t["threshold"]: t["estimated_precision"] for t in shown["thresholds"]}
    assert analyzed.keys() == evaluated.keys()
    assert all((analyzed[t] is None) == (evaluated[t] is None) for t in analyzed)
    assert max(abs(analyzed[t] - evaluated[t]) for t in analyzed if analyzed[t] is not None) <= 1e-9
