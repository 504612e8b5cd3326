"""Capacity analyzer: QueryLog + Baseline + [capacity], [infrastructure] -> CapacityFindings.

Demand per time bin (an hour by default) from the timestamps -> workers needed in each bin
(`advisor.cost.infrastructure.workers_needed`: throughput x utilization ceiling, at least
`min_workers`) -> the number of reserved workers that minimizes cost over a look-back window,
when reserved workers cost (1 - discount) x the on-demand rate for every hour of the term and
on-demand workers are paid only in the bins they run. Cost is convex in the reserved count,
and the k-th reserved worker pays off exactly when at least (1 - discount) of the bins need k
or more workers, so the optimum is a quantile of the per-bin worker counts
(`optimal_reserved_workers`; tests check it against `brute_force_reserved_workers`).

Reservation advice is given only when the stability verdict (`stability.py`) is "stable";
otherwise the findings say when to rerun and why. The state-store and database tiers
(single node vs cluster, single database vs replicas) come from the peak demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.capacity.stability import Stability, StabilityRules, assess_stability, daily_counts
from advisor.core import schema as S
from advisor.core.config import settings
from advisor.core.errors import ConfigError
from advisor.cost.infrastructure import (
    HOURS_PER_MONTH,
    InfrastructureSettings,
    database_tier,
    state_store_tier,
    workers_needed,
)

LOOKBACK_CHOICES_DAYS = (7, 30, 60)  # what cloud reservation recommenders offer


@dataclass(frozen=True)
class CapacitySettings:
    """Section [capacity]. Worker throughput, price and utilization ceiling are in [infrastructure]."""

    lookback_days: int = 30
    reserved_discount: float = 0.4  # article: committed-use discounts of 30-60 %
    term_months: int = 12  # article: "reserving that capacity for a one-year term"
    resolution_minutes: int = 60  # demand bin; finer bins see shorter peaks
    min_days: int = 14
    max_weekly_change: float = 0.03
    min_step_change: float = 0.15
    max_daily_cv: float = 0.25
    alpha: float = 0.05

    def validate(self) -> None:
        if self.lookback_days not in LOOKBACK_CHOICES_DAYS:
            raise ConfigError.setting("capacity.lookback_days", "one of 7, 30 or 60", self.lookback_days)
        if not 0 < self.reserved_discount < 1:
            raise ConfigError.setting(
                "capacity.reserved_discount", "a fraction in (0, 1), e.g. 0.4", self.reserved_discount
            )
        if self.term_months < 1:
            raise ConfigError.setting("capacity.term_months", "an integer >= 1", self.term_months)
        if self.resolution_minutes < 1 or 60 % self.resolution_minutes:
            raise ConfigError.setting(
                "capacity.resolution_minutes", "a divisor of 60 (1, 5, 10, 15, 30 or 60)", self.resolution_minutes
            )
        if self.min_days < 7:
            raise ConfigError.setting("capacity.min_days", "an integer >= 7", self.min_days)
        for name in ("max_weekly_change", "min_step_change", "max_daily_cv", "alpha"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError.setting(f"capacity.{name}", "a fraction in (0, 1)", getattr(self, name))

    def rules(self) -> StabilityRules:
        return StabilityRules(
            min_days=self.min_days,
            max_weekly_change=self.max_weekly_change,
            min_step_change=self.min_step_change,
            max_daily_cv=self.max_daily_cv,
            alpha=self.alpha,
        )


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


def brute_force_reserved_workers(workers: np.ndarray, discount: float, rate_per_bin_usd: float = 1.0) -> int:
    """Every reserved count from 0 to the peak, priced; the cheapest (smallest on ties)."""
    top = int(np.max(workers)) if len(workers) else 0
    costs = [reservation_cost_usd(workers, r, discount, rate_per_bin_usd) for r in range(top + 1)]
    best = min(costs)
    return next(r for r, c in enumerate(costs) if c <= best * (1 + 1e-12) + 1e-12)


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


@dataclass(frozen=True)
class StoreTier:
    component: str  # "state store" | "database"
    tier: str
    cost_per_month_usd: float
    next_tier_at_calls_per_hour: float | None
    next_tier_cost_step_usd: float | None  # extra dollars a month once demand crosses the threshold
    headroom: float | None  # threshold / today's peak


@dataclass(frozen=True)
class CapacityFindings:
    name: str
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    stability: Stability
    reserved_workers: int | None  # None when the verdict is unstable: no reservation advised
    advice: str
    resolution_minutes: int
    demand_scale: float  # projection / observed volume (1 when the log's own span is used)
    peak_calls_per_hour: float
    static_fleet_workers: int
    static_fleet_cost_per_month_usd: float
    reserved_discount: float
    break_even_utilization: float
    term_months: int
    term_commitment_usd: float | None
    reservations: tuple[Reservation, ...]  # one per 7/30/60-day window the log covers (+ the whole log if shorter)
    chosen_lookback_days: int
    hourly_demand: tuple[dict[str, float], ...]  # by hour of day: calls_per_hour (mean), workers_needed (max)
    store_tiers: tuple[StoreTier, ...]
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    per_bin_workers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if not k.startswith("per_bin")}
        d["savings_interval_usd"] = list(self.savings_interval_usd)
        d["stability"] = self.stability.to_dict()
        d["reservations"] = [dict(r.__dict__) for r in self.reservations]
        d["hourly_demand"] = [dict(h) for h in self.hourly_demand]
        d["store_tiers"] = [dict(t.__dict__) for t in self.store_tiers]
        d["warnings"] = list(self.warnings)
        return d


def _bins(frame: pd.DataFrame, minutes: int, scale: float) -> pd.DataFrame:
    """Per bin over the whole span (empty bins included): calls and new conversations per hour."""
    ts = frame[S.TIMESTAMP]
    key = ts.dt.floor(f"{minutes}min")
    per_hour = 60.0 / minutes * scale
    calls = key.value_counts()
    index = pd.date_range(key.min(), key.max(), freq=f"{minutes}min")
    out = pd.DataFrame({"calls_per_hour": calls.reindex(index, fill_value=0).to_numpy() * per_hour}, index=index)
    if S.CONVERSATION_ID in frame.columns and frame[S.CONVERSATION_ID].notna().any():
        starts = key[~frame[S.CONVERSATION_ID].duplicated() & frame[S.CONVERSATION_ID].notna()]
        out["conversations_per_hour"] = starts.value_counts().reindex(index, fill_value=0).to_numpy() * per_hour
    else:
        out["conversations_per_hour"] = 0.0
    return out


def _store_tiers(peak: float, infra: InfrastructureSettings) -> tuple[StoreTier, ...]:
    out = []
    for component, fn, limit, upper in (
        (
            "state store",
            state_store_tier,
            infra.cache_single_max_calls_per_hour,
            infra.cache_cluster_cost_per_month_usd,
        ),
        (
            "database",
            database_tier,
            infra.database_single_max_calls_per_hour,
            infra.database_replicas_cost_per_month_usd,
        ),
    ):
        tier, cost = fn(peak, infra)
        single = peak <= limit
        out.append(
            StoreTier(
                component=component,
                tier=tier,
                cost_per_month_usd=cost,
                next_tier_at_calls_per_hour=limit if single else None,
                next_tier_cost_step_usd=upper - cost if single else None,
                headroom=limit / peak if single and peak > 0 else None,
            )
        )
    return tuple(out)


def _reservation(
    workers: np.ndarray, days: int, s: CapacitySettings, rate_per_bin: float, bins_per_month: float
) -> Reservation:
    r = optimal_reserved_workers(workers, s.reserved_discount)
    n = len(workers)
    to_month = bins_per_month / n
    on_demand = reservation_cost_usd(workers, 0, s.reserved_discount, rate_per_bin) * to_month
    mix = reservation_cost_usd(workers, r, s.reserved_discount, rate_per_bin) * to_month
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


@register("capacity")
def analyze_capacity(log: S.QueryLog, baseline, ctx: AnalysisContext) -> CapacityFindings:
    """Hourly demand, stability verdict, reserved vs on-demand sizing and store tiers."""
    s = settings(ctx.config, "capacity", CapacitySettings)
    infra = settings(ctx.config, "infrastructure", InfrastructureSettings)
    frame = log.frame
    warnings: list[str] = []
    # The verdict covers the look-back window (never fewer days than the verdict needs).
    days = daily_counts(frame[S.TIMESTAMP])
    stability = assess_stability(days[-max(s.lookback_days, s.min_days) :], s.rules())
    # The baseline may be projected to a stated volume: size workers for that volume.
    scale = float(baseline.monthly_factor) * log.span_days / 30.0
    bins = _bins(frame, s.resolution_minutes, scale)
    workers = np.array(
        [
            workers_needed(c, infra, v)
            for c, v in zip(bins["calls_per_hour"].to_numpy(), bins["conversations_per_hour"].to_numpy())
        ],
        dtype=np.int64,
    )
    bins_per_hour = 60 // s.resolution_minutes
    rate_per_bin = infra.worker_cost_per_month_usd / HOURS_PER_MONTH / bins_per_hour
    bins_per_month = HOURS_PER_MONTH * bins_per_hour

    reservations = []
    for days in LOOKBACK_CHOICES_DAYS:
        n = days * 24 * bins_per_hour
        if n <= len(workers):
            reservations.append(_reservation(workers[-n:], days, s, rate_per_bin, bins_per_month))
    chosen_days = s.lookback_days
    if not any(r.lookback_days == chosen_days for r in reservations):
        # A log shorter than the window: size on all of it rather than on a shorter standard window.
        per_day = 24 * bins_per_hour
        chosen_days = max(1, len(workers) // per_day)
        if not any(r.lookback_days == chosen_days for r in reservations):
            window = workers[-chosen_days * per_day :] if len(workers) >= per_day else workers
            reservations.append(_reservation(window, chosen_days, s, rate_per_bin, bins_per_month))
        warnings.append(
            f"The log covers {log.span_days:.1f} days, less than the {s.lookback_days}-day look-back "
            f"window; reserved sizing uses its last {chosen_days} full day(s)."
        )
    chosen = next(r for r in reservations if r.lookback_days == chosen_days)

    static_workers = int(baseline.infrastructure.workers)
    static_cost = float(baseline.infrastructure.worker_cost_per_month_usd)
    rate_month = infra.worker_cost_per_month_usd
    if stability.verdict == "stable":
        reserved = chosen.reserved_workers
        savings = static_cost - chosen.reserved_mix_cost_per_month_usd
        if savings < 0:
            warnings.append(
                f"At {s.resolution_minutes}-minute resolution the demand needs more worker-hours than the "
                f"baseline's static fleet of {static_workers} provides; no saving is claimed."
            )
            savings = 0.0
        interval = _interval(
            workers[-chosen.n_bins :],
            reserved,
            s,
            rate_per_bin,
            bins_per_month,
            static_cost,
            bins_per_hour,
            ctx.config.seed,
        )
        commitment = reserved * rate_month * (1 - s.reserved_discount) * s.term_months
        advice = (
            f"Reserve {reserved} worker(s) for {s.term_months} months at {s.reserved_discount:.0%} off and run "
            f"the rest on demand: they would be busy {chosen.reserved_utilization:.0%} of the time "
            f"(break-even {1 - s.reserved_discount:.0%}), over the last {chosen.lookback_days} days."
        )
    else:
        reserved, savings, interval, commitment = None, 0.0, (0.0, 0.0), None
        advice = f"No reservation yet: {stability.reason}"

    hod = pd.DataFrame({"hour": bins.index.hour, "calls": bins["calls_per_hour"].to_numpy(), "workers": workers})
    by_hour = hod.groupby("hour").agg(calls=("calls", "mean"), workers=("workers", "max"))
    hourly = tuple(
        {"hour": int(h), "calls_per_hour": float(r.calls), "workers_needed": float(r.workers)}
        for h, r in by_hour.iterrows()
    )
    peak = float(bins["calls_per_hour"].max()) if len(bins) else 0.0
    if log.n_calls and log.span_days < 1:
        warnings.append("The log spans less than a day, so the daily peak may be missing from the demand.")
    return CapacityFindings(
        name="capacity",
        monthly_savings_usd=float(savings),
        savings_interval_usd=interval,
        stability=stability,
        reserved_workers=reserved,
        advice=advice,
        resolution_minutes=s.resolution_minutes,
        demand_scale=scale,
        peak_calls_per_hour=peak,
        static_fleet_workers=static_workers,
        static_fleet_cost_per_month_usd=static_cost,
        reserved_discount=s.reserved_discount,
        break_even_utilization=1.0 - s.reserved_discount,
        term_months=s.term_months,
        term_commitment_usd=commitment,
        reservations=tuple(reservations),
        chosen_lookback_days=chosen_days,
        hourly_demand=hourly,
        store_tiers=_store_tiers(peak, infra),
        warnings=tuple(warnings),
        per_bin_workers=workers,
    )


def _interval(
    workers: np.ndarray,
    reserved: int,
    s: CapacitySettings,
    rate_per_bin: float,
    bins_per_month: float,
    static_cost: float,
    bins_per_hour: int,
    seed: int,
    n_boot: int = 1000,
) -> tuple[float, float]:
    """Savings interval from resampling whole days of the window at the chosen reserved count."""
    per_day = 24 * bins_per_hour
    n_days = len(workers) // per_day
    if n_days < 2:
        cost = (
            reservation_cost_usd(workers, reserved, s.reserved_discount, rate_per_bin) * bins_per_month / len(workers)
        )
        return static_cost - cost, static_cost - cost
    days = workers[-n_days * per_day :].reshape(n_days, per_day)
    day_cost = np.array([reservation_cost_usd(d, reserved, s.reserved_discount, rate_per_bin) for d in days])
    rng = np.random.default_rng(seed)
    boots = day_cost[rng.integers(0, n_days, size=(n_boot, n_days))].mean(axis=1) * bins_per_month / per_day
    low, high = np.quantile(static_cost - boots, [0.025, 0.975])
    return float(low), float(high)
