"""Reports show where figures come from: marks, a legend, a 'Defaults in use' table (issue #22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_plain import plain_markdown
from rich.console import Console

from advisor.core.config import Config
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from advisor.pipeline import run_analysis
from advisor.report import render_html, render_markdown
from advisor.report.terminal import render_terminal

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "result_v1.json"


@pytest.fixture(scope="module")
def log_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "calls.csv"
    write_sample(generate_log(800, seed=3, days=4), path)
    return path


def _result(path, config: Config) -> dict:
    return run_analysis([path], config, embedder=FakeEmbedder(), analyzers=("batch", "capacity")).to_dict()


@pytest.fixture(scope="module")
def defaults_result(log_path):
    return _result(log_path, Config())


def _baseline_section(markdown: str) -> list[str]:
    start = markdown.index("## Baseline")
    return markdown[start : markdown.index("\n## ", start + 1)].splitlines()


def test_markdown_leads_with_measured_api_and_marks_assumed_totals(defaults_result):
    rows = [
        line for line in _baseline_section(plain_markdown(render_markdown(defaults_result))) if line.startswith("| ")
    ][1:]
    labels = [r.split("|")[1].strip() for r in rows]
    assert labels[:3] == ["API cost per month", "Calls per month", "Conversations per month"]
    api = rows[0]
    assert "[a]" not in api and "[p]" not in api  # measured over the log's own span: no mark
    total = next(r for r in rows if "Total cost per month" in r)
    assert "incl. assumed infrastructure and operations" in total and total.rstrip(" |").endswith("[a]")
    assert any(label == "workers" for label in labels)


def test_reports_carry_the_legend_and_the_defaults_table(defaults_result):
    markdown = plain_markdown(render_markdown(defaults_result))
    assert "**Marks:**" in markdown and "[a] includes advisor's defaults" in markdown
    assert "## Defaults in use" in markdown
    assert "| [infrastructure] worker_cost_per_month_usd | 150 | article: 100–200 |" in markdown
    html = render_html(defaults_result)
    assert "<b>Marks:</b>" in html and "Defaults in use" in html
    console = Console(width=100, record=True)
    render_terminal(defaults_result, console)
    out = console.export_text()
    assert "Marks:" in out and "Defaults in use" in out and "[a]" in out


def test_capacity_savings_on_default_worker_prices_are_marked(defaults_result):
    capacity = [i for i, r in enumerate(defaults_result["recommendations"]) if r["lever"] == "capacity"]
    if not capacity:
        pytest.skip("the plan reserves no workers on this log")
    markdown = plain_markdown(render_markdown(defaults_result))
    line = next(row for row in markdown.splitlines() if "Reserve" in row)
    assert "[a]" in line and "worker_cost_per_month_usd" in line


def test_hosted_only_report_has_no_worker_line(log_path):
    data = _result(log_path, Config().with_section("infrastructure", self_hosted=False))
    labels = [
        r.split("|")[1].strip() for r in _baseline_section(plain_markdown(render_markdown(data))) if r.startswith("| ")
    ]
    assert "workers" not in labels and "cache" in labels
    assert not any(r["lever"] == "capacity" for r in data["recommendations"])


def test_a_run_stored_before_provenance_renders_without_marks():
    data = json.loads(FIXTURE.read_text())
    assert "provenance" not in data
    markdown = plain_markdown(render_markdown(data))
    assert "Marks:" not in markdown and "Defaults in use" not in markdown and "[a]" not in markdown
