"""One result, four formats: every figure the terminal, Markdown and HTML show agrees with the
JSON and with each other (issue #23), and none reads as a negative zero."""

from __future__ import annotations

import copy
import html
import io
import json
import re
from pathlib import Path

import pytest
from markdown_plain import plain_markdown
from rich.console import Console

from advisor.report import render_html, render_json, render_markdown, render_terminal
from advisor.report.formatting import usd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NEGATIVE_ZERO = re.compile(r"(?:[-−]\$0(?![\d.,]*[1-9])|\$[-−]|[-−]0(?:\.0+)?\s*USD)")


def _texts(result: dict) -> dict[str, str]:
    console = Console(width=200, record=True, file=io.StringIO())
    render_terminal(result, console)
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", render_html(result), flags=re.DOTALL)
    return {
        "terminal": console.export_text(),
        "markdown": plain_markdown(render_markdown(result)),
        "html": html.unescape(re.sub(r"<[^>]+>", " ", page)),
    }


def _variants() -> dict[str, dict]:
    base = json.loads((FIXTURES / "result_v1.json").read_text())
    no_cache = copy.deepcopy(base)
    # The plan runs no cache (and so no cache recommendation); capacity saves a solver-noise -0.0004;
    # one lever has no interval of its own.
    no_cache["plan"]["cache_threshold"] = None
    no_cache["recommendations"] = [r for r in no_cache["recommendations"] if r["lever"] != "cache"]
    no_cache["findings"]["capacity"]["monthly_savings_usd"] = -0.0004
    no_cache["plan"]["shadow_price_usd_per_quality_point"] = -0.001
    batch = next(r for r in no_cache["recommendations"] if r["lever"] == "batch")
    batch["savings_interval_usd"], batch["interval_source"] = None, "none: the batch analyzer reports no interval"
    return {"as shipped": base, "no cache, no interval": no_cache}


@pytest.mark.parametrize("name", ["as shipped", "no cache, no interval"])
def test_every_figure_agrees_across_terminal_markdown_html_and_json(name):
    result = _variants()[name]
    texts = _texts(result)
    data = json.loads(render_json(result))
    shown: list[str] = []
    for rec in data["recommendations"]:
        shown.append(usd(rec["monthly_savings_usd"]))
        if rec["savings_interval_usd"] is None:
            shown.append("not estimated")
        else:
            low, high = rec["savings_interval_usd"]
            shown.append(f"{usd(low)} – {usd(high)}")
    for found in data["findings"].values():
        shown.append(usd(found["monthly_savings_usd"]))
    plan = data["plan"]
    shown += [usd(plan["monthly_savings_usd"]), usd(plan["monthly_cost_usd"])]
    shown.append(usd(data["baseline"]["total_cost_per_month_usd"]))
    for fmt, body in texts.items():
        missing = [figure for figure in shown if figure not in body]
        assert not missing, f"{fmt} does not show {missing}"
        assert not NEGATIVE_ZERO.findall(body), f"{fmt}: {NEGATIVE_ZERO.findall(body)}"


def test_the_cache_is_described_in_every_format_even_when_not_recommended():
    result = _variants()["no cache, no interval"]
    chosen = result["findings"]["cache"]["chosen"]
    for fmt, body in _texts(result).items():
        flat = " ".join(body.split())
        assert f"answers {chosen['hit_rate']:.1%} of calls" in flat, fmt
        assert f"net {usd(chosen['monthly_net_savings_usd'])} a month (not recommended)" in flat, fmt


def test_negative_zero_pattern_catches_what_the_issue_saw():
    assert NEGATIVE_ZERO.findall("saves $-0.00 and −0 USD/month and -$0")
    assert not NEGATIVE_ZERO.findall("saves $0 and -$0.50 and 10 USD")


def test_routings_next_step_is_shown_in_every_format_when_routing_is_not_recommended():
    result = _variants()["no cache, no interval"]
    result["recommendations"] = [r for r in result["recommendations"] if r["lever"] != "routing"]
    step = "Collect about 200 shadow answers of gpt-4o-mini (quality__gpt-4o-mini column)"
    result["findings"]["routing"]["prerequisites"] = [step]
    for fmt, body in _texts(result).items():
        assert f"Routing, next step: {step}" in " ".join(body.split()), fmt
