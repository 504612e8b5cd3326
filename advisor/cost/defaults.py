"""The defaults a run rests on: setting keys -> rows of (setting, value, source) for `--explain` and reports.

SOURCES says where each default comes from, in the words of docs/configuration.md (a test
keeps the two in step): the seed cost article's range, or advisor's own assumption.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from advisor.core.config import Config, settings
from advisor.cost.infrastructure import InfrastructureSettings, OperationsSettings

SOURCES = {
    "infrastructure.worker_cost_per_month_usd": "article: 100–200",
    "infrastructure.worker_calls_per_hour": "assumption: LLM calls one worker orchestrates per hour",
    "infrastructure.worker_conversations_per_hour": "assumption",
    "infrastructure.utilization_ceiling": "assumption: busiest hour runs workers at most 70 % busy",
    "infrastructure.min_workers": "assumption: one spare for redundancy",
    "infrastructure.peak_to_mean_ratio": "assumption: diurnal peak",
    "infrastructure.cache_single_cost_per_month_usd": "article: single Redis 100–500",
    "infrastructure.cache_cluster_cost_per_month_usd": "article: Redis Cluster 500–2,000",
    "infrastructure.cache_single_max_calls_per_hour": "assumption: above this peak, a cluster",
    "infrastructure.database_single_cost_per_month_usd": "article: 200–800",
    "infrastructure.database_replicas_cost_per_month_usd": "article: 1,000–5,000",
    "infrastructure.database_single_max_calls_per_hour": "assumption: above this peak, read replicas",
    "infrastructure.networking_min_cost_per_month_usd": "article: 100–500",
    "infrastructure.networking_cost_per_million_calls_usd": "assumption chosen so that 1,000–5,000 calls/hour lands in 170–460",
    "infrastructure.storage_gb_per_million_calls": "assumption (~10 KB of logs and archive per call)",
    "infrastructure.storage_retention_months": "assumption",
    "infrastructure.storage_cost_per_gb_month_usd": "assumption",
    "operations.observability_min_cost_per_month_usd": "article: 500–2,000",
    "operations.observability_gb_per_million_calls": "assumption (~50 KB of logs, metrics and traces per call)",
    "operations.observability_cost_per_gb_usd": "assumption (ingest + indexing + retention)",
    "operations.on_call_engineer_share": "article: 5–15 % of an engineer",
    "operations.engineer_cost_per_year_usd": "assumption (fully loaded)",
    "operations.incident_tooling_cost_per_month_usd": "assumption (PagerDuty / Opsgenie seats)",
    "operations.security_compliance_cost_per_month_usd": "assumption; the article calls it a fixed overhead",
    "capacity.reserved_discount": "article: committed-use discounts of 30–60 %",
    "optimizer.cache_cost_per_month_usd": "unset: the cache analyzer's estimate, else the single-node cache price",
}
COST_SECTIONS: Mapping[str, type] = {"infrastructure": InfrastructureSettings, "operations": OperationsSettings}


def defaults_in_use(
    config: Config, keys: Iterable[str], sections: Mapping[str, type] = COST_SECTIONS
) -> list[dict[str, Any]]:
    """One row per default in `keys` (sorted): setting, its value in this run, and where the default comes from."""
    rows = []
    for key in sorted(set(keys)):
        section, name = key.split(".", 1)
        cls = sections.get(section)
        value = getattr(settings(config, section, cls), name, None) if cls is not None else None
        rows.append({"setting": key, "value": value, "source": SOURCES.get(key, "advisor default")})
    return rows
