"""Analyzers: QueryLog + Baseline + AnalysisContext -> Findings, one module each, registered by name.

Each analyzer module defines a function decorated with `@register("name")`:

    @register("batch")
    def analyze_batch(log: QueryLog, baseline: Baseline, ctx: AnalysisContext) -> BatchFindings: ...

Findings are frozen dataclasses with `name`, `monthly_savings_usd`, `warnings` and a
`to_dict()` that returns JSON-ready data (no numpy scalars, no arrays of per-call values).
Per-call arrays that the optimizer needs (aligned with `log.frame` rows) live in fields whose
names start with `per_call_` and are left out of `to_dict()`.
An analyzer that cannot run on this log (e.g. no text column) returns its findings with
`skipped_reason` set instead of raising.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from advisor.core.config import Config
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline
    from advisor.prices.catalog import PriceCatalog


class Findings(Protocol):
    name: str
    monthly_savings_usd: float
    warnings: tuple[str, ...]
    skipped_reason: str | None

    def to_dict(self) -> dict[str, Any]: ...


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class AnalysisContext:
    """What analyzers get besides the log and baseline: settings, prices, the embedder."""

    config: Config
    prices: PriceCatalog
    embedder: Any = None  # advisor.embed.Embedder; None means "load the default lazily"
    progress: Callable[[str, int, int], None] = _no_progress
    labels: Any = None  # optional user labels for routing (advisor.analyzers.routing.analyzer reads it)
    extra: dict[str, Any] = field(default_factory=dict)

    def get_embedder(self):
        """The injected embedder, or the default sentence-transformers one (loaded on first use)."""
        if self.embedder is not None:
            return self.embedder
        from advisor.embed import default_embedder

        emb = default_embedder(self.config)
        object.__setattr__(self, "embedder", emb)
        return emb


Analyzer = Callable[["QueryLog", "Baseline", AnalysisContext], Findings]
REGISTRY: dict[str, Analyzer] = {}

# The only list of lever names. Run order matters only for cost: each analyzer is independent
# of the others' output.
LEVERS = ("cache", "routing", "batch", "prompt", "capacity")
DEFAULT_ORDER = LEVERS
# Where each lever's analyzer lives; importing the module registers it.
MODULES = {
    "cache": "advisor.analyzers.cache.analyzer",
    "routing": "advisor.analyzers.routing.analyzer",
    "batch": "advisor.analyzers.batch",
    "prompt": "advisor.analyzers.prompt.analyzer",
    "capacity": "advisor.analyzers.capacity.analyzer",
}


def register(name: str) -> Callable[[Analyzer], Analyzer]:
    def deco(fn: Analyzer) -> Analyzer:
        REGISTRY[name] = fn
        return fn

    return deco


def get_analyzer(name: str) -> Analyzer:
    if name not in REGISTRY and name in MODULES:
        importlib.import_module(MODULES[name])
    if name not in REGISTRY:
        from advisor.core.errors import ConfigError

        raise ConfigError.setting("analyzers", f"a list of known analyzers ({', '.join(DEFAULT_ORDER)})", name)
    return REGISTRY[name]
