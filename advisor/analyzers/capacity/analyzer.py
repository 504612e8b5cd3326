"""Capacity analyzer: QueryLog + Baseline + [capacity], [infrastructure] -> CapacityFindings.

Demand per time bin (an hour by default) from the timestamps -> workers needed in each bin
(`advisor.cost.infrastructure.workers_needed`: throughput x utilization ceiling, at least
`min_workers`) -> the number of reserved workers that minimizes cost over a look-back window,
when reserved workers cost (1 - discount) x the on-demand rate for every hour of the term and
on-demand workers are paid only in the bins they run (reservation.py: the optimum is a
quantile of the per-bin worker counts).

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
from advisor.analyzers.capacity.reservation import BinPricing, Reservation, reservation, savings_interval
from advisor.analyzers.capacity.stability import Stability, StabilityRules, assess_stability, daily_counts
from advisor.core import schema as S
from advisor.core.config import settings
from advisor.core.errors import ConfigError
from advisor.cost.baseline import Baseline
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
    max_weekly_change: float = 0.04
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

    @property
    def window_workers(self) -> np.ndarray:
        """Workers needed in each bin of the chosen look-back window: the demand the reservation is
        sized on, and the one the optimizer sizes its reserved workers on (one model, one answer)."""
        chosen = next((r for r in self.reservations if r.lookback_days == self.chosen_lookback_days), None)
        return self.per_bin_workers[-chosen.n_bins :] if chosen is not None else self.per_bin_workers[:0]

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


@register("capacity")
def analyze_capacity(log: S.QueryLog, baseline: Baseline, ctx: AnalysisContext) -> CapacityFindings:
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
    pricing = BinPricing(
        rate_per_bin_usd=infra.worker_cost_per_month_usd / HOURS_PER_MONTH / bins_per_hour,
        bins_per_hour=bins_per_hour,
        bins_per_month=HOURS_PER_MONTH * bins_per_hour,
    )
    reservations, chosen_days = _reservations(workers, s, pricing)
    if chosen_days != s.lookback_days:  # the log holds fewer full days than the window
        warnings.append(
            f"The log covers {log.span_days:.1f} days, less than the {s.lookback_days}-day look-back "
            f"window; reserved sizing uses its last {chosen_days} full day(s)."
        )
    chosen = next(r for r in reservations if r.lookback_days == chosen_days)
    static_workers = int(baseline.infrastructure.workers)
    static_cost = float(baseline.infrastructure.worker_cost_per_month_usd)
    reserved: int | None = None
    savings, interval, commitment = 0.0, (0.0, 0.0), None
    advice = f"No reservation yet: {stability.reason}"
    if stability.verdict == "stable":
        reserved = chosen.reserved_workers
        savings = static_cost - chosen.reserved_mix_cost_per_month_usd
        if savings < 0:
            warnings.append(
                f"At {s.resolution_minutes}-minute resolution the demand needs more worker-hours than the "
                f"baseline's static fleet of {static_workers} provides; no saving is claimed."
            )
            savings = 0.0
        window = workers[-chosen.n_bins :]
        interval = savings_interval(window, reserved, s.reserved_discount, pricing, static_cost, seed=ctx.config.seed)
        commitment = reserved * infra.worker_cost_per_month_usd * (1 - s.reserved_discount) * s.term_months
        advice = (
            f"Reserve {reserved} worker(s) for {s.term_months} months at {s.reserved_discount:.0%} off and run "
            f"the rest on demand: they would be busy {chosen.reserved_utilization:.0%} of the time "
            f"(break-even {1 - s.reserved_discount:.0%}), over the last {chosen.lookback_days} days."
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
        hourly_demand=_hourly_demand(bins, workers),
        store_tiers=_store_tiers(peak, infra),
        warnings=tuple(warnings),
        per_bin_workers=workers,
    )


def _reservations(workers: np.ndarray, s: CapacitySettings, pricing: BinPricing) -> tuple[list[Reservation], int]:
    """Sizing over each standard look-back window the log covers, and the window chosen: the
    configured one, or when the log is shorter, all of its full days (sized too if not a standard one)."""
    per_day = 24 * pricing.bins_per_hour
    reservations = []
    for days in LOOKBACK_CHOICES_DAYS:
        n = days * per_day
        if n <= len(workers):
            reservations.append(reservation(workers[-n:], days, s.reserved_discount, pricing))
    chosen_days = s.lookback_days
    if not any(r.lookback_days == chosen_days for r in reservations):
        # A log shorter than the window: size on all of it rather than on a shorter standard window.
        chosen_days = max(1, len(workers) // per_day)
        if not any(r.lookback_days == chosen_days for r in reservations):
            window = workers[-chosen_days * per_day :] if len(workers) >= per_day else workers
            reservations.append(reservation(window, chosen_days, s.reserved_discount, pricing))
    return reservations, chosen_days


def _hourly_demand(bins: pd.DataFrame, workers: np.ndarray) -> tuple[dict[str, float], ...]:
    """By hour of day: mean calls per hour and the most workers any bin of that hour needed."""
    hours = pd.DatetimeIndex(bins.index).hour
    hod = pd.DataFrame({"hour": hours, "calls": bins["calls_per_hour"].to_numpy(), "workers": workers})
    by_hour = hod.groupby("hour").agg(calls=("calls", "mean"), workers=("workers", "max"))
    return tuple(
        {"hour": int(h), "calls_per_hour": float(c), "workers_needed": float(w)}
        for h, c, w in zip(by_hour.index.to_numpy(), by_hour["calls"].to_numpy(), by_hour["workers"].to_numpy())
    )
