"""Hand-made findings for tests of the optimizer, recommendations and reports.

`fake_findings("batch", eligible_share_of_calls=0.12)` has every field of the lever's protocol
(advisor/analyzers/levers.py) at a neutral default, so a reader that asks for a field the
protocol names always finds it; tests/analyzers/test_levers.py checks the fakes stay complete.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

_COMMON: dict[str, Any] = {
    "monthly_savings_usd": 0.0,
    "savings_interval_usd": (0.0, 0.0),
    "warnings": (),
    "skipped_reason": None,
}


def _defaults(lever: str) -> dict[str, Any]:
    return {
        "cache": lambda: {
            "thresholds": (),
            "false_hit_budget": 0.02,
            "monthly_cache_cost_usd": 0.0,
            "per_call_cacheable": np.zeros(0, bool),
            "per_call_match_cosine": np.zeros(0),
            "n_labelled_pairs": 0,
        },
        "routing": lambda: {
            "confidence": "medium",
            "prerequisites": (),
            "candidates": (),
            "segments": (),
            "per_call_segment": None,
        },
        "batch": lambda: {
            "eligible_share_of_calls": 0.0,
            "added_latency_max_hours": 24.0,
            "rules": (),
            "eligible_groups": (),
            "per_call_eligible": np.zeros(0, bool),
        },
        "prompt": lambda: {"recommended": None, "summarization": {}},
        "capacity": lambda: {
            "stability": fake_stability(),
            "term_months": 12,
            "reserved_discount": 0.4,
            "resolution_minutes": 60,
            "window_workers": np.zeros(0, np.int64),
        },
    }[lever]()


def fake_stability(verdict: str = "stable", reason: str = "", wait_days: int = 0) -> SimpleNamespace:
    return SimpleNamespace(verdict=verdict, reason=reason, wait_days=wait_days)


def fake_group(task: str | None, label: str, latency_class: str | None = None) -> SimpleNamespace:
    """An eligible batch group (advisor.analyzers.batch.BatchGroup's fields the advice reads)."""
    return SimpleNamespace(task=task, label=label, latency_class=latency_class)


def fake_findings(lever: str, **fields: Any) -> SimpleNamespace:
    """Findings of `lever` with every protocol field, `fields` overriding the defaults."""
    return SimpleNamespace(**{"name": lever, **_COMMON, **_defaults(lever), **fields})
