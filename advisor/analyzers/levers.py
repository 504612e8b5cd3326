"""The typed contract between analyzers and their readers: findings -> LeverFindings.

One Protocol per lever names the fields the optimizer (advisor/optimizer/prepare.py) and the
recommendations (advisor/recommend.py) read from that lever's findings, with their types. The
findings dataclasses satisfy them structurally (tests/analyzers/test_levers.py checks each
registered analyzer's return type against its protocol), so renaming a field fails a test
instead of silently dropping a lever from the plan.

Members are read-only properties: findings are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np

from advisor.analyzers.context import Findings


class LeverResult(Findings, Protocol):
    """Findings with an estimated saving and its interval (every lever has both)."""

    @property
    def savings_interval_usd(self) -> tuple[float, float]: ...


class CacheThreshold(Protocol):
    """One step of the cache's threshold sweep."""

    @property
    def threshold(self) -> float: ...
    @property
    def hit_rate(self) -> float: ...  # share of all calls answered from the cache
    @property
    def estimated_precision(self) -> float | None: ...  # share of cached answers that are right


class CacheLever(LeverResult, Protocol):
    @property
    def thresholds(self) -> Sequence[CacheThreshold]: ...
    @property
    def false_hit_budget(self) -> float: ...
    @property
    def monthly_cache_cost_usd(self) -> float: ...
    @property
    def per_call_cacheable(self) -> np.ndarray: ...
    @property
    def per_call_match_cosine(self) -> np.ndarray: ...
    @property
    def n_labelled_pairs(self) -> int: ...  # labels from this traffic behind the precision


class RoutingCandidate(Protocol):
    @property
    def model(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def prerequisites(self) -> Sequence[str]: ...
    # The per-call plan (advisor/optimizer/routing_bins.py): the calls the estimate routes, best
    # scored first, each one's expected quality change and saving; None without an estimate.
    @property
    def max_share_at_target(self) -> float: ...
    @property
    def per_call_routable_order(self) -> np.ndarray | None: ...
    @property
    def per_call_expected_delta(self) -> np.ndarray | None: ...
    @property
    def per_call_saving_usd(self) -> np.ndarray | None: ...


class RoutingSegmentView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def main_current_model(self) -> str: ...
    @property
    def current_quality(self) -> float | None: ...  # absolute; None when nothing is labelled
    @property
    def candidate_quality(self) -> Mapping[str, float | None]: ...
    @property
    def relative_quality(self) -> Mapping[str, float | None]: ...
    @property
    def n_labelled(self) -> Mapping[str, int]: ...


class RoutingLever(LeverResult, Protocol):
    @property
    def confidence(self) -> str: ...
    @property
    def prerequisites(self) -> Sequence[str]: ...
    @property
    def candidates(self) -> Sequence[RoutingCandidate]: ...
    @property
    def segments(self) -> Sequence[RoutingSegmentView]: ...
    @property
    def per_call_segment(self) -> np.ndarray | None: ...


class BatchRuleView(Protocol):
    @property
    def rule(self) -> str: ...


class BatchGroupView(Protocol):
    @property
    def task(self) -> str | None: ...
    @property
    def label(self) -> str: ...


class BatchLever(LeverResult, Protocol):
    @property
    def eligible_share_of_calls(self) -> float: ...
    @property
    def added_latency_max_hours(self) -> float: ...
    @property
    def rules(self) -> Sequence[BatchRuleView]: ...
    @property
    def eligible_groups(self) -> Sequence[BatchGroupView]: ...
    @property
    def per_call_eligible(self) -> np.ndarray: ...


class PromptLever(LeverResult, Protocol):
    @property
    def recommended(self) -> str | None: ...  # "prompt_caching" | "history_summarization" | None
    @property
    def summarization(self) -> Mapping[str, Any]: ...


class CapacityStability(Protocol):
    @property
    def verdict(self) -> str: ...  # "stable" | "unstable"
    @property
    def reason(self) -> str: ...
    @property
    def wait_days(self) -> int: ...


class CapacityLever(LeverResult, Protocol):
    @property
    def stability(self) -> CapacityStability: ...
    @property
    def term_months(self) -> int: ...
    @property
    def reserved_discount(self) -> float: ...
    @property
    def resolution_minutes(self) -> int: ...  # length of one demand bin
    @property
    def window_workers(self) -> np.ndarray: ...  # workers needed per bin of the sized look-back window


# Lever name -> the protocol its findings satisfy (keys are advisor.analyzers.LEVERS).
PROTOCOLS: dict[str, type] = {
    "cache": CacheLever,
    "routing": RoutingLever,
    "batch": BatchLever,
    "prompt": PromptLever,
    "capacity": CapacityLever,
}


@dataclass(frozen=True)
class LeverFindings:
    """Each lever's findings when its analyzer ran and was not skipped, else None."""

    cache: CacheLever | None = None
    routing: RoutingLever | None = None
    batch: BatchLever | None = None
    prompt: PromptLever | None = None
    capacity: CapacityLever | None = None

    @classmethod
    def of(cls, findings: LeverFindings | Mapping[str, Findings]) -> LeverFindings:
        """The typed view of a run's findings (analyzer name -> Findings)."""
        if isinstance(findings, LeverFindings):
            return findings

        def usable(name: str) -> Any:
            found = findings.get(name)
            return None if found is None or found.skipped_reason else found

        # The casts hold because every findings class satisfies its protocol (tests/analyzers/test_levers.py).
        return cls(
            cache=cast("CacheLever | None", usable("cache")),
            routing=cast("RoutingLever | None", usable("routing")),
            batch=cast("BatchLever | None", usable("batch")),
            prompt=cast("PromptLever | None", usable("prompt")),
            capacity=cast("CapacityLever | None", usable("capacity")),
        )
