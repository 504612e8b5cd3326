"""advisor: reads LLM query logs and says, in dollars per month, what to change to pay less
without losing quality.

Public API (heavy dependencies load lazily)::

    from advisor import load_log, load_config, PriceCatalog, compute_baseline
"""

from __future__ import annotations

__version__ = "0.1.0"

from advisor.core.config import Config, load_config
from advisor.core.errors import AdvisorError, ConfigError, InfeasiblePlanError, InputError
from advisor.core.schema import QueryLog

__all__ = [
    "AdvisorError",
    "Config",
    "ConfigError",
    "InfeasiblePlanError",
    "InputError",
    "QueryLog",
    "__version__",
    "load_config",
]
