"""Prices by time of day: each call at the rate of its own UTC time (DeepSeek off-peak)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from genai_prices import Usage, calc_price

from advisor.core.config import Config
from advisor.prices.catalog import load_prices

TIMES = [
    "2026-11-02T00:10:00Z",
    "2026-11-02T00:40:00Z",
    "2026-11-02T10:00:00Z",
    "2026-11-02T16:29:59Z",
    "2026-11-02T17:00:00Z",
]


@pytest.fixture(scope="module")
def catalog():
    return load_prices(Config())


def test_deepseek_calls_are_priced_at_their_own_time_as_genai_prices_does(catalog):
    at = pd.Series(pd.to_datetime(TIMES, utc=True))
    got = catalog.call_costs(["deepseek-chat"] * 5, "deepseek", [2e6] * 5, [1e6] * 5, [5e5] * 5, at=at).total_usd
    want = [
        float(
            calc_price(
                Usage(input_tokens=2_000_000, cache_read_tokens=500_000, output_tokens=1_000_000),
                "deepseek-chat",
                provider_id="deepseek",
                genai_request_timestamp=datetime.fromisoformat(t),
            ).total_price
        )
        for t in TIMES
    ]
    assert got.tolist() == pytest.approx(want, rel=1e-12)  # same data, same arithmetic
    assert want[2] > want[0]  # the fixture spans both prices, so the test can fail


def test_without_times_the_standard_price_applies_not_the_midnight_one(catalog):
    mp = catalog.price("deepseek-chat", "deepseek")
    noon = calc_price(
        Usage(input_tokens=1_000_000, output_tokens=0),
        "deepseek-chat",
        provider_id="deepseek",
        genai_request_timestamp=datetime(2026, 11, 2, 12, tzinfo=UTC),
    ).total_price
    assert mp.input_per_mtok_usd == pytest.approx(float(noon))
    assert len(mp.day_periods) >= 2


def test_models_without_time_of_day_prices_have_no_periods(catalog):
    assert catalog.price("gpt-4o", "openai").day_periods == ()
