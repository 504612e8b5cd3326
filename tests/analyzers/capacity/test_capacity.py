"""Capacity analyzer: reserved sizing equals brute force, stability gates advice, tiers, real Azure arrivals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from capacity_helpers import brute_force_reserved_workers
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from advisor.analyzers import AnalysisContext
from advisor.analyzers.capacity.analyzer import CapacitySettings, analyze_capacity
from advisor.analyzers.capacity.reservation import optimal_reserved_workers, reservation_cost_usd
from advisor.core import schema as S
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError
from advisor.core.paths import data_dir
from advisor.cost.baseline import compute_baseline
from advisor.prices.catalog import load_prices


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=200), st.floats(0.05, 0.95))
def test_optimal_reserved_count_equals_brute_force_search(workers, discount):
    w = np.array(workers)
    best = optimal_reserved_workers(w, discount)
    assert best == brute_force_reserved_workers(w, discount)
    assert (
        reservation_cost_usd(w, best, discount, 1.0)
        <= min(reservation_cost_usd(w, r, discount, 1.0) for r in range(w.max() + 1)) + 1e-9
    )


def test_reserved_count_is_the_break_even_quantile_by_hand():
    # 10 bins: 4 need 2 workers, 3 need 5, 3 need 9. At discount d the k-th reserved worker pays
    # when more than (1 - d) x 10 bins need k or more workers.
    w = np.array([2] * 4 + [5] * 3 + [9] * 3)
    assert optimal_reserved_workers(w, 0.45) == 5  # 6 bins need 3..5 workers, 6 > 5.5; 3 bins need 6+, 3 < 5.5
    assert optimal_reserved_workers(w, 0.4) == 2  # 6 > 6 is false: workers 3..5 break even, keep the smallest
    assert reservation_cost_usd(w, 2, 0.4, 1.0) == pytest.approx(reservation_cost_usd(w, 5, 0.4, 1.0))
    assert optimal_reserved_workers(w, 0.75) == 9  # 3 bins need 9 workers, 3 > 2.5


def _log(daily: list[int], *, seed: int = 0, conv_turns: int = 1):
    """Calls spread over each day following a day-night shape, `daily[d]` calls on day d."""
    rng = np.random.default_rng(seed)
    shape = np.r_[np.full(7, 0.2), np.full(12, 1.5), np.full(5, 0.5)]
    stamps = []
    for d, n in enumerate(daily):
        hours = rng.choice(24, size=n, p=shape / shape.sum())
        stamps.append(
            pd.Timestamp("2026-10-05", tz="UTC")
            + pd.to_timedelta(d * 86400 + hours * 3600 + rng.random(n) * 3600, unit="s")
        )
    ts = (
        pd.DatetimeIndex(np.sort(np.concatenate([s.to_numpy() for s in stamps]))).tz_localize("UTC")
        if stamps[0].tz is None
        else pd.DatetimeIndex(np.sort(pd.concat([pd.Series(s) for s in stamps]).to_numpy()))
    )
    n = len(ts)
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: pd.to_datetime(ts, utc=True),
            S.MODEL: "gpt-4o-mini",
            S.PROVIDER: "openai",
            S.INPUT_TOKENS: np.full(n, 500, dtype=np.int64),
            S.OUTPUT_TOKENS: np.full(n, 100, dtype=np.int64),
            S.CONVERSATION_ID: [f"c{i // conv_turns}" for i in range(n)],
        }
    )
    return S.QueryLog(frame=frame, sources=("t.csv",))


def _run(log, **sections):
    config = Config(sections={"prices": {"as_of": "2026-10-01"}, **sections})
    prices = load_prices(config)
    return analyze_capacity(log, compute_baseline(log, prices, config), AnalysisContext(config=config, prices=prices))


SMALL_WORKERS = {"worker_calls_per_hour": 50.0, "worker_conversations_per_hour": 100.0, "min_workers": 1}


def test_stable_traffic_gets_a_reservation_equal_to_brute_force_on_the_same_demand():
    f = _run(_log([3000] * 35), infrastructure=SMALL_WORKERS)
    assert f.stability.verdict == "stable"
    chosen = next(r for r in f.reservations if r.lookback_days == 30)
    window = f.per_bin_workers[-chosen.n_bins :]
    assert f.reserved_workers == brute_force_reserved_workers(window, 0.4) == chosen.reserved_workers
    assert [r.lookback_days for r in f.reservations] == [7, 30]  # a 35-day log covers both
    assert f.reserved_workers > 1
    # The plan (reserve + on-demand above) is cheaper than the static peak fleet the baseline pays for.
    assert f.monthly_savings_usd == pytest.approx(
        f.static_fleet_cost_per_month_usd - chosen.reserved_mix_cost_per_month_usd
    )
    assert f.savings_interval_usd[0] <= f.monthly_savings_usd <= f.savings_interval_usd[1]
    assert f.break_even_utilization == pytest.approx(0.6)
    assert chosen.reserved_utilization >= 0.6
    d = f.to_dict()
    json.dumps(d)
    assert d["stability"]["verdict"] == "stable" and d["stability"]["reason"]
    assert len(d["hourly_demand"]) == 24 and "per_bin_workers" not in d


def test_step_change_traffic_gets_wait_advice_instead_of_a_reservation():
    f = _run(_log([2000] * 16 + [3600] * 12), infrastructure=SMALL_WORKERS)
    assert f.stability.verdict == "unstable"
    # 12 days at the new level; 14 are wanted.
    assert "shifted by +80% around 2026-10-21 (p < 0.001, calibrated over every split day)" in f.stability.reason
    assert "rerun in 2 days" in f.stability.reason and f.stability.wait_days == 2
    assert f.reserved_workers is None and f.monthly_savings_usd == 0.0
    assert f.advice.startswith("No reservation yet")


def test_growing_traffic_is_unstable_with_a_weekly_trend_reason():
    daily = [int(2000 * 1.10 ** (d / 7)) for d in range(28)]
    f = _run(_log(daily), infrastructure=SMALL_WORKERS)
    assert f.stability.verdict == "unstable"
    assert "trending beyond 4% per week: trend +" in f.stability.reason and "per week" in f.stability.reason
    assert f.stability.weekly_change == pytest.approx(0.10, abs=0.02)


def test_short_log_is_undetermined_and_says_how_long_to_wait():
    f = _run(_log([500] * 5), infrastructure=SMALL_WORKERS)
    assert f.stability.verdict == "undetermined"
    assert f.stability.reason.startswith("not enough days to tell")
    assert "rerun in 9 days" in f.stability.reason.lower()
    assert any("less than the 30-day look-back" in w for w in f.warnings)


def test_store_tiers_report_the_cost_step_to_the_next_tier():
    f = _run(_log([3000] * 15), infrastructure={**SMALL_WORKERS, "cache_single_max_calls_per_hour": 100.0})
    tiers = {t.component: t for t in f.store_tiers}
    assert tiers["state store"].tier == "cluster" and tiers["state store"].next_tier_cost_step_usd is None
    db = tiers["database"]
    assert db.tier == "single" and db.next_tier_cost_step_usd == pytest.approx(3000.0 - 500.0)
    assert db.headroom == pytest.approx(50_000.0 / f.peak_calls_per_hour)


def test_projected_volume_scales_the_demand():
    log = _log([1000] * 15)
    f1 = _run(log)
    f2 = _run(log, projection={"calls_per_day": 10_000.0})
    assert f2.demand_scale == pytest.approx(10 * f1.demand_scale, rel=0.05)
    assert f2.peak_calls_per_hour == pytest.approx(f2.demand_scale / f1.demand_scale * f1.peak_calls_per_hour)


def test_real_azure_arrivals_per_minute_size_workers_for_the_burstiest_minute():
    """Azure LLM inference trace (CC BY 4.0): 20 minutes of real conversation-request arrivals."""
    raw = pd.read_csv(data_dir() / "azure-llm-trace" / "AzureLLMInferenceTrace_conv_first20min.csv")
    ts = pd.to_datetime(raw["TIMESTAMP"]).dt.tz_localize("UTC")
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: ts.sort_values().reset_index(drop=True),
            S.MODEL: "gpt-4o-mini",
            S.PROVIDER: "openai",
            S.INPUT_TOKENS: raw["ContextTokens"].to_numpy(np.int64),
            S.OUTPUT_TOKENS: raw["GeneratedTokens"].to_numpy(np.int64),
        }
    )
    log = S.QueryLog(frame=frame, sources=("azure.csv",))
    infra = {"worker_calls_per_hour": 1200.0, "min_workers": 1}
    f = _run(log, infrastructure=infra, capacity={"resolution_minutes": 1})
    per_minute = frame[S.TIMESTAMP].dt.floor("min").value_counts()
    assert f.peak_calls_per_hour == pytest.approx(per_minute.max() * 60)
    # Each minute's workers: calls per hour / (1200 x 0.7), rounded up.
    expected = np.ceil(per_minute.sort_index().to_numpy() * 60 / (1200 * 0.7) - 1e-9)
    assert f.per_bin_workers.tolist() == expected.astype(int).tolist()
    assert f.stability.verdict != "stable" and f.reserved_workers is None
    hourly = _run(log, infrastructure=infra)
    # An hourly bin averages the bursts away: fewer workers than the busiest minute needs.
    assert hourly.per_bin_workers.max() < f.per_bin_workers.max()


@pytest.mark.parametrize(
    "raw, text",
    [
        ({"lookback_days": 14}, "The 'capacity.lookback_days' setting must be one of 7, 30 or 60. Got 14 instead."),
        (
            {"reserved_discount": 1.2},
            "The 'capacity.reserved_discount' setting must be a fraction in (0, 1), e.g. 0.4.",
        ),
        ({"resolution_minutes": 7}, "The 'capacity.resolution_minutes' setting must be a divisor of 60"),
        ({"min_days": 3}, "The 'capacity.min_days' setting must be an integer >= 7. Got 3 instead."),
    ],
)
def test_bad_capacity_settings_are_config_errors(raw, text):
    with pytest.raises(ConfigError) as exc:
        settings(Config(sections={"capacity": raw}), "capacity", CapacitySettings)
    assert text in str(exc.value)


def test_bad_capacity_setting_in_a_config_file_exits_2_with_the_message(tmp_path):
    import click
    from click.testing import CliRunner

    from advisor.cli.main import AdvisorGroup
    from advisor.core.config import load_config

    path = tmp_path / "c.toml"
    path.write_text("[capacity]\nlookback_days = 90\n")

    @click.group(cls=AdvisorGroup)
    def group():
        pass

    @group.command()
    def check():
        settings(load_config(path), "capacity", CapacitySettings)

    result = CliRunner().invoke(group, ["check"])
    assert result.exit_code == 2
    assert "The 'capacity.lookback_days' setting must be one of 7, 30 or 60. Got 90 instead." in result.output


def test_log_shorter_than_the_look_back_window_is_sized_on_all_its_full_days():
    f = _run(_log([3000] * 20), infrastructure=SMALL_WORKERS)
    assert [r.lookback_days for r in f.reservations] == [7, 20]
    assert f.chosen_lookback_days == 20
    assert any("uses its last 20 full day(s)" in w for w in f.warnings)


def test_generated_step_change_traffic_gets_no_reservation():
    from advisor.lab.synthetic import generate_log

    log = S.QueryLog(frame=generate_log(8000, seed=5, days=28, traffic="step").frame, sources=("gen",))
    f = _run(log)
    assert f.stability.verdict == "unstable" and f.reserved_workers is None
    assert "shifted by +" in f.stability.reason
