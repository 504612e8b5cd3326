"""Provenance of every figure in the result JSON: Config + stage outputs -> {figure path: Provenance}.

The baseline's own map (advisor.cost.provenance) is prefixed with `baseline.`; the plan,
recommendations and findings take theirs from what they are computed from: a lever's saving
is as measured as the API figures it moves, except where it prices assumed infrastructure
(capacity: the worker price and sizing; the cache's running cost). Paths follow
advisor.core.provenance (`*` one segment, final `**` a subtree). tests/result/test_provenance.py
walks the JSON and fails on any number without an entry, so a new figure needs one here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from advisor.core.config import Config
from advisor.core.provenance import (
    ASSUMED,
    CONFIGURED,
    MEASURED,
    PROJECTED,
    Provenance,
    combine,
    default_keys,
    setting_provenance,
)
from advisor.cost.defaults import COST_SECTIONS, defaults_in_use
from advisor.cost.provenance import volume_provenance

if TYPE_CHECKING:
    from advisor.analyzers import Findings
    from advisor.cost.baseline import Baseline
    from advisor.optimizer.plan import Plan
    from advisor.recommend import Recommendation

LOG = Provenance(MEASURED, (), "the log")


def lever_provenance(config: Config, baseline: Baseline) -> dict[str, Provenance]:
    """What each lever's monthly saving rests on."""
    volume = volume_provenance(config)
    worker = baseline.provenance.get("infrastructure.worker_cost_per_month_usd", volume)
    discount = setting_provenance("capacity", ["reserved_discount"], config.section("capacity"))
    cache_cost = setting_provenance("optimizer", ["cache_cost_per_month_usd"], config.section("optimizer"))
    return {
        "routing": volume,
        "batch": volume,
        "prompt": volume,
        "cache": combine([volume, cache_cost], "API calls saved - the cache's running cost"),
        "capacity": combine([worker, discount], "on-demand vs reserved worker price"),
    }


def _plan(plan: Plan, levers: Mapping[str, Provenance], total: Provenance, volume: Provenance) -> dict[str, Provenance]:
    target = Provenance(CONFIGURED, ("quality_target",), "the quality floor asked for (default 0.95)")
    out = {
        "plan.api_cost_per_month_usd": volume,
        "plan.batch_share_of_calls": LOG,
        "plan.cache_hit_share": LOG,
        "plan.cache_precision": LOG,
        "plan.cache_threshold": LOG,
        "plan.prompt_savings_share": LOG,
        "plan.frontier.*.expected_relative_quality": LOG,
        "plan.quality_target": target,
        "plan.frontier.*.quality_target": Provenance(CONFIGURED, ("optimizer.frontier_targets",)),
        "plan.today_quality": LOG,
        "plan.expected_relative_quality": LOG,
        "plan.quality_se": LOG,
        "plan.quality_margin": LOG,
        "plan.segments.**": volume,
        "plan.cache_cost_per_month_usd": levers["cache"],
        "plan.worker_cost_per_month_usd": levers["capacity"],
        "plan.reserved_workers": levers["capacity"],
        "plan.peak_workers": levers["capacity"],
        "plan.on_demand_worker_hours_per_month": levers["capacity"],
    }
    # Total cost figures include infrastructure and operations.
    for key in (
        "monthly_cost_usd",
        "monthly_savings_usd",
        "baseline_cost_per_month_usd",
        "frontier.*.monthly_cost_usd",
    ):
        out[f"plan.{key}"] = total
    out["plan.shadow_price_usd_per_quality_point"] = total
    for i, attribution in enumerate(plan.lever_attribution):
        out[f"plan.lever_attribution.{i}.**"] = levers.get(attribution.lever, total)
    return out


def _recommendations(recs: Sequence[Recommendation], levers: Mapping[str, Provenance]) -> dict[str, Provenance]:
    out: dict[str, Provenance] = {}
    for i, rec in enumerate(recs):
        p = levers.get(rec.lever, LOG)
        out[f"recommendations.{i}.**"] = p  # saving, interval, rank (ordered by saving), the action's figures
    return out


def _findings(findings: Mapping[str, Findings], levers: Mapping[str, Provenance]) -> dict[str, Provenance]:
    out: dict[str, Provenance] = {}
    for name in findings:
        out[f"findings.{name}.**"] = levers.get(name, LOG)
    if "capacity" in findings:
        # Demand and its stability are measured; sizing and prices rest on the worker settings.
        out["findings.capacity.stability.**"] = LOG
        out["findings.capacity.hourly_demand.*.calls_per_hour"] = levers["routing"]
        out["findings.capacity.peak_calls_per_hour"] = levers["routing"]
    return out


def result_provenance(
    config: Config,
    baseline: Baseline,
    findings: Mapping[str, Findings],
    plan: Plan | None,
    recs: Sequence[Recommendation],
) -> dict[str, Provenance]:
    """{figure path in AnalysisResult.to_dict(): Provenance} covering every number in it."""
    volume = volume_provenance(config)
    levers = lever_provenance(config, baseline)
    total = baseline.provenance["total_cost_per_month_usd"]
    out: dict[str, Provenance] = {
        "quality_target": Provenance(CONFIGURED, ("quality_target",), "the quality floor asked for (default 0.95)"),
        "log.**": LOG,
        "defaults_in_use.*.value": Provenance(ASSUMED, (), "advisor's default for the setting named beside it"),
        # The settings behind config_hash, as the run read them: echoed, not computed.
        "config.**": Provenance(CONFIGURED, (), "a setting of this run, as given (or its default)"),
        # Per-model usage for `runs compare` (schema 1.2): sums over the log, priced as the baseline is.
        "usage.cells.**": Provenance(MEASURED, (), "the log, priced at the run's prices"),
        "usage.list_prices.**": Provenance(MEASURED, (), "the price catalog at the run's price date"),
        "usage.monthly_factor": volume,
        "usage.planned_by_class.**": Provenance(PROJECTED, (), "the plan applied to each traffic class's calls"),
        "usage.prompt_cache_potential_by_class.**": Provenance(
            PROJECTED, (), "the prompt analyzer's replay of a provider prompt cache on the log"
        ),
    }
    out.update({f"baseline.{k}": v for k, v in baseline.provenance.items()})
    if plan is not None:
        out.update(_plan(plan, levers, total, volume))
    out.update(_recommendations(recs, levers))
    out.update(_findings(findings, levers))
    return out


def result_defaults(config: Config, provenance: Mapping[str, Provenance]) -> list[dict[str, Any]]:
    """The defaults the run's figures rest on, with their values and sources (JSON `defaults_in_use`)."""
    from advisor.analyzers.capacity.analyzer import CapacitySettings
    from advisor.optimizer.settings import OptimizerSettings

    sections = {**COST_SECTIONS, "capacity": CapacitySettings, "optimizer": OptimizerSettings}
    return defaults_in_use(config, default_keys(provenance), sections)
