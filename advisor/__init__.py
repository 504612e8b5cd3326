"""advisor: reads LLM query logs and says, in dollars per month, what to change to pay less
without losing quality.

Public API (each name is imported on first use, so `import advisor` stays fast)::

    from advisor import analyze
    result = analyze("calls.csv", config="advisor.toml")   # -> AnalysisResult
    print(result.recommendations[0].title)

    from advisor import load_log, load_config, PriceCatalog, compute_baseline

    from advisor import load_router               # a router from `advisor export router --out router/`
    load_router("router/").choose(["where is my refund?"])   # -> the plan's model per request
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from advisor.core.config import Config, load_config
    from advisor.core.errors import AdvisorError, ConfigError, InfeasiblePlanError, InputError
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import compute_baseline
    from advisor.deploy.router import load_router
    from advisor.ingest import load_log
    from advisor.prices.catalog import PriceCatalog
    from advisor.result.analysis_result import AnalysisResult

__all__ = [
    "AdvisorError",
    "AnalysisResult",
    "Config",
    "ConfigError",
    "InfeasiblePlanError",
    "InputError",
    "PriceCatalog",
    "QueryLog",
    "__version__",
    "analyze",
    "compute_baseline",
    "load_config",
    "load_log",
    "load_router",
]

# Public name -> the module that defines it (imported when the name is first used).
_LAZY = {
    "AdvisorError": "advisor.core.errors",
    "ConfigError": "advisor.core.errors",
    "InfeasiblePlanError": "advisor.core.errors",
    "InputError": "advisor.core.errors",
    "Config": "advisor.core.config",
    "load_config": "advisor.core.config",
    "QueryLog": "advisor.core.schema",
    "load_log": "advisor.ingest",
    "PriceCatalog": "advisor.prices.catalog",
    "compute_baseline": "advisor.cost.baseline",
    "AnalysisResult": "advisor.result.analysis_result",
    "load_router": "advisor.deploy.router",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def analyze(
    paths: str | Path | Sequence[str | Path], config: Config | str | Path | None = None, **options: Any
) -> AnalysisResult:
    """Analyze one log file or several: the library's entry to the whole pipeline.

    `config` is a Config, the path of a TOML file, or None for the defaults. `options` are
    advisor.pipeline.run_analysis's keyword arguments (mapping, embedder, labels, analyzers,
    prices_file, progress, sample_fraction, max_rows, skip_bad_rows). Raises InputError,
    ConfigError or InfeasiblePlanError for the caller to fix.
    """
    from advisor.core.config import Config, load_config
    from advisor.pipeline import run_analysis

    if not isinstance(config, Config):
        config = load_config(config)
    files = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return run_analysis(files, config, **options)
