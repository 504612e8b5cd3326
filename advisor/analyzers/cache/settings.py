"""Section [cache] -> CacheSettings, and which calls a response cache may answer.

    settings(config, "cache", CacheSettings) -> CacheSettings
    cacheable_mask(frame, settings) -> bool per call

Shared by the analyzer (analyzer.py) and the labelling path (labels.py), so neither imports the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from advisor.analyzers.cache.ivf import IndexSettings
from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS
from advisor.core import schema as S
from advisor.core.errors import ConfigError
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET


@dataclass(frozen=True)
class CacheSettings:
    """Section [cache]."""

    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET  # highest acceptable expected share of wrong cached answers
    ttl_s: float = 86_400.0  # entries expire a day after insertion
    capacity: int = 0  # max entries (LRU); 0 = unlimited
    first_turns_only: bool = True  # later turns depend on the conversation so far
    context_free_tasks: tuple[str, ...] = ()  # tasks whose answer never depends on history
    entity_conflicts_are_false_hits: bool = True
    # The vector store's own monthly cost; None = the single-node state store tier of the
    # infrastructure model ([infrastructure] cache_single_cost_per_month_usd).
    monthly_cost_usd: float | None = None
    # Embedding each cacheable query: OpenAI text-embedding-3-small list price, $0.02 / 1M tokens.
    embedding_cost_per_mtok_usd: float = 0.02
    pair_labels: str | None = None  # a labelled pairs CSV (advisor cache label)
    calibration_path: str | None = None  # another calibration folder; None = the shipped one
    bootstrap_samples: int = 200
    block_hours: float = 24.0  # time block resampled by the bootstrap without conversations
    # [cache.index]: the nearest-earlier search above the exact size (advisor/analyzers/cache/ivf.py).
    index: IndexSettings = field(default_factory=IndexSettings)

    def validate(self) -> None:
        if not self.thresholds or any(not 0 < t <= 1 for t in self.thresholds):
            raise ConfigError.setting(
                "cache.thresholds", "a non-empty list of numbers in (0, 1]", list(self.thresholds)
            )
        if not 0 <= self.false_hit_budget < 1:
            raise ConfigError.setting("cache.false_hit_budget", "a fraction in [0, 1)", self.false_hit_budget)
        if not self.ttl_s > 0:  # inf is fine (entries never expire); nan is not
            raise ConfigError.setting("cache.ttl_s", "a number of seconds > 0", self.ttl_s)
        for name in ("monthly_cost_usd", "embedding_cost_per_mtok_usd"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ConfigError.setting(f"cache.{name}", "a finite number of dollars >= 0", value)
        if self.capacity < 0:
            raise ConfigError.setting("cache.capacity", "an integer >= 0 (0 = unlimited)", self.capacity)
        if self.bootstrap_samples < 10:
            raise ConfigError.setting("cache.bootstrap_samples", "an integer >= 10", self.bootstrap_samples)
        if not (math.isfinite(self.block_hours) and self.block_hours > 0):
            raise ConfigError.setting("cache.block_hours", "a number > 0", self.block_hours)


def cacheable_mask(frame: pd.DataFrame, s: CacheSettings) -> np.ndarray:
    """Calls whose answer does not depend on conversation history and that have query text."""
    has_text = frame[S.QUERY].notna().to_numpy() if S.QUERY in frame else np.zeros(len(frame), bool)
    if not s.first_turns_only:
        ok = np.ones(len(frame), bool)
    elif S.TURN in frame:
        ok = frame[S.TURN].fillna(1).to_numpy() == 1
    else:
        ok = np.ones(len(frame), bool)  # no turn column: every call stands alone
    if s.context_free_tasks and S.TASK in frame:
        ok |= frame[S.TASK].isin(list(s.context_free_tasks)).fillna(False).to_numpy(bool)
    return ok & has_text
