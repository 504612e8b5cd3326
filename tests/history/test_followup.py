"""`runs compare` closing the loop: cost split into volume, mix, prices and adoption; plan adoption."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.history.compare import compare_runs
from advisor.history.decompose import decompose
from advisor.history.store import load_run, save_run
from tests.markdown_plain import plain_markdown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BIG, SMALL = "claude-sonnet-4-5", "claude-haiku-4-5"
PRICES = {BIG: (3.0, 0.3, 15.0), SMALL: (1.0, 0.1, 5.0)}  # input, cached input, output per Mtok


def _cell(model, calls, uncached, cached, out, mode="realtime", price_factor=1.0):
    p_in, p_cached, p_out = (x * price_factor * (0.5 if mode == "batch" else 1.0) for x in PRICES[model])
    return {
        "model": model,
        "provider": "anthropic",
        "mode": mode,
        "calls": calls,
        "uncached_input_tokens": uncached,
        "cached_input_tokens": cached,
        "output_tokens": out,
        "uncached_input_cost_usd": uncached * p_in / 1e6,
        "cached_input_cost_usd": cached * p_cached / 1e6,
        "output_cost_usd": out * p_out / 1e6,
    }


def _usage(cells, factor=3.0, price_factor=1.0):
    prices = [
        {
            "model": m,
            "provider": "anthropic",
            "input_per_mtok_usd": p[0] * price_factor,
            "cached_input_per_mtok_usd": p[1] * price_factor,
            "output_per_mtok_usd": p[2] * price_factor,
            "batch_input_per_mtok_usd": p[0] * price_factor / 2,
            "batch_output_per_mtok_usd": p[2] * price_factor / 2,
        }
        for m, p in PRICES.items()
    ]
    return {"monthly_factor": factor, "cells": cells, "list_prices": prices}


def _cost(usage):
    return usage["monthly_factor"] * sum(
        c["uncached_input_cost_usd"] + c["cached_input_cost_usd"] + c["output_cost_usd"] for c in usage["cells"]
    )


BEFORE = _usage([_cell(BIG, 1000, 2_000_000, 0, 300_000)])


def test_a_pure_price_change_is_all_prices():
    after = _usage([_cell(BIG, 1000, 2_000_000, 0, 300_000, price_factor=1.25)], price_factor=1.25)
    d = decompose(BEFORE, after)
    # 1 000 calls x 3 per month: (2 M x $3 + 0.3 M x $15) / 1 M = $10.50 per log, $31.50 per month.
    assert d.api_cost_a_usd == pytest.approx(31.5)
    assert d.prices_usd == pytest.approx(31.5 * 0.25)
    assert (d.volume_usd, d.mix_usd, d.adoption_usd) == pytest.approx((0, 0, 0), abs=1e-12)


def test_volume_and_mix_are_told_apart():
    # 30 % more calls per month (factor 3 -> 3.9), and each call asks 10 % more input tokens.
    after = _usage([_cell(BIG, 1000, 2_200_000, 0, 300_000)], factor=3.9)
    d = decompose(BEFORE, after)
    assert d.change_usd == pytest.approx(_cost(after) - _cost(BEFORE))
    assert d.volume_usd + d.mix_usd == pytest.approx(d.change_usd, rel=1e-12)
    # Shapley with two factors: each gets its own step at the midpoint of the other.
    mix_alone = 3.0 * 2_000_000 * 0.1 * 3.0 / 1e6  # $1.80 a month at the old volume
    assert d.mix_usd == pytest.approx(mix_alone * (1 + 1.3) / 2)
    assert d.prices_usd == pytest.approx(0, abs=1e-12) and d.adoption_usd == pytest.approx(0, abs=1e-12)


def test_routing_half_the_tokens_is_adoption_and_the_parts_add_up():
    routed = _usage([_cell(BIG, 500, 1_000_000, 0, 150_000), _cell(SMALL, 500, 1_000_000, 0, 150_000)])
    d = decompose(BEFORE, routed)
    assert d.adoption_usd == pytest.approx(-31.5 / 3)  # half the tokens at a third of the price
    assert d.adoption_saving_at_b_usd == pytest.approx(31.5 / 3)
    several = _usage(
        [_cell(BIG, 700, 1_500_000, 400_000, 200_000, price_factor=1.1), _cell(SMALL, 900, 900_000, 0, 90_000)],
        factor=2.5,
        price_factor=1.1,
    )
    d = decompose(BEFORE, several)
    assert d.volume_usd + d.mix_usd + d.prices_usd + d.adoption_usd == pytest.approx(d.change_usd, abs=1e-12)
    assert d.api_cost_b_usd == pytest.approx(_cost(several))


def _with_usage(result, usage):
    out = copy.deepcopy(result)
    out["usage"] = usage
    return out


@pytest.fixture
def result():
    return json.loads((FIXTURES / "result_v1.json").read_text())


def test_runs_stored_without_usage_say_what_cannot_be_told(result):
    comparison = compare_runs(result, _with_usage(result, BEFORE))
    assert comparison.follow_up is None
    assert any("stored no per-model usage" in n and "cannot be told" in n for n in comparison.notes)


def test_adoption_reads_routing_batch_and_prompt_cache_from_the_later_log(result):
    plan = result["plan"]
    planned_moved = sum(
        s["call_share"] * sum(m["realtime_share"] + m["batch_share"] for m in s["shares"] if not m["is_current"])
        for s in plan["segments"]
        if s["current_model"] == BIG
    )
    assert planned_moved > 0  # the fixture's plan routes part of the big model's calls
    half = planned_moved / 2
    after = _usage(
        [
            _cell(BIG, round(1000 * (1 - half)), 1_000_000, 0, 150_000),
            _cell(SMALL, round(1000 * half), 1_000_000, 0, 150_000),
        ]
    )
    fu = compare_runs(_with_usage(result, BEFORE), _with_usage(result, after)).follow_up
    assert fu is not None
    routing = next(x for x in fu.levers if x.lever == "routing")
    assert routing.degree == pytest.approx(0.5, abs=0.002)  # calls are whole numbers
    assert next(x for x in fu.levers if x.lever == "cache").degree is None
    assert "cannot tell" in next(x for x in fu.levers if x.lever == "capacity").note


def test_usage_is_stored_and_compare_writes_markdown_and_html(tmp_path, result):
    routed = _usage([_cell(BIG, 500, 1_000_000, 0, 150_000), _cell(SMALL, 500, 1_000_000, 0, 150_000)])
    first, second = save_run(_with_usage(result, BEFORE)), save_run(_with_usage(result, routed))
    assert load_run(second).result["usage"] == routed
    md, html = tmp_path / "cmp.md", tmp_path / "cmp.html"
    res = CliRunner().invoke(
        cli, ["runs", "compare", str(first), str(second), "--markdown", str(md), "--html", str(html)]
    )
    assert res.exit_code == 0, res.output
    text = plain_markdown(md.read_text())
    assert "Why the API cost moved" in text and "plan adoption (models, batch, prompt cache) | -$10.50" in text
    assert "Was the plan carried out?" in html.read_text()
    assert "Routing and batch per traffic class" in text
    assert "Why the API cost moved" in res.output
