"""Optimizer settings: the `[optimizer]` section of the config -> OptimizerSettings (validated).

Settings::

    quality_target = 0.95          # overrides the top-level quality_target
    quality_target_kind = "relative"   # or "absolute" (0..1 on the log's quality scale)
    min_segment_relative_quality = 0.85  # optional floor for every segment (vs its current quality)
    segment_floors = { "segment 2" = 0.9 }  # optional per-segment relative floors, by the name reports show
    false_hit_budget = 0.02        # wrong cached answers / cached answers; else the cache analyzer's
    false_hit_quality = 0.0        # quality of a wrong cached answer
    cache_cost_per_month_usd = 300 # else the cache analyzer's figure, else the single-node tier
    reserved_discount = 0.4        # reserved worker vs on-demand; the capacity analyzer's value wins
    levers = ["routing", "batch", "cache", "capacity", "prompt"]
    frontier_targets = [0.85, 0.9, 0.95, 0.98, 1.0]
    routing_unit = "call"          # route per call (score bins of the routing estimate) or "segment"
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.analyzers import LEVERS
from advisor.core.errors import ConfigError
from advisor.core.policy import MAX_RELATIVE_QUALITY

_RELATIVE_RANGE = f"a number in (0, {MAX_RELATIVE_QUALITY}]"


def _is_relative_quality(value: object) -> bool:
    return isinstance(value, (int, float)) and 0 < value <= MAX_RELATIVE_QUALITY


@dataclass(frozen=True)
class OptimizerSettings:
    quality_target: float | None = None
    quality_target_kind: str = "relative"
    min_segment_relative_quality: float | None = None
    segment_floors: dict[str, float] = field(default_factory=dict)
    false_hit_budget: float | None = None
    false_hit_quality: float = 0.0
    cache_cost_per_month_usd: float | None = None
    reserved_discount: float = 0.4
    levers: tuple[str, ...] = LEVERS
    frontier_targets: tuple[float, ...] = (0.85, 0.9, 0.95, 0.98, 1.0)
    min_recommended_call_share: float = 0.01
    # Plan so that, given the labels' sampling error, realized quality meets the target with this
    # one-sided probability (0.5 = plan on the point estimates).
    quality_confidence: float = 0.9
    # "call": route each segment's best-scored calls, within the routing analyzer's cross-fitted
    # bound; "segment": a share of each segment's calls at its average quality (the old unit).
    routing_unit: str = "call"

    def validate(self) -> None:
        if not 0.5 <= self.quality_confidence < 1.0:
            raise ConfigError.setting(
                "optimizer.quality_confidence", "a probability from 0.5 to below 1", self.quality_confidence
            )
        if self.quality_target is not None and not _is_relative_quality(self.quality_target):
            raise ConfigError.setting("optimizer.quality_target", _RELATIVE_RANGE, self.quality_target)
        if self.quality_target_kind not in ("relative", "absolute"):
            raise ConfigError.setting(
                "optimizer.quality_target_kind", '"relative" or "absolute"', self.quality_target_kind
            )
        self._validate_shares()
        if self.routing_unit not in ("call", "segment"):
            raise ConfigError.setting("optimizer.routing_unit", '"call" or "segment"', self.routing_unit)
        floor = self.min_segment_relative_quality
        if floor is not None and not _is_relative_quality(floor):
            raise ConfigError.setting("optimizer.min_segment_relative_quality", _RELATIVE_RANGE, floor)
        cost = self.cache_cost_per_month_usd
        if cost is not None and not 0 <= cost < float("inf"):
            raise ConfigError.setting("optimizer.cache_cost_per_month_usd", "a finite number >= 0", cost)
        bad = [t for t in self.frontier_targets if not _is_relative_quality(t)]
        if bad:
            raise ConfigError.setting(
                "optimizer.frontier_targets", f"a list of numbers in (0, {MAX_RELATIVE_QUALITY}]", bad[0]
            )
        unknown = sorted(set(self.levers) - set(LEVERS))
        if unknown:
            raise ConfigError.setting("optimizer.levers", f"a list drawn from {', '.join(LEVERS)}", unknown[0])
        for name, value in self.segment_floors.items():
            if not _is_relative_quality(value):
                raise ConfigError.setting(f"optimizer.segment_floors.{name}", _RELATIVE_RANGE, value)

    def _validate_shares(self) -> None:
        for name in ("false_hit_budget", "false_hit_quality", "reserved_discount", "min_recommended_call_share"):
            value = getattr(self, name)
            # A wrong cached answer may score 1 (the top of the scale); the others are shares below 1.
            if value is not None and not 0.0 <= value < 1.0 + (name == "false_hit_quality"):
                raise ConfigError.setting(f"optimizer.{name}", "a share from 0 to 1", value)
