"""Price values: what one model costs at one provider, its long-context tiers, per-call costs.

Plain frozen dataclasses shared by the genai-prices lookup (advisor/prices/genai.py) and the
catalog (advisor/prices/catalog.py). All prices are USD per million tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BATCH_DISCOUNT_DEFAULT = 0.5  # "Batch APIs typically offer 50% cost reductions" (seed article)


@dataclass(frozen=True)
class PriceTier:
    """Rates that replace the base rates for a call whose input exceeds `above_input_tokens`.

    genai-prices tiers are "cliff" tiers: crossing the threshold reprices all the call's tokens.
    """

    above_input_tokens: int
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    cached_input_per_mtok_usd: float
    batch_input_per_mtok_usd: float
    batch_output_per_mtok_usd: float


@dataclass(frozen=True)
class DayPeriod:
    """Rates from `start_second` (seconds after midnight UTC) until the next period starts.

    For providers that price by time of day (DeepSeek's off-peak discount); batch rates
    scale with the input and output rates.
    """

    start_second: int
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    cached_input_per_mtok_usd: float


@dataclass(frozen=True)
class ModelPrice:
    """Prices of one model at one provider, USD per million tokens."""

    model: str
    provider: str
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    cached_input_per_mtok_usd: float
    batch_input_per_mtok_usd: float
    batch_output_per_mtok_usd: float
    batch_price_source: str  # "catalog" | "override" | "default 50 %"
    source: str  # e.g. "genai-prices 0.2.3", "config [prices]", "overrides.toml"
    tiers: tuple[PriceTier, ...] = ()
    # Rates by UTC time of day, when the provider has them; the base rates above are those
    # of the longest period (the standard price). Calls priced with their time use these.
    day_periods: tuple[DayPeriod, ...] = ()

    @property
    def blended_per_mtok_usd(self) -> float:
        """A single figure for ranking models: input and output weighted 3:1 (a common mix)."""
        return (3 * self.input_per_mtok_usd + self.output_per_mtok_usd) / 4

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: getattr(self, k)
            for k in (
                "model",
                "provider",
                "input_per_mtok_usd",
                "output_per_mtok_usd",
                "cached_input_per_mtok_usd",
                "batch_input_per_mtok_usd",
                "batch_output_per_mtok_usd",
                "batch_price_source",
                "source",
            )
        }
        d["tiers"] = [t.__dict__.copy() for t in self.tiers]
        d["day_periods"] = [p.__dict__.copy() for p in self.day_periods]
        return d


@dataclass(frozen=True)
class CallCosts:
    """Per-call cost arrays in USD. `input_usd` covers all input tokens, cached ones included;
    `cached_input_usd` is the part of it billed at the cached rate."""

    input_usd: np.ndarray
    cached_input_usd: np.ndarray
    output_usd: np.ndarray

    @property
    def total_usd(self) -> np.ndarray:
        return self.input_usd + self.output_usd


def price_rates(p: ModelPrice | PriceTier) -> tuple[float, float, float, float, float]:
    """(input, output, cached input, batch input, batch output) rates, the catalog's array order."""
    return (
        p.input_per_mtok_usd,
        p.output_per_mtok_usd,
        p.cached_input_per_mtok_usd,
        p.batch_input_per_mtok_usd,
        p.batch_output_per_mtok_usd,
    )
