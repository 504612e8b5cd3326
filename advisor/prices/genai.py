"""List prices from the installed `genai-prices` package (never the network) -> ModelPrice.

    price_from_genai(model, provider_id, as_of, source) -> ModelPrice | None
    data_date(version) -> when the installed genai-prices release was published

Lookups always pass the provider id when one is known; without it genai-prices infers the
provider from the model name.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from advisor.prices.time_of_day import day_periods, standard_instant
from advisor.prices.types import BATCH_DISCOUNT_DEFAULT, ModelPrice, PriceTier


def snapshot():
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def genai_version() -> str:
    from importlib.metadata import version

    return version("genai-prices")


# Release month of each genai-prices version, from the package registry's release listing.
# The package ships no date of its own; a provider's note ("checked on ...") dates that
# note, not the data, so the release is what "prices as of" can honestly name. Add a line
# when a newer genai-prices is installed (tests/prices check the installed one is listed).
RELEASES = {"0.2.3": "2026-11"}


def data_date(version: str) -> str:
    """When the installed price data was published: "<month> (genai-prices <version> release)"."""
    month = RELEASES.get(version)
    if month is None:
        return f"genai-prices {version} (release date not recorded in advisor)"
    return f"{month} (genai-prices {version} release)"


def _rate(value: Any) -> float | None:
    """A genai-prices price (Decimal or TieredPrices) as the base float rate."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value.base)


def _tier_rate(value: Any, above: int) -> float | None:
    """The rate of a (possibly tiered) price for a call with more than `above` input tokens."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    rate = value.base
    for tier in value.tiers:
        if above >= tier.start:
            rate = tier.price
    return float(rate)


def price_from_genai(model_ref: str, provider_id: str | None, as_of: datetime, source: str) -> ModelPrice | None:
    snap = snapshot()
    try:
        provider, info = snap.find_provider_model(model_ref, None, provider_id, None)
    except LookupError:
        return None
    periods = day_periods(info, as_of.date())
    if periods:  # base rates: the standard price, not whichever applies at midnight UTC
        as_of = standard_instant(periods, as_of.date())
    std = info.get_prices(as_of)
    batch = info.get_prices(as_of, {"processing": "batch"})
    has_batch = any(
        v.when.get("processing") == "batch" and (v.constraint is None or v.constraint.active(as_of))
        for v in (info.price_variants or ())
    )
    inp, out = _rate(std.input_mtok), _rate(std.output_mtok)
    if inp is None or out is None:
        return None  # priced per request/second only: not a token model advisor can cost
    starts = sorted(
        {
            t.start
            for key in ("input_mtok", "output_mtok", "cache_read_mtok")
            if (v := getattr(std, key)) is not None and not isinstance(v, Decimal)
            for t in v.tiers
        }
    )

    def rates(above: int | None) -> tuple[float, float, float, float, float]:
        def pick(value: Any, default: float) -> float:
            rate = _rate(value) if above is None else _tier_rate(value, above)
            return default if rate is None else rate

        i, o = pick(std.input_mtok, inp), pick(std.output_mtok, out)  # both known (checked above)
        # No cache-read price: cached tokens are billed as ordinary input.
        cached = pick(std.cache_read_mtok, i)
        bi, bo = i * BATCH_DISCOUNT_DEFAULT, o * BATCH_DISCOUNT_DEFAULT
        if has_batch:
            bi, bo = pick(batch.input_mtok, bi), pick(batch.output_mtok, bo)
        return i, o, cached, bi, bo

    i, o, c, bi, bo = rates(None)
    tiers = tuple(PriceTier(s, *rates(s)) for s in starts)
    return ModelPrice(
        model=model_ref,
        provider=provider.id,
        input_per_mtok_usd=i,
        output_per_mtok_usd=o,
        cached_input_per_mtok_usd=c,
        batch_input_per_mtok_usd=bi,
        batch_output_per_mtok_usd=bo,
        batch_price_source="catalog" if has_batch else "default 50 %",
        source=source,
        tiers=tiers,
        day_periods=periods,
    )
