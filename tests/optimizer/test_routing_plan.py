"""Per-call routing in the plan (issues #17, #23): the plan routes within the routing analyzer's
cross-fitted prefix, best-scored calls first, and routing alone saves what the analyzer says."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from advisor.core.config import Config
from advisor.core.errors import ConfigError
from advisor.embed import FakeEmbedder
from advisor.optimizer.inputs import ModelOption, OptimizerInputs, SegmentInput
from advisor.optimizer.plan import solve_plan
from advisor.optimizer.settings import OptimizerSettings
from advisor.pipeline import run_analysis

CONFIG = {"routing": {"learning_curve": False, "n_segments": 4}}


def _log(path, *, informative: bool, n: int = 1200):
    """Short "where is my order" questions the cheaper model answers (97 %), long legal ones it
    mostly fails (30 %); with `informative` False its labels ignore the text (a coin at 80 %)."""
    rng = np.random.default_rng(0)
    easy = rng.random(n) < 0.6
    topic = np.array(["order", "shipping", "password", "invoice"])[rng.integers(0, 4, n)]
    query = [
        f"where is my {a} number {i}" if e else f"explain the legal contract dispute about {a} clause {i}"
        for i, (e, a) in enumerate(zip(easy, topic, strict=True))
    ]
    good = np.where(easy, rng.random(n) < 0.97, rng.random(n) < 0.3) if informative else rng.random(n) < 0.8
    pd.DataFrame(
        {
            "timestamp": pd.date_range("2026-10-01", periods=n, freq="7min").strftime("%Y-%m-%dT%H:%M:%SZ"),
            "model": "gpt-4o",
            "provider": "openai",
            "input_tokens": rng.integers(200, 2000, n),
            "output_tokens": rng.integers(50, 400, n),
            "query": query,
            "quality": 1.0,
            "quality__gpt-4o-mini": good.astype(float),
        }
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    path = _log(tmp_path_factory.mktemp("routing") / "calls.csv", informative=True)
    return run_analysis([path], Config(sections=CONFIG), embedder=FakeEmbedder(), analyzers=("routing",))


def test_routing_alone_in_the_plan_saves_what_the_routing_analyzer_says_to_the_cent(routed):
    """One source of truth (#23): the plan prices each routed call at its own saving and routes
    the analyzer's prefix, so the lever alone equals the analyzer's figure."""
    analyzer = routed.findings["routing"]
    assert analyzer.monthly_savings_usd > 1.0  # the case is one where routing pays
    lever = next(a for a in routed.plan.lever_attribution if a.lever == "routing")
    assert lever.alone_monthly_savings_usd == pytest.approx(analyzer.monthly_savings_usd, abs=0.005)
    shown = sum(r.monthly_savings_usd for r in routed.recommendations if r.lever == "routing")
    assert shown == pytest.approx(lever.monthly_savings_usd, abs=0.005)
    # The plan promises what the analyzer's cross-fitted bound allows, and no more calls than it routes.
    est = analyzer.candidates[0]
    routed_share = sum(
        s.call_share * sum(m.realtime_share + m.batch_share for m in s.shares if not m.is_current)
        for s in routed.plan.segments
    )
    assert routed_share == pytest.approx(est.max_share_at_target, abs=1e-9)
    assert est.quality_lower_bound >= 0.95 - 1e-9


def test_routing_titles_quote_the_plans_routed_share_per_segment(routed):
    segments = {s.name: s for s in routed.plan.segments}
    recs = [r for r in routed.recommendations if r.lever == "routing" and "segment" in r.action]
    assert recs
    for rec in recs:
        seg = segments[rec.action["segment"]]
        moved = {m.model for m in seg.shares if not m.is_current and m.realtime_share + m.batch_share > 1e-9}
        assert set(rec.action["to_models"]) == moved and f"'{seg.name}'" in rec.title
        assert sum(1 for m in seg.shares if m.model == "gpt-4o-mini") == 1  # the bins add up to one share


def test_a_router_no_better_than_chance_routes_nothing(tmp_path):
    """#17: labels that ignore the text give an AUC interval around 0.5: no share, no plan routing."""
    path = _log(tmp_path / "calls.csv", informative=False)
    result = run_analysis([path], Config(sections=CONFIG), embedder=FakeEmbedder(), analyzers=("routing",))
    est = result.findings["routing"].candidates[0]
    assert est.auc_interval[0] <= 0.5
    assert est.max_share_at_target == 0 and est.monthly_savings_usd == 0
    assert all(m.is_current for s in result.plan.segments for m in s.shares)


def _bin(b: int, saving: float, delta: float, share: float = 0.25) -> ModelOption:
    return ModelOption("small", "x", 1.0 + delta, 1.0 - saving, 1.0 - saving, False, score_bin=b, max_share=share)


def test_bins_fill_best_scored_first_even_when_a_later_bin_saves_more():
    """The second bin's calls save more, but a router sends the best-scored calls first: the
    plan may fill bin 2 only as far as bin 1 (fill ratios never rise), so a share is a threshold."""
    seg = SegmentInput(
        id=0,
        name="segment 0",
        calls_per_month=1000.0,
        current_quality=1.0,
        options=(
            ModelOption("big", "", 1.0, 1.0, 1.0, True),
            _bin(0, saving=0.1, delta=-0.02),
            _bin(1, saving=0.9, delta=-0.04),
        ),
        batch_tolerant_share=0.0,
        hit_share_by_step=(),
    )
    # Loss budget 0.01: bin 1 alone would take 0.25 x 0.04 = 0.01 and save 225; in order, equal
    # fill ratios r cost r x 0.25 x 0.06 <= 0.01 -> r = 2/3.
    plan = solve_plan(OptimizerInputs(segments=(seg,), quality_target=0.99), sensitivity=False)
    small = next(m for m in plan.segments[0].shares if m.model == "small")
    assert small.realtime_share == pytest.approx(0.5 * 2 / 3, abs=1e-6)
    assert plan.segments[0].routing_savings_per_month_usd == pytest.approx(1000 * 0.25 * (0.1 + 0.9) * 2 / 3, rel=1e-6)


def test_routing_unit_is_validated():
    with pytest.raises(ConfigError, match="routing_unit"):
        OptimizerSettings(routing_unit="bins").validate()


@pytest.mark.parametrize("by_number", [True, False])
def test_segment_floors_are_keyed_on_the_names_reports_show(routed, tmp_path, by_number):
    """#17: a floor's key is the segment as the report shows it ("segment 2 \u00b7 order number") or
    its number ("segment 2"), not the words alone; a wrong key lists the names shown."""
    path = _log(tmp_path / "calls.csv", informative=True)
    moved = [i for i, s in enumerate(routed.plan.segments, 1) if any(not m.is_current for m in s.shares)]
    shown = routed.plan.segments[moved[0] - 1].name
    assert shown.startswith(f"segment {moved[0]} \u00b7 ")  # the test log's segments all have words
    kept = f"segment {moved[0]}" if by_number else shown
    config = Config(sections={**CONFIG, "optimizer": {"segment_floors": {kept: 1.0}}})
    result = run_analysis([path], config, embedder=FakeEmbedder(), analyzers=("routing",))
    seg = result.plan.segments[moved[0] - 1]
    assert routed.plan.segments[moved[0] - 1].relative_quality < 1.0 - 1e-6  # without the floor it gave some up
    assert seg.relative_quality >= 1.0 - 1e-6
    words_alone = shown.partition(" \u00b7 ")[2]
    wrong = Config(sections={**CONFIG, "optimizer": {"segment_floors": {words_alone: 0.9}}})
    names = ", ".join(s.name for s in routed.findings["routing"].segments)
    with pytest.raises(ConfigError, match=re.escape(names)):
        run_analysis([path], wrong, embedder=FakeEmbedder(), analyzers=("routing",))


def test_show_examples_lists_each_segments_queries_redacted_and_nothing_without_it(routed, tmp_path):
    """#17: segments stay "segment N"; --show-examples adds their nearest queries, redacted, to the
    terminal, Markdown and HTML reports; without it no query text leaves the run (JSON, run store)."""
    import io

    from markdown_plain import plain_markdown
    from rich.console import Console

    from advisor.history.store import load_run, save_run
    from advisor.report import render_html, render_json, render_markdown, render_terminal

    examples = routed.findings["routing"].examples
    assert {e["segment"] for e in examples} == {s.name for s in routed.findings["routing"].segments}
    query = examples[0]["query"]
    console = Console(width=400, record=True, file=io.StringIO())
    render_terminal(routed, console, show_examples=True)
    shown = {
        "terminal": console.export_text(),
        "markdown": plain_markdown(render_markdown(routed, show_examples=True)),
        "html": render_html(routed, show_examples=True),
    }
    for fmt, body in shown.items():
        assert "segment 1" in body and query.split(" number ")[0] in body, fmt
    assert query.split(" number ")[0] not in render_markdown(routed)
    assert query not in render_json(routed)
    run_id = save_run(routed, path=tmp_path / "runs.db")
    assert query not in json.dumps(load_run(run_id, path=tmp_path / "runs.db").result)


def test_example_queries_keep_their_text_when_it_equals_a_segments_words():
    """A query "yeah" in a segment named "yeah" inside stays "yeah" among the examples, while the
    segment itself is shown as "segment 1"; empty queries are no examples."""
    from advisor.analyzers.routing.examples import segment_examples
    from advisor.core.redact import neutral_segment_names

    vectors = np.eye(3)
    rows = segment_examples(np.array([0, 0, 0]), vectors, np.ones((1, 3)), ["yeah", "  ", "yes"], [0])
    assert [r["query"] for r in rows] == ["yeah", "yes"]
    data = {"findings": {"routing": {"segments": [{"name": "yeah"}], "examples": list(rows)}}}
    shown = neutral_segment_names(data)["findings"]["routing"]
    assert shown["segments"][0]["name"] == "segment 1" and shown["examples"][0]["query"] == "yeah"


def test_segment_names_and_the_json_report_are_the_same_on_a_second_run(routed, tmp_path):
    """#17: the names come from seeded clustering and sorted terms: JSON stays byte-identical."""
    from advisor.report import render_json

    path = _log(tmp_path / "calls.csv", informative=True)
    first, again = (
        run_analysis([path], Config(sections=CONFIG), embedder=FakeEmbedder(), analyzers=("routing",)) for _ in range(2)
    )
    assert [s.name for s in again.findings["routing"].segments] == [s.name for s in routed.findings["routing"].segments]
    assert render_json(first) == render_json(again)
