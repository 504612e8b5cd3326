"""One source of truth for capacity (issue #23): the plan sizes reserved workers on the capacity
analyzer's own per-bin demand, price and discount, so capacity alone in the plan saves what the
analyzer says, to the cent, and reserves the same number of workers."""

from __future__ import annotations

import dataclasses

import pytest
from capacity_helpers import write_daily_log

from advisor.analyzers.levers import LeverFindings
from advisor.core.config import Config
from advisor.cost.baseline import compute_baseline
from advisor.embed import FakeEmbedder
from advisor.ingest.load import load_log
from advisor.optimizer.prepare import prepare_inputs
from advisor.pipeline import run_analysis
from advisor.prices.catalog import load_prices

# Small workers, so that 3,000 calls a day need a few of them and the peak hours need more.
SMALL_WORKERS = {"worker_calls_per_hour": 50.0, "worker_conversations_per_hour": 100.0, "min_workers": 1}
CONFIG = Config(sections={"prices": {"as_of": "2026-10-01"}, "infrastructure": SMALL_WORKERS})


@pytest.fixture(scope="module")
def stable(tmp_path_factory):
    path = tmp_path_factory.mktemp("capacity") / "steady.csv"
    write_daily_log(path, [3000] * 35)
    return path, run_analysis([path], CONFIG, embedder=FakeEmbedder(), analyzers=("capacity",))


def test_capacity_alone_in_the_plan_saves_what_the_analyzer_says_to_the_cent(stable):
    _, result = stable
    found = result.findings["capacity"]
    assert found.stability.verdict == "stable" and found.monthly_savings_usd > 1.0  # the lever is live
    part = next(a for a in result.plan.lever_attribution if a.lever == "capacity")
    assert part.alone_monthly_savings_usd == pytest.approx(found.monthly_savings_usd, abs=0.005)
    assert result.plan.reserved_workers == found.reserved_workers
    chosen = next(r for r in found.reservations if r.lookback_days == found.chosen_lookback_days)
    assert result.plan.worker_cost_per_month_usd == pytest.approx(chosen.reserved_mix_cost_per_month_usd, abs=0.005)
    table = {r.lever: r.monthly_savings_usd for r in result.recommendations}
    assert table["capacity"] == pytest.approx(found.monthly_savings_usd, abs=0.005)


def test_a_reservation_the_analyzer_does_not_claim_is_not_in_the_plan(stable):
    path, result = stable
    found = dataclasses.replace(result.findings["capacity"], monthly_savings_usd=0.0)
    log = load_log([path])
    prices = load_prices(CONFIG)
    inputs = prepare_inputs(
        log, compute_baseline(log, prices, CONFIG), LeverFindings(capacity=found), config=CONFIG, prices=prices
    )
    assert "capacity" not in inputs.levers
