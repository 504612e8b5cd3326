"""The optimizer's frozen input types: what advisor/optimizer/prepare.py gathers -> what the program reads.

Everything the program needs is a plain number here, so that `build_problem` never touches a
frame: per segment its monthly volume, the cost of one call on each model (real-time and
batch, priced over the segment's own calls), the expected quality on each model, the
batch-tolerant and cacheable shares, the cache's hit/precision sweep, and the capacity
analyzer's per-bin worker demand for reserved sizing.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.analyzers import LEVERS
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET

HOURS_PER_WEEK = 168
WEEKS_PER_MONTH = 30.0 / 7.0
HOURS_PER_MONTH = 30.0 * 24.0


@dataclass(frozen=True)
class ModelOption:
    model: str
    provider: str
    quality: float  # expected quality of one call (the segment's quality scale)
    cost_per_call_usd: float  # real-time, priced over the segment's own token counts
    batch_cost_per_call_usd: float
    is_current: bool
    quality_se: float = 0.0  # standard error of `quality` (from how many labels it rests on)
    # Per-call routing (advisor/optimizer/routing_bins.py): the option is one score bin of the
    # candidate's routed calls in this segment, at most `max_share` of the segment, filled in bin order.
    score_bin: int | None = None
    max_share: float = 1.0


@dataclass(frozen=True)
class SegmentInput:
    id: int
    name: str
    calls_per_month: float
    current_quality: float
    options: tuple[ModelOption, ...]
    batch_tolerant_share: float
    hit_share_by_step: tuple[float, ...]  # share of this segment's calls the cache answers, per sweep step
    relative_floor: float | None = None
    # Today's cost of one call the cache answers at each step, priced over those calls themselves
    # (empty: the segment's average), so a cache hit saves what that call costs, not the average.
    hit_cost_by_step: tuple[float, ...] = ()

    def hit_cost(self, k: int) -> float:
        today = next(o for o in self.options if o.is_current).cost_per_call_usd
        return self.hit_cost_by_step[k] if k < len(self.hit_cost_by_step) else today


@dataclass(frozen=True)
class CacheStep:
    threshold: float
    hit_rate: float  # share of all calls answered from the cache
    precision: float  # share of cached answers that are right


@dataclass(frozen=True)
class CapacityInput:
    """The capacity analyzer's reserved-capacity model, as numbers: the workers each demand bin of
    its look-back window needs (grouped by count), the bin's on-demand price and the reserved price.
    With real-time demand unchanged, the program's cheapest reservation is the analyzer's to the cent."""

    workers_needed: tuple[int, ...]  # distinct per-bin worker counts of the window, ascending
    bins_per_month: tuple[float, ...]  # bins a month needing each count (window share x a month's bins)
    hours_per_bin: float
    min_workers: int
    on_demand_cost_per_worker_bin_usd: float
    reserved_cost_per_worker_month_usd: float  # every hour of the month at the reserved discount
    baseline_workers: int
    baseline_worker_cost_per_month_usd: float


@dataclass(frozen=True)
class OptimizerInputs:
    segments: tuple[SegmentInput, ...]
    quality_target: float  # relative to today's volume-weighted quality
    cache_steps: tuple[CacheStep, ...] = ()
    cache_cost_per_month_usd: float = 0.0
    false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET
    false_hit_quality: float = 0.0
    capacity: CapacityInput | None = None
    prompt_savings_share: float = 0.0  # share of API cost the prompt lever removes
    fixed_cost_per_month_usd: float = 0.0  # infrastructure besides workers + operations
    baseline_cost_per_month_usd: float = 0.0
    levers: frozenset[str] = frozenset(LEVERS)
    quality_is_relative: bool = False  # True when no label gave an absolute scale
    frontier_targets: tuple[float, ...] = ()
    min_recommended_call_share: float = 0.01
    quality_z: float = 0.0  # one-sided normal quantile of quality_confidence
    quality_margin: float = 0.0  # added to the target to cover estimation error
    # Per-call routing: calls a month each candidate's routed prefix holds; routing to several
    # candidates spends one budget (sum of routed / cap <= 1), as each prefix alone meets the target.
    routing_caps: tuple[tuple[str, float], ...] = ()
    # The prompt lever's share on the plan's own traffic: calls on their planned models and modes, the
    # cache's hits left out (advisor/optimizer/routed_prompt.py: a provider's prompt cache is per
    # model); None: the same as prompt_savings_share.
    routed_prompt_savings_share: float | None = None

    def prompt_share(self, levers: frozenset[str]) -> float:
        """Share of API cost the prompt lever removes with `levers` on: the analyzer's alone, the
        plan's re-priced share when cache, routing or batch reshape the traffic too."""
        if "prompt" not in levers:
            return 0.0
        if levers & {"cache", "routing", "batch"} and self.routed_prompt_savings_share is not None:
            return self.routed_prompt_savings_share
        return self.prompt_savings_share

    @property
    def calls_per_month(self) -> float:
        return float(sum(s.calls_per_month for s in self.segments))

    @property
    def today_quality(self) -> float:
        total = self.calls_per_month
        q = float(sum(s.calls_per_month * s.current_quality for s in self.segments) / total) if total else 1.0
        # Every labelled outcome 0 (a degenerate log): relative quality has no scale; prepare_inputs
        # then drops the target to 0, so this value only keeps the arithmetic finite.
        return q if q > 0 else 1.0
