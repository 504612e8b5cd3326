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
from typing import TYPE_CHECKING

from advisor.analyzers.context import AnalysisContext, Findings

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline

__all__ = [
    "DEFAULT_ORDER",
    "LEVERS",
    "MODULES",
    "REGISTRY",
    "AnalysisContext",
    "Analyzer",
    "Findings",
    "get_analyzer",
    "register",
]

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


def missing_package(name: str) -> str | None:
    """The third-party package analyzer `name` cannot import, else None (its module imported, so it is registered).

    A missing advisor module is a bug, not an optional dependency: that error propagates."""
    if name in REGISTRY or name not in MODULES:
        return None
    try:
        importlib.import_module(MODULES[name])
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.partition(".")[0] != "advisor":
            return exc.name
        raise
    return None


def get_analyzer(name: str) -> Analyzer:
    """The analyzer registered as `name`, importing its module on first use."""
    from advisor.core.errors import AdvisorError, ConfigError

    package = missing_package(name)
    if package is not None:
        raise AdvisorError(f"The {name} analyzer needs the '{package}' package; install it to run this analyzer.")
    if name not in REGISTRY:
        raise ConfigError.setting("analyzers", f"a list of known analyzers ({', '.join(DEFAULT_ORDER)})", name)
    return REGISTRY[name]
