"""Workers needed per demand bin + prices -> reserved sizing: the cheapest reserved count, its
monthly cost against on-demand, and a savings interval.

    optimal_reserved_workers(workers, discount) -> int
    reservation(workers, days, discount, pricing) -> Reservation
    savings_interval(workers, reserved, discount, pricing, static_cost, seed=) -> (low, high) USD a month

Cost is convex in the reserved count, and the k-th reserved worker pays off exactly when at
least (1 - discount) of the bins need k or more workers, so the optimum is a quantile of the
per-bin worker counts (tests check it against a brute-force search over every count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BinPricing:
    """One worker's on-demand price per demand bin, and the bins in an hour and in a month."""

    rate_per_bin_usd: float
    bins_per_hour: int
    bins_per_month: float


def reservation_cost_usd(workers: np.ndarray, reserved: int, discount: float, rate_per_bin_usd: float) -> float:
    """Cost over the bins: `reserved` workers in every bin at the discount, the rest on demand."""
    over = np.maximum(np.asarray(workers) - reserved, 0)
    return float(reserved * len(workers) * (1.0 - discount) * rate_per_bin_usd + over.sum() * rate_per_bin_usd)


def optimal_reserved_workers(workers: np.ndarray, discount: float) -> int:
    """Smallest reserved count of minimum cost: the k-th worker is reserved while the bins needing
    k or more workers make up more than (1 - discount) of all bins."""
    w = np.sort(np.asarray(workers, dtype=np.int64))[::-1]
    if len(w) == 0:
        return 0
    # w[k-1] is the k-th largest; bins needing >= k workers number at least k. Compare counts
    # with the break-even count as integers where possible so ties do not flip on float noise.
    need = (1.0 - discount) * len(w)
    k = 0
    top = int(w[0])
    counts = np.bincount(w, minlength=top + 1)[::-1].cumsum()[::-1]  # counts[j] = bins needing >= j
    while k < top and counts[k + 1] > need + 1e-9:
        k += 1
    return k


@dataclass(frozen=True)
class Reservation:
    """Reserved sizing over one look-back window; costs per 30-day month."""

    lookback_days: int
    n_bins: int
    reserved_workers: int
    peak_workers: int
    mean_workers: float
    reserved_utilization: float  # busy share of the reserved workers' hours
    on_demand_cost_per_month_usd: float  # autoscaled, no reservation
    reserved_mix_cost_per_month_usd: float  # reserved + on-demand above it
    savings_vs_on_demand_per_month_usd: float


def reservation(workers: np.ndarray, days: int, discount: float, pricing: BinPricing) -> Reservation:
    """The cheapest reserved count over one look-back window of per-bin worker counts."""
    r = optimal_reserved_workers(workers, discount)
    n = len(workers)
    to_month = pricing.bins_per_month / n
    on_demand = reservation_cost_usd(workers, 0, discount, pricing.rate_per_bin_usd) * to_month
    mix = reservation_cost_usd(workers, r, discount, pricing.rate_per_bin_usd) * to_month
    return Reservation(
        lookback_days=days,
        n_bins=n,
        reserved_workers=r,
        peak_workers=int(workers.max()),
        mean_workers=float(workers.mean()),
        reserved_utilization=float(np.minimum(workers, r).sum() / (r * n)) if r else 0.0,
        on_demand_cost_per_month_usd=on_demand,
        reserved_mix_cost_per_month_usd=mix,
        savings_vs_on_demand_per_month_usd=on_demand - mix,
    )


def savings_interval(
    workers: np.ndarray,
    reserved: int,
    discount: float,
    pricing: BinPricing,
    static_cost: float,
    *,
    seed: int,
    n_boot: int = 1000,
) -> tuple[float, float]:
    """Savings against the static fleet's `static_cost` a month, from resampling whole days of the
    window at the chosen reserved count."""
    rate, bins_per_month = pricing.rate_per_bin_usd, pricing.bins_per_month
    per_day = 24 * pricing.bins_per_hour
    n_days = len(workers) // per_day
    if n_days < 2:
        cost = reservation_cost_usd(workers, reserved, discount, rate) * bins_per_month / len(workers)
        return static_cost - cost, static_cost - cost
    days = workers[-n_days * per_day :].reshape(n_days, per_day)
    day_cost = np.array([reservation_cost_usd(d, reserved, discount, rate) for d in days])
    rng = np.random.default_rng(seed)
    boots = day_cost[rng.integers(0, n_days, size=(n_boot, n_days))].mean(axis=1) * bins_per_month / per_day
    low, high = np.quantile(static_cost - boots, [0.025, 0.975])
    return float(low), float(high)
