"""Infrastructure and operations cost: Demand + settings -> InfrastructureCost / OperationsCost.

Defaults come from the ranges in the seed cost article (../shared/seed/000_5c73549363512f85.txt);
where the article gives a range the default is its midpoint, and where it gives no figure the
default is marked "assumption" in docs/configuration.md. Every number is a setting of the
`[infrastructure]` or `[operations]` config section.

The capacity analyzer reuses `workers_needed`, `worker_cost_per_month_usd`, `state_store_tier`
and `database_tier` so that baseline and capacity plan size things the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from advisor.core.errors import ConfigError

HOURS_PER_MONTH = 24 * 30  # advisor's month is 30 days throughout


def _positive(name: str, value: float, *, allow_zero: bool = False, allow_inf: bool = False) -> None:
    # TOML can spell nan and inf; neither is a cost or a rate (inf is allowed only where it means
    # "no limit", e.g. a tier that never switches).
    ok = value >= 0 if allow_zero else value > 0
    if not ok or value != value or (value == math.inf and not allow_inf):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError.setting(name, f"a number {bound}" if allow_inf else f"a finite number {bound}", value)


def _fraction(name: str, value: float) -> None:
    if not 0 < value <= 1:
        raise ConfigError.setting(name, "a fraction in (0, 1]", value)


@dataclass(frozen=True)
class InfrastructureSettings:
    """Section [infrastructure]. Dollar figures per 30-day month."""

    # false: only hosted APIs are used, so there are no workers to pay for or reserve.
    self_hosted: bool = True
    # Compute: "a typical agent worker instance (4 vCPUs, 8GB RAM) costs 100-200 dollars per month".
    worker_vcpus: int = 4
    worker_memory_gb: float = 8.0
    worker_cost_per_month_usd: float = 150.0
    # Assumption (the article gives none): one 4 vCPU worker orchestrating I/O-bound LLM calls.
    worker_calls_per_hour: float = 1200.0
    worker_conversations_per_hour: float = 200.0
    # Size workers so the busiest hour runs at most this busy.
    utilization_ceiling: float = 0.7
    min_workers: int = 2  # redundancy: one worker can fail
    # Peak-hour calls / mean-hour calls, used when there is no log to measure it (scenarios).
    peak_to_mean_ratio: float = 2.0
    # State: "single Redis 100-500 $/month; Redis Cluster 500-2,000 $/month".
    cache_single_cost_per_month_usd: float = 300.0
    cache_cluster_cost_per_month_usd: float = 1250.0
    cache_single_max_calls_per_hour: float = 100_000.0  # assumption: switch to a cluster above this
    # "single database 200-800 $/month; cluster with read replicas 1,000-5,000 $/month".
    database_single_cost_per_month_usd: float = 500.0
    database_replicas_cost_per_month_usd: float = 3000.0
    database_single_max_calls_per_hour: float = 50_000.0  # assumption
    # Networking: "100-500 dollars per month" for "thousands of API calls per hour", growing with traffic.
    networking_min_cost_per_month_usd: float = 100.0
    networking_cost_per_million_calls_usd: float = 100.0
    # Storage (logs, conversation archives, cached data). Assumptions: ~10 KB per call kept a year.
    storage_gb_per_million_calls: float = 10.0
    storage_retention_months: float = 12.0
    storage_cost_per_gb_month_usd: float = 0.10

    def validate(self) -> None:
        for name in (
            "worker_cost_per_month_usd",
            "worker_calls_per_hour",
            "worker_conversations_per_hour",
            "peak_to_mean_ratio",
            "worker_memory_gb",
        ):
            _positive(f"infrastructure.{name}", getattr(self, name))
        for name in ("cache_single_max_calls_per_hour", "database_single_max_calls_per_hour"):
            _positive(f"infrastructure.{name}", getattr(self, name), allow_zero=True, allow_inf=True)
        for name in (
            "cache_single_cost_per_month_usd",
            "cache_cluster_cost_per_month_usd",
            "database_single_cost_per_month_usd",
            "database_replicas_cost_per_month_usd",
            "networking_min_cost_per_month_usd",
            "networking_cost_per_million_calls_usd",
            "storage_gb_per_million_calls",
            "storage_retention_months",
            "storage_cost_per_gb_month_usd",
        ):
            _positive(f"infrastructure.{name}", getattr(self, name), allow_zero=True)
        _fraction("infrastructure.utilization_ceiling", self.utilization_ceiling)
        if self.min_workers < 0:
            raise ConfigError.setting("infrastructure.min_workers", "an integer >= 0", self.min_workers)
        if self.worker_vcpus < 1:
            raise ConfigError.setting("infrastructure.worker_vcpus", "an integer >= 1", self.worker_vcpus)
        if self.peak_to_mean_ratio < 1:
            raise ConfigError.setting("infrastructure.peak_to_mean_ratio", "a number >= 1", self.peak_to_mean_ratio)


@dataclass(frozen=True)
class OperationsSettings:
    """Section [operations]. Dollar figures per 30-day month."""

    # Observability "charges based on data volume"; 500-2,000 $/month "for thousands of daily
    # requests". Assumptions: a platform floor plus ~50 KB of logs/metrics/traces per call.
    observability_min_cost_per_month_usd: float = 450.0
    observability_gb_per_million_calls: float = 50.0
    observability_cost_per_gb_usd: float = 10.0
    # On-call: "5-15% of an engineer time dedicated to operations". Engineer cost: assumption.
    on_call_engineer_share: float = 0.10
    engineer_cost_per_year_usd: float = 180_000.0
    incident_tooling_cost_per_month_usd: float = 100.0  # assumption (PagerDuty/Opsgenie seats)
    # "a fixed operational overhead": secrets, audit logging, access control. Assumption.
    security_compliance_cost_per_month_usd: float = 500.0

    def validate(self) -> None:
        for name in (
            "observability_min_cost_per_month_usd",
            "observability_gb_per_million_calls",
            "observability_cost_per_gb_usd",
            "engineer_cost_per_year_usd",
            "incident_tooling_cost_per_month_usd",
            "security_compliance_cost_per_month_usd",
        ):
            _positive(f"operations.{name}", getattr(self, name), allow_zero=True)
        if not 0 <= self.on_call_engineer_share <= 1:
            raise ConfigError.setting(
                "operations.on_call_engineer_share", "a fraction in [0, 1]", self.on_call_engineer_share
            )


@dataclass(frozen=True)
class Demand:
    """The traffic infrastructure is sized for, per 30-day month and at the busiest hour."""

    calls_per_month: float
    conversations_per_month: float
    peak_calls_per_hour: float
    peak_conversations_per_hour: float

    @property
    def mean_calls_per_hour(self) -> float:
        return self.calls_per_month / HOURS_PER_MONTH


@dataclass(frozen=True)
class InfrastructureCost:
    """Per-component monthly infrastructure cost and the sizing behind it."""

    workers: int
    worker_cost_per_month_usd: float
    cache_tier: str
    cache_cost_per_month_usd: float
    database_tier: str
    database_cost_per_month_usd: float
    networking_cost_per_month_usd: float
    storage_gb: float
    storage_cost_per_month_usd: float
    self_hosted: bool = True  # False: no workers (the to_dict has no worker figures)

    @property
    def total_cost_per_month_usd(self) -> float:
        return (
            self.worker_cost_per_month_usd
            + self.cache_cost_per_month_usd
            + self.database_cost_per_month_usd
            + self.networking_cost_per_month_usd
            + self.storage_cost_per_month_usd
        )

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if not self.self_hosted:
            del d["workers"], d["worker_cost_per_month_usd"]
        d["total_cost_per_month_usd"] = self.total_cost_per_month_usd
        return d


@dataclass(frozen=True)
class OperationsCost:
    """Per-component monthly operations cost."""

    observability_gb: float
    observability_cost_per_month_usd: float
    on_call_cost_per_month_usd: float
    incident_tooling_cost_per_month_usd: float
    security_compliance_cost_per_month_usd: float

    @property
    def total_cost_per_month_usd(self) -> float:
        return (
            self.observability_cost_per_month_usd
            + self.on_call_cost_per_month_usd
            + self.incident_tooling_cost_per_month_usd
            + self.security_compliance_cost_per_month_usd
        )

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["total_cost_per_month_usd"] = self.total_cost_per_month_usd
        return d


def workers_needed(calls_per_hour: float, settings: InfrastructureSettings, conversations_per_hour: float = 0.0) -> int:
    """Workers to serve an hour's load with every worker at most `utilization_ceiling` busy.

    The binding resource is whichever of calls or conversations per worker-hour runs out first;
    never fewer than `min_workers`, and zero load still keeps `min_workers` running.
    """
    usable = settings.utilization_ceiling
    by_calls = calls_per_hour / (settings.worker_calls_per_hour * usable)
    by_convs = conversations_per_hour / (settings.worker_conversations_per_hour * usable)
    # The tiny epsilon keeps exact multiples (e.g. 840/840) from rounding up on float noise.
    return max(settings.min_workers, math.ceil(max(by_calls, by_convs) - 1e-9))


def worker_cost_per_month_usd(workers: int, settings: InfrastructureSettings) -> float:
    return workers * settings.worker_cost_per_month_usd


def state_store_tier(peak_calls_per_hour: float, settings: InfrastructureSettings) -> tuple[str, float]:
    """The hot-state cache tier (single node or cluster) and its monthly cost: a step, not a slope."""
    if peak_calls_per_hour <= settings.cache_single_max_calls_per_hour:
        return "single", settings.cache_single_cost_per_month_usd
    return "cluster", settings.cache_cluster_cost_per_month_usd


def database_tier(peak_calls_per_hour: float, settings: InfrastructureSettings) -> tuple[str, float]:
    """The durable database tier (single instance or replicas) and its monthly cost."""
    if peak_calls_per_hour <= settings.database_single_max_calls_per_hour:
        return "single", settings.database_single_cost_per_month_usd
    return "replicas", settings.database_replicas_cost_per_month_usd


def networking_cost_per_month_usd(calls_per_month: float, settings: InfrastructureSettings) -> float:
    return settings.networking_min_cost_per_month_usd + (
        calls_per_month / 1e6 * settings.networking_cost_per_million_calls_usd
    )


def infrastructure_cost(demand: Demand, settings: InfrastructureSettings) -> InfrastructureCost:
    """Monthly infrastructure cost for `demand`, component by component."""
    workers = (
        workers_needed(demand.peak_calls_per_hour, settings, demand.peak_conversations_per_hour)
        if settings.self_hosted
        else 0
    )
    cache_tier, cache_cost = state_store_tier(demand.peak_calls_per_hour, settings)
    db_tier, db_cost = database_tier(demand.peak_calls_per_hour, settings)
    # Steady state: a retention window's worth of months is on disk.
    storage_gb = (
        demand.calls_per_month / 1e6 * settings.storage_gb_per_million_calls * settings.storage_retention_months
    )
    return InfrastructureCost(
        workers=workers,
        worker_cost_per_month_usd=worker_cost_per_month_usd(workers, settings),
        cache_tier=cache_tier,
        cache_cost_per_month_usd=cache_cost,
        database_tier=db_tier,
        database_cost_per_month_usd=db_cost,
        networking_cost_per_month_usd=networking_cost_per_month_usd(demand.calls_per_month, settings),
        storage_gb=storage_gb,
        storage_cost_per_month_usd=storage_gb * settings.storage_cost_per_gb_month_usd,
        self_hosted=settings.self_hosted,
    )


def operations_cost(demand: Demand, settings: OperationsSettings) -> OperationsCost:
    """Monthly operations cost: observability by log volume, on-call share, fixed tooling and security."""
    gb = demand.calls_per_month / 1e6 * settings.observability_gb_per_million_calls
    return OperationsCost(
        observability_gb=gb,
        observability_cost_per_month_usd=settings.observability_min_cost_per_month_usd
        + gb * settings.observability_cost_per_gb_usd,
        on_call_cost_per_month_usd=settings.on_call_engineer_share * settings.engineer_cost_per_year_usd / 12,
        incident_tooling_cost_per_month_usd=settings.incident_tooling_cost_per_month_usd,
        security_compliance_cost_per_month_usd=settings.security_compliance_cost_per_month_usd,
    )
