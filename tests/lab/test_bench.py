"""advisor bench: a tiny end-to-end run writes the table; rendering and stage accounting are pure."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.lab.bench import BenchReport, BenchSettings, render_markdown
from advisor.lab.bench.ann import clustered_vectors
from advisor.lab.bench.worker import _stage_table


def test_bench_smoke_run_writes_every_table(tmp_path):
    out = tmp_path / "BENCH.md"
    res = CliRunner().invoke(
        cli,
        [
            "bench",
            "--sizes",
            "300",
            "--repeats",
            "1",
            "--embedder",
            "fake",
            "--no-onnx",
            "--gptcache-calls",
            "40",
            "--ann-sizes",
            "1500",
            "--analyzers",
            "cache,batch",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    text = out.read_text()
    for heading in (
        "## Targets (issue 9)",
        "## Stages, 300 calls",
        "## Growth with log size",
        "## Approximate vs exact nearest-earlier search",
    ):
        assert heading in text
    assert "| analyzer: cache |" in text and "| embedding (the model) |" in text
    assert "advisor cache replay (" in text
    assert "GPTCache" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--sizes", "ten"],
            "The 'sizes' setting must be a comma-separated list of integers such as 10000,100000. Got 'ten' instead.",
        ),
        (["--sizes", "50"], "The 'sizes' setting must be a comma-separated list of integers >= 100. Got [50] instead."),
        (["--repeats", "0"], "The 'repeats' setting must be an integer >= 1. Got 0 instead."),
        (["--analyzers", "cache,magic"], "The 'analyzers' setting must be a comma-separated list drawn from"),
        (["--ann-sizes", "10"], "The 'ann_sizes' setting must be integers >= 1000 (or none). Got [10] instead."),
        (["--out", "/no/such/folder/B.md"], "The 'out' setting must be a file in an existing folder."),
    ],
)
def test_bad_bench_options_are_clean_errors(args, message):
    res = CliRunner().invoke(cli, ["bench", "--embedder", "fake", *args])
    assert res.exit_code == 2
    assert message in res.output


def test_stage_table_takes_embedding_time_out_of_the_stage_that_asked():
    class _Result:
        analyzers = ("cache",)

    # (stage, done, clock, embedding seconds so far, peak RSS)
    marks = [
        ("ingest", 0, 0.0, 0.0, 100),
        ("ingest", 1, 1.0, 0.0, 120),
        ("embedding", 0, 1.5, 0.0, 120),
        ("embedding", 1, 9.0, 7.0, 250),
        ("analyzers", 0, 9.0, 7.0, 250),
        ("analyzers", 1, 12.0, 8.0, 300),
        ("analyzers", 2, 12.5, 8.0, 310),
        ("optimizer", 0, 12.5, 8.0, 310),
        ("optimizer", 1, 13.0, 8.0, 320),
    ]
    rows = {r["stage"]: r for r in _stage_table(marks, 0.0, 13.5, ("cache", "batch"), _Result())}
    assert rows["ingest"]["seconds"] == pytest.approx(1.0)
    assert rows["prices + cost model"]["seconds"] == pytest.approx(0.5)
    assert rows["query texts to vectors (dedup, vector cache; the model's time is in the embedding row)"][
        "seconds"
    ] == pytest.approx(0.5)  # 7.5 s minus 7 s in the model
    assert rows["analyzer: cache"]["seconds"] == pytest.approx(2.0)  # 3 s minus 1 s of embedding (its responses)
    assert rows["analyzer: batch (did not run)"]["seconds"] == pytest.approx(0.5)
    assert rows["embedding (the model)"]["seconds"] == pytest.approx(8.0)
    assert rows["recommendations + result"]["seconds"] == pytest.approx(0.5)


def _report(ratio: float, speedup: float, agreement: float) -> BenchReport:
    size = {
        "n_calls": 1000,
        "repeats": 1,
        "ms_per_unique_text": 100.0,
        "ms_per_call": 10.0,
        "unique_texts": 100,
        "analyze_s": 10.0,
        "analyze_peak_rss_mb": 500.0,
        "embed_alone_s": 9.0,
        "embed_load_s": 1.0,
        "embed_encode_s": 8.0,
        "texts_per_s": 12.5,
        "embed_peak_rss_mb": 400.0,
        "ratio": ratio,
        "ratio_vs_encode_only": ratio * 1.1,
        "ratios": [ratio],
        "stages": [],
        "analyzers_run": ["cache"],
        "warnings": [],
        "ratio_vs_own_embedding": ratio * 1.05,
        "embedding_in_run_s": 8.5,
    }
    gpt = {
        "n_calls": 500,
        "threshold": 0.8,
        "advisor_s": 0.01,
        "advisor_hit_rate": 0.3,
        "advisor_method": "exact",
        "gptcache_s": 0.01 * speedup,
        "gptcache_hit_rate": 0.3,
        "agreement": agreement,
        "speedup": speedup,
        "gptcache_version": "0.1.44",
        "log_calls": 1000,
    }
    return BenchReport(
        settings=BenchSettings(sizes=(1000,)),
        machine={"python": "3.11", "cpus": 2, "platform": "x"},
        sizes=[size],
        gptcache=gpt,
    )


def test_markdown_marks_targets_met_and_missed():
    good = render_markdown(_report(1.1, 50.0, 0.999), "advisor bench")
    assert (
        "| 1.10× (vs encode only, model load excluded: 1.21×; vs advisor's own embedding in the same run: "
        "1.16×) | yes |"
    ) in good
    assert "took 8.50 s; the whole run took 1.16× that." in good
    assert "| 50× | yes |" in good
    bad = render_markdown(_report(1.3, 5.0, 0.9), "advisor bench")
    assert bad.count("**no**") == 3


def test_growth_rows_compare_each_size_with_the_previous_one():
    from advisor.lab.bench.runner import _with_growth

    small = {"n_calls": 10_000, "unique_texts": 1_000, "analyze_s": 10.0, "analyze_peak_rss_mb": 500.0}
    big = {"n_calls": 100_000, "unique_texts": 5_000, "analyze_s": 60.0, "analyze_peak_rss_mb": 1_000.0}
    rows = _with_growth([big, small])
    assert [r["n_calls"] for r in rows] == [10_000, 100_000]
    assert "growth" not in rows[0]
    assert rows[1]["growth"] == {"calls": 10.0, "unique_texts": 5.0, "analyze_time": 6.0, "peak_rss": 2.0}


def test_large_logs_are_measured_once():
    s = BenchSettings(sizes=(10_000, 1_000_000), repeats=3)
    assert s.repeats_for(10_000) == 3
    assert s.repeats_for(1_000_000) == 1


def test_gptcache_threshold_reproduces_the_cosine_threshold(tmp_path):
    pytest.importorskip("gptcache")
    from advisor.analyzers.cache.replay import replay
    from advisor.lab.bench.gptcache_loop import gptcache_hits, gptcache_threshold

    assert gptcache_threshold(0.8) == pytest.approx(0.9)
    v = clustered_vectors(150, dim=32, seed=4, per_cluster=3)
    ours = replay(v, ttl_s=None, capacity=None).match_cosine >= 0.8
    run = gptcache_hits([f"q{i}" for i in range(len(v))], v, 0.8, tmp_path)
    assert 0 < ours.mean() < 1
    assert np.array_equal(run.hits, ours)
