"""Where each cost-model figure comes from: Config + the baseline's shape -> {figure path: Provenance}.

Paths are relative to `Baseline.to_dict()` (the result JSON prefixes them with `baseline.`).
API figures are measured from the log, or projected when `[projection]` states a volume;
infrastructure and operations figures rest on `[infrastructure]` / `[operations]` settings,
configured when the user gave them and assumed (advisor's default) when not. Totals combine
their parts (advisor.core.provenance.combine), so a total that includes a default is assumed.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from advisor.core.config import Config
from advisor.core.provenance import MEASURED, PROJECTED, Provenance, combine, setting_provenance
from advisor.cost.infrastructure import InfrastructureCost, InfrastructureSettings, OperationsSettings

LOG = Provenance(MEASURED, (), "the log")


def volume_provenance(config: Config) -> Provenance:
    """Monthly volumes: the log's own rate stretched to 30 days, or the [projection] volume."""
    given = config.section("projection")
    for name in ("conversations_per_day", "calls_per_day"):
        if given.get(name) is not None:
            return Provenance(PROJECTED, (f"projection.{name}",), "the log's mix scaled to the stated volume")
    return Provenance(MEASURED, (), "the log's rate over its own span, per 30-day month")


def _infrastructure(infra: InfrastructureCost, config: Config, volume: Provenance) -> dict[str, Provenance]:
    given = config.section("infrastructure")

    def s(*names: str, basis: str = "") -> Provenance:
        return setting_provenance("infrastructure", names, given, basis)

    cache_cost = (
        "cache_single_cost_per_month_usd" if infra.cache_tier == "single" else "cache_cluster_cost_per_month_usd"
    )
    db_cost = (
        "database_single_cost_per_month_usd"
        if infra.database_tier == "single"
        else "database_replicas_cost_per_month_usd"
    )
    sizing = s("worker_calls_per_hour", "worker_conversations_per_hour", "utilization_ceiling", "min_workers")
    out = {
        "workers": combine([volume, sizing], "peak-hour demand / worker throughput"),
        "cache_cost_per_month_usd": combine(
            [volume, s(cache_cost, "cache_single_max_calls_per_hour")], "tier price by peak calls per hour"
        ),
        "database_cost_per_month_usd": combine(
            [volume, s(db_cost, "database_single_max_calls_per_hour")], "tier price by peak calls per hour"
        ),
        "networking_cost_per_month_usd": combine(
            [volume, s("networking_min_cost_per_month_usd", "networking_cost_per_million_calls_usd")],
            "floor + price per million calls",
        ),
        "storage_gb": combine(
            [volume, s("storage_gb_per_million_calls", "storage_retention_months")], "calls x size x retention"
        ),
    }
    out["worker_cost_per_month_usd"] = combine([out["workers"], s("worker_cost_per_month_usd")], "workers x price")
    out["storage_cost_per_month_usd"] = combine([out["storage_gb"], s("storage_cost_per_gb_month_usd")], "GB x price")
    if not infra.self_hosted:
        del out["workers"], out["worker_cost_per_month_usd"]
    out["total_cost_per_month_usd"] = combine(out.values(), "sum of the infrastructure components")
    return out


def _operations(config: Config, volume: Provenance) -> dict[str, Provenance]:
    given = config.section("operations")

    def s(*names: str, basis: str = "") -> Provenance:
        return setting_provenance("operations", names, given, basis)

    gb = combine([volume, s("observability_gb_per_million_calls")], "calls x log volume per call")
    out = {
        "observability_gb": gb,
        "observability_cost_per_month_usd": combine(
            [gb, s("observability_min_cost_per_month_usd", "observability_cost_per_gb_usd")], "floor + GB x price"
        ),
        "on_call_cost_per_month_usd": s(
            "on_call_engineer_share", "engineer_cost_per_year_usd", basis="share of an engineer"
        ),
        "incident_tooling_cost_per_month_usd": s("incident_tooling_cost_per_month_usd"),
        "security_compliance_cost_per_month_usd": s("security_compliance_cost_per_month_usd"),
    }
    out["total_cost_per_month_usd"] = combine(out.values(), "sum of the operations components")
    return out


def baseline_provenance(config: Config, infra: InfrastructureCost, span_days: float) -> dict[str, Provenance]:
    """{path in Baseline.to_dict(): Provenance} for every number the baseline reports."""
    volume = volume_provenance(config)
    inf = _infrastructure(infra, config, volume)
    ops = _operations(config, volume)
    fixed = combine([inf["total_cost_per_month_usd"], ops["total_cost_per_month_usd"]])
    total = combine([volume, fixed], "API + infrastructure + operations")
    peak = volume
    if span_days < 1:  # too short to measure the daily peak: the setting sizes it
        peak = combine(
            [volume, setting_provenance("infrastructure", ["peak_to_mean_ratio"], config.section("infrastructure"))]
        )
    out: dict[str, Provenance] = {}
    for name in ("n_calls", "span_days", "sample_fraction", "billed_cost_usd", "modelled_cost_usd", "n_users"):
        out[name] = LOG
    for name in (
        "monthly_factor",
        "calls_per_month",
        "conversations_per_month",
        "business_units_per_month",
        "api_cost_per_day_usd",
        "api_cost_per_month_usd",
        "input_cost_per_month_usd",
        "cached_input_cost_per_month_usd",
        "output_cost_per_month_usd",
        "api_cost_per_user_month_usd",
        "api_cost_per_business_unit_usd",
        "demand.calls_per_month",
        "demand.conversations_per_month",
        "demand.mean_calls_per_hour",
        "by_model.*.api_cost_per_month_usd",
    ):
        out[name] = volume
    out["demand.peak_calls_per_hour"] = out["demand.peak_conversations_per_hour"] = peak
    for name in ("by_model.*.calls", "by_model.*.api_cost_share", "api_cost_per_conversation_usd"):
        out[name] = LOG
    for name in ("api_mean_usd", "api_p50_usd", "api_p95_usd", "n_conversations"):
        out[f"conversation.{name}"] = LOG
    out["infrastructure_cost_per_month_usd"] = inf["total_cost_per_month_usd"]
    out["operations_cost_per_month_usd"] = ops["total_cost_per_month_usd"]
    for name in (
        "total_cost_per_month_usd",
        "total_cost_per_day_usd",
        "api_share",
        "total_cost_per_conversation_usd",
        "conversation.total_mean_usd",
        "total_cost_per_user_month_usd",
        "total_cost_per_business_unit_usd",
    ):
        out[name] = total
    out.update({f"infrastructure.{k}": v for k, v in inf.items()})
    out.update({f"operations.{k}": v for k, v in ops.items()})
    return out


def defaults_in_use(config: Config) -> list[dict[str, Any]]:
    """Every [infrastructure] / [operations] / [projection] setting with its value and whether it is a default."""
    from advisor.core.config import settings

    rows: list[dict[str, Any]] = []
    for section, cls in (("infrastructure", InfrastructureSettings), ("operations", OperationsSettings)):
        values = settings(config, section, cls)
        given = config.section(section)
        for f in fields(cls):
            rows.append(
                {
                    "setting": f"{section}.{f.name}",
                    "value": getattr(values, f.name),
                    "source": "your config" if f.name in given else "advisor default",
                }
            )
    return rows
