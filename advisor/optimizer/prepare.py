"""Optimizer inputs: QueryLog + Baseline + typed findings + Config + prices -> OptimizerInputs (pure).

Each lever contributes its part through its typed view (advisor/analyzers/levers.py): routing
its segments and candidate models, batch the tolerant calls, the cache its threshold sweep
and per-call matches (advisor/optimizer/segments.py), prompt its share of the API bill,
capacity its per-bin worker demand and reserved discount. Without routing, each served model is one segment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from advisor.analyzers.levers import CacheLever, CapacityLever, Findings, LeverFindings, PromptLever
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET
from advisor.optimizer.inputs import (
    HOURS_PER_MONTH,
    CacheStep,
    CapacityInput,
    OptimizerInputs,
    SegmentInput,
)
from advisor.optimizer.segments import cache_steps, check_floor_names, segment_calls, segment_input, segment_tables
from advisor.optimizer.settings import OptimizerSettings

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline
    from advisor.cost.infrastructure import InfrastructureSettings
    from advisor.prices.catalog import PriceCatalog


def _quality_target(
    opt: OptimizerSettings, config: Config, segments: Sequence[SegmentInput], quality_is_relative: bool
) -> float:
    """The target relative to today's quality (an absolute target is divided by today's)."""
    target = opt.quality_target if opt.quality_target is not None else config.quality_target
    if sum(s.calls_per_month * s.current_quality for s in segments) <= 0:
        # Today's quality is 0 on every labelled call: no plan can fall below it.
        target = 0.0
    if opt.quality_target_kind == "absolute":
        if quality_is_relative:
            raise ConfigError.setting(
                "optimizer.quality_target_kind",
                '"relative" (the log has no quality labels to set an absolute scale)',
                "absolute",
            )
        target = target / OptimizerInputs(segments=tuple(segments), quality_target=1.0).today_quality
    return float(target)


def _cache_cost_and_budget(
    opt: OptimizerSettings, cache: CacheLever | None, single_node_cost_usd: float
) -> tuple[float, float]:
    """The cache's monthly cost and false-hit budget: [optimizer] first, then the cache analyzer's."""
    cost = opt.cache_cost_per_month_usd
    if cost is None and cache is not None:
        cost = cache.monthly_cache_cost_usd
    if cost is None:
        cost = single_node_cost_usd
    budget = opt.false_hit_budget
    if budget is None:
        budget = cache.false_hit_budget if cache is not None else DEFAULT_FALSE_HIT_BUDGET
    return float(cost), float(budget)


def _prompt_share(prompt: PromptLever | None, baseline: Baseline) -> float:
    """Share of the API bill the prompt lever removes (at most 95 %)."""
    if prompt is None or baseline.api_cost_per_month_usd <= 0:
        return 0.0
    return float(np.clip(prompt.monthly_savings_usd / baseline.api_cost_per_month_usd, 0, 0.95))


def _capacity(
    baseline: Baseline, infra: InfrastructureSettings, found: CapacityLever | None, opt: OptimizerSettings
) -> CapacityInput:
    """The capacity analyzer's reserved-capacity model: its window's per-bin worker counts, grouped by
    count and scaled to a month's bins, at its bin price and discount (none when it did not run)."""
    window = found.window_workers if found is not None else np.zeros(0, dtype=np.int64)
    bins_per_hour = 60 // found.resolution_minutes if found is not None else 1
    levels, counts = np.unique(np.asarray(window, dtype=np.int64), return_counts=True)
    bins_a_month = HOURS_PER_MONTH * bins_per_hour
    # The capacity analyzer's discount ([capacity] reserved_discount) wins, so both agree.
    discount = float(found.reserved_discount) if found is not None else opt.reserved_discount
    return CapacityInput(
        workers_needed=tuple(int(n) for n in levels),
        bins_per_month=tuple(float(c) * bins_a_month / len(window) for c in counts),
        hours_per_bin=1.0 / bins_per_hour,
        min_workers=int(infra.min_workers),
        on_demand_cost_per_worker_bin_usd=infra.worker_cost_per_month_usd / bins_a_month,
        reserved_cost_per_worker_month_usd=infra.worker_cost_per_month_usd * (1.0 - discount),
        baseline_workers=int(baseline.infrastructure.workers),
        baseline_worker_cost_per_month_usd=float(baseline.infrastructure.worker_cost_per_month_usd),
    )


def _active_levers(
    opt: OptimizerSettings, steps: tuple[CacheStep, ...], segments: Sequence[SegmentInput], levers: LeverFindings
) -> frozenset[str]:
    """The configured levers, less those with nothing to act on (kept out of attribution and report)."""
    active = set(opt.levers)
    if not steps:
        active.discard("cache")
    if not any(len(s.options) > 1 for s in segments):
        active.discard("routing")
    if levers.prompt is None:
        active.discard("prompt")
    if not any(s.batch_tolerant_share > 0 for s in segments):
        active.discard("batch")
    # Reserving workers is gated on the capacity analyzer's verdict: not run, skipped, or traffic
    # not (yet) stable -> no reservation in the plan, hence no recommendation to make one.
    # The analyzer claiming no saving (the reservation costs more than today's fleet) gates it too.
    found = levers.capacity
    if found is None or found.stability.verdict != "stable" or found.monthly_savings_usd <= 0:
        active.discard("capacity")
    return frozenset(active)


def prepare_inputs(
    log: QueryLog,
    baseline: Baseline,
    findings: LeverFindings | Mapping[str, Findings],
    *,
    config: Config,
    prices: PriceCatalog,
) -> OptimizerInputs:
    """Gather the program's inputs from the log, the baseline and whatever analyzers ran."""
    from advisor.cost.infrastructure import InfrastructureSettings

    levers = LeverFindings.of(findings)
    opt = settings(config, "optimizer", OptimizerSettings)
    infra = settings(config, "infrastructure", InfrastructureSettings)
    segmentation = segment_calls(log, levers.routing)
    steps = cache_steps(levers.cache)
    tables = segment_tables(log, baseline, levers, prices, segmentation, steps)
    factor = float(baseline.monthly_factor)
    built = [segment_input(i, seg, segmentation, tables, opt, factor) for i, seg in enumerate(segmentation.segments)]
    segments = tuple(segment for segment, _ in built)
    check_floor_names(opt, segmentation.segments)
    quality_is_relative = not any(absolute for _, absolute in built)
    cache_cost, budget = _cache_cost_and_budget(opt, levers.cache, infra.cache_single_cost_per_month_usd)
    # Hosted APIs only ([infrastructure] self_hosted = false): no workers, so nothing to reserve.
    capacity = _capacity(baseline, infra, levers.capacity, opt) if infra.self_hosted else None
    fixed = (
        baseline.infrastructure_cost_per_month_usd
        - (capacity.baseline_worker_cost_per_month_usd if capacity is not None else 0.0)
        + baseline.operations_cost_per_month_usd
    )
    return OptimizerInputs(
        segments=segments,
        quality_target=_quality_target(opt, config, segments, quality_is_relative),
        cache_steps=steps,
        cache_cost_per_month_usd=cache_cost,
        false_hit_budget=budget,
        false_hit_quality=float(opt.false_hit_quality),
        capacity=capacity,
        prompt_savings_share=_prompt_share(levers.prompt, baseline),
        fixed_cost_per_month_usd=float(fixed),
        baseline_cost_per_month_usd=float(baseline.total_cost_per_month_usd),
        levers=_active_levers(opt, steps, segments, levers),
        quality_is_relative=quality_is_relative,
        frontier_targets=tuple(float(t) for t in opt.frontier_targets),
        quality_z=float(NormalDist().inv_cdf(opt.quality_confidence)),
        min_recommended_call_share=float(opt.min_recommended_call_share),
        routing_caps=tuple((b.model, b.routed_calls * factor) for b in tables.bins),
    )
