"""Terminal report layout: readable at 80 and 120 columns, words never broken, details per recommendation."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from lever_fakes import fake_findings, fake_group
from rich.console import Console

from advisor.optimizer.plan import LeverSaving, ModelShare, Plan, SegmentPlan
from advisor.recommend import make_recommendations
from advisor.report import render_terminal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _segment(sid, name, share, moved, gain, batch_gain=0.0):
    return SegmentPlan(
        sid,
        name,
        1000 * share,
        share,
        "claude-sonnet-4-5",
        (
            ModelShare("claude-sonnet-4-5", "anthropic", 1 - moved, 0.0, True),
            ModelShare("claude-haiku-4-5", "anthropic", moved, 0.0, False),
        ),
        0.0,
        10.0,
        5.0,
        0.97,
        gain,
        batch_gain,
    )


def _result_with_real_recommendations() -> dict:
    """The fixture result with recommendations made by advisor.recommend (real wording and lengths)."""
    plan = Plan(
        status="optimal",
        solver="HiGHS",
        quality_target=0.95,
        quality_is_relative=True,
        today_quality=1.0,
        expected_relative_quality=0.95,
        baseline_cost_per_month_usd=40000.0,
        monthly_cost_usd=30000.0,
        monthly_savings_usd=10000.0,
        api_cost_per_month_usd=20000.0,
        cache_threshold=0.86,
        cache_hit_share=0.031,
        cache_precision=0.986,
        cache_cost_per_month_usd=20.0,
        batch_share_of_calls=0.12,
        reserved_workers=3,
        on_demand_worker_hours_per_month=100.0,
        peak_workers=5.4,
        worker_cost_per_month_usd=300.0,
        prompt_savings_share=0.0,
        levers=("cache", "routing", "batch", "capacity"),
        segments=(
            _segment(0, "card rates", 0.23, 1.0, 6000.0, 900.0),
            _segment(1, "refunds", 0.5, 0.4, 3000.0, 300.0),
        ),
        lever_attribution=(
            LeverSaving("cache", 500.0, 600.0),
            LeverSaving("routing", 8000.0, 8500.0),
            LeverSaving("batch", 1200.0, 1300.0),
            LeverSaving("capacity", 300.0, 300.0),
        ),
    )
    findings = {
        "routing": fake_findings(
            "routing",
            monthly_savings_usd=8500.0,
            savings_interval_usd=(7000.0, 9900.0),
            prerequisites=("collect 200 labelled shadow answers per segment first",),
        ),
        "cache": fake_findings("cache", monthly_savings_usd=600.0, savings_interval_usd=(450.0, 750.0)),
        "batch": fake_findings(
            "batch",
            monthly_savings_usd=1300.0,
            savings_interval_usd=(1100.0, 1500.0),
            eligible_share_of_calls=0.12,
            eligible_groups=[fake_group("nightly_summary", "nightly_summary"), fake_group("analytics", "analytics")],
        ),
        # No saving of its own, so no interval: the report's "not estimated" case.
        "capacity": fake_findings("capacity"),
    }
    result = json.loads((FIXTURES / "result_v1.json").read_text())
    result["recommendations"] = [r.to_dict() for r in make_recommendations(plan, findings)]
    return result


def _render(result, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    render_terminal(result, console)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 120])
def test_recommendations_fit_the_terminal_without_breaking_words(width):
    result = _result_with_real_recommendations()
    text = _render(result, width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    words = set(text.split())
    for rec in result["recommendations"]:
        for field in ("title", "effort"):
            broken = [w for w in rec[field].split() if w not in words]
            assert not broken, f"{field} of #{rec['rank']} broken across lines: {broken}"
        for prerequisite in rec["prerequisites"]:
            assert all(w in words for w in prerequisite.split())


@pytest.mark.parametrize("width", [80, 120])
def test_each_ranked_line_carries_its_savings_interval_and_confidence_on_the_rank_line(width):
    result = _result_with_real_recommendations()
    lines = _render(result, width).splitlines()
    for rec in result["recommendations"]:
        if rec["interval_source"].startswith("none"):
            continue  # shown as "not estimated", tested below
        low, high = rec["savings_interval_usd"]
        pattern = re.compile(
            rf"^\s*{rec['rank']}\s.*\${rec['monthly_savings_usd']:,.0f}\s+\${low:,.0f} – \${high:,.0f}\s+"
            rf"{rec['confidence']}\s*$"
        )
        assert any(pattern.match(line) for line in lines), f"no ranked line for #{rec['rank']}"


def test_at_120_columns_titles_up_to_70_characters_stay_on_one_line():
    result = _result_with_real_recommendations()
    text = _render(result, 120)
    short = [rec["title"] for rec in result["recommendations"] if len(rec["title"]) <= 70]
    assert len(short) >= 2
    assert all(title in text for title in short)


def test_details_block_gives_lever_quality_effort_and_prerequisites_per_recommendation():
    result = _result_with_real_recommendations()
    text = _render(result, 80)
    details = text[text.index("Details") : text.index("Plan")]
    for rec in result["recommendations"]:
        block = details[details.index(f"#{rec['rank']} ") :]
        assert re.match(rf"#{rec['rank']}\s+lever\s+{rec['lever']}", block)
        assert "quality impact" in block and "effort" in block and "prerequisites" in block


def test_a_recommendation_without_an_interval_says_not_estimated_and_why():
    result = _result_with_real_recommendations()
    cap = next(r for r in result["recommendations"] if r["lever"] == "capacity")
    text = _render(result, 120)
    line = next(line for line in text.splitlines() if line.lstrip().startswith(f"{cap['rank']} "))
    assert "not estimated" in line
    assert "none: the capacity analyzer reports no interval" in text


def test_batch_line_names_the_jobs_not_a_segment():
    text = _render(_result_with_real_recommendations(), 120)
    assert "Move the nightly_summary and analytics jobs (12% of calls) to the batch API" in text


def test_long_warnings_wrap_under_their_own_bullet():
    result = _result_with_real_recommendations()
    result["warnings"] = ["word " * 40]
    lines = _render(result, 80).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  - word"))
    assert lines[start + 1].startswith("    word")


def test_markdown_and_html_agree_with_the_terminal_on_a_missing_interval():
    from advisor.report import render_html, render_markdown

    result = _result_with_real_recommendations()
    cap = next(r for r in result["recommendations"] if r["lever"] == "capacity")
    row = next(line for line in render_markdown(result).splitlines() if line.startswith(f"| {cap['rank']} |"))
    assert "not estimated" in row and "$300 – $300" not in row
    assert "<td>not estimated</td>" in render_html(result)


def test_attribution_and_stability_prose_sit_under_their_tables_not_in_a_cell():
    result = _result_with_real_recommendations()
    result["plan"]["attribution_method"] = "sequential in the order cache -> routing -> batch -> prompt -> capacity"
    text = _render(result, 80)
    plan = text[text.index("\nPlan") : text.index("Analyzer estimates")]
    assert "│ Lever attribution" not in plan
    assert "\nLever attribution: sequential in the order cache -> routing" in plan
    assert "\nTraffic stability: unstable: week-over-week volume rose 18 %" in text
    from advisor.report import render_html, render_markdown

    assert "Lever attribution: sequential" in render_markdown(result)
    assert '<p class="note">Traffic stability: unstable' in render_html(result)


def test_plan_quality_reads_as_a_share_of_todays_like_the_recommendations():
    result = _result_with_real_recommendations()
    result["plan"].update(quality_target=0.95, expected_relative_quality=0.958, cache_threshold=None)
    text = _render(result, 120)
    assert re.search(r"Quality target \(of today's quality\)\s+│\s+95\.0%", text)
    assert re.search(r"Expected quality with the plan \(of today's\)\s+│\s+95\.8%", text)
    assert re.search(r"Calls answered by the cache\s+│\s+none \(no cache\)", text)
