"""The cost model's values: ProjectionSettings in, Baseline (with ModelCost and
ConversationCost) out. Built by advisor.cost.baseline.compute_baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.core.errors import ConfigError
from advisor.core.provenance import Provenance
from advisor.cost.infrastructure import Demand, InfrastructureCost, OperationsCost

DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class ProjectionSettings:
    """Section [projection]: scale the log to a stated volume instead of its own span."""

    conversations_per_day: float | None = None
    calls_per_day: float | None = None
    business_unit_name: str = "business unit"  # what `business_unit` counts, e.g. "ticket resolved"

    def validate(self) -> None:
        if self.conversations_per_day is not None and self.calls_per_day is not None:
            raise ConfigError.setting(
                "projection.calls_per_day",
                "left out when conversations_per_day is set (give one volume)",
                self.calls_per_day,
            )
        for name in ("conversations_per_day", "calls_per_day"):
            v = getattr(self, name)
            if v is not None and not 0 < v < float("inf"):
                raise ConfigError.setting(f"projection.{name}", "a finite number > 0", v)


@dataclass(frozen=True)
class ModelCost:
    model: str
    provider: str
    calls: int
    api_cost_per_month_usd: float
    api_cost_share: float
    price_source: str
    batch_price_source: str


@dataclass(frozen=True)
class ConversationCost:
    """API cost per conversation over the conversations in the log, plus the all-in mean."""

    n_conversations: int
    api_mean_usd: float
    api_p50_usd: float
    api_p95_usd: float
    total_mean_usd: float  # API mean + infrastructure and operations per conversation


@dataclass(frozen=True)
class Baseline:
    """What the logged traffic costs today. Per-call arrays align with `log.frame` rows."""

    per_call_cost_usd: np.ndarray
    per_call_input_cost_usd: np.ndarray  # all input tokens, cached ones included
    per_call_cached_input_cost_usd: np.ndarray  # the cached part of per_call_input_cost_usd
    per_call_output_cost_usd: np.ndarray
    n_calls: int
    span_days: float
    scaling: str  # "observed" | "projected: N conversations/day" | "projected: N calls/day"
    monthly_factor: float  # dollars observed over the log x monthly_factor = dollars per 30-day month
    calls_per_month: float
    conversations_per_month: float | None
    api_cost_per_month_usd: float
    input_cost_per_month_usd: float
    cached_input_cost_per_month_usd: float
    output_cost_per_month_usd: float
    infrastructure: InfrastructureCost
    operations: OperationsCost
    demand: Demand
    conversation: ConversationCost | None
    n_users: int | None
    api_cost_per_user_month_usd: float | None
    total_cost_per_user_month_usd: float | None
    business_unit_name: str
    business_units_per_month: float | None
    total_cost_per_business_unit_usd: float | None
    api_cost_per_business_unit_usd: float | None
    by_model: tuple[ModelCost, ...]
    billed_cost_usd: float | None  # sum of the log's cost_usd where present
    modelled_cost_usd: float | None  # our price of the same rows
    price_date: str
    price_source: str
    warnings: tuple[str, ...] = field(default=())
    sample_fraction: float = 1.0  # share of the log analysed (advisor.ingest.sampling); 1 = all of it
    # Where each figure of to_dict() comes from (advisor.cost.provenance), keyed by its path there.
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def provenance_dict(self) -> dict[str, dict[str, Any]]:
        return {path: p.to_dict() for path, p in sorted(self.provenance.items())}

    @property
    def infrastructure_cost_per_month_usd(self) -> float:
        return self.infrastructure.total_cost_per_month_usd

    @property
    def operations_cost_per_month_usd(self) -> float:
        return self.operations.total_cost_per_month_usd

    @property
    def total_cost_per_month_usd(self) -> float:
        return self.api_cost_per_month_usd + self.infrastructure_cost_per_month_usd + self.operations_cost_per_month_usd

    @property
    def api_share(self) -> float:
        total = self.total_cost_per_month_usd
        return self.api_cost_per_month_usd / total if total > 0 else 0.0

    @property
    def api_cost_per_day_usd(self) -> float:
        return self.api_cost_per_month_usd / DAYS_PER_MONTH

    @property
    def total_cost_per_day_usd(self) -> float:
        return self.total_cost_per_month_usd / DAYS_PER_MONTH

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (no per-call arrays, no rounding)."""
        c = self.conversation
        return {
            "price_date": self.price_date,
            "price_source": self.price_source,
            "n_calls": self.n_calls,
            "sample_fraction": self.sample_fraction,
            "span_days": self.span_days,
            "scaling": self.scaling,
            "monthly_factor": self.monthly_factor,
            "calls_per_month": self.calls_per_month,
            "conversations_per_month": self.conversations_per_month,
            "api_cost_per_day_usd": self.api_cost_per_day_usd,
            "total_cost_per_day_usd": self.total_cost_per_day_usd,
            "api_cost_per_month_usd": self.api_cost_per_month_usd,
            "input_cost_per_month_usd": self.input_cost_per_month_usd,
            "cached_input_cost_per_month_usd": self.cached_input_cost_per_month_usd,
            "output_cost_per_month_usd": self.output_cost_per_month_usd,
            "infrastructure_cost_per_month_usd": self.infrastructure_cost_per_month_usd,
            "operations_cost_per_month_usd": self.operations_cost_per_month_usd,
            "total_cost_per_month_usd": self.total_cost_per_month_usd,
            "api_share": self.api_share,
            "infrastructure": self.infrastructure.to_dict(),
            "operations": self.operations.to_dict(),
            "demand": {**self.demand.__dict__, "mean_calls_per_hour": self.demand.mean_calls_per_hour},
            "conversation": None if c is None else dict(c.__dict__),
            "api_cost_per_conversation_usd": None if c is None else c.api_mean_usd,
            "total_cost_per_conversation_usd": None if c is None else c.total_mean_usd,
            "n_users": self.n_users,
            "api_cost_per_user_month_usd": self.api_cost_per_user_month_usd,
            "total_cost_per_user_month_usd": self.total_cost_per_user_month_usd,
            "business_unit_name": self.business_unit_name,
            "business_units_per_month": self.business_units_per_month,
            "total_cost_per_business_unit_usd": self.total_cost_per_business_unit_usd,
            "api_cost_per_business_unit_usd": self.api_cost_per_business_unit_usd,
            "by_model": [dict(m.__dict__) for m in self.by_model],
            "billed_cost_usd": self.billed_cost_usd,
            "modelled_cost_usd": self.modelled_cost_usd,
            "warnings": list(self.warnings),
        }
