"""The generator's knobs: keyword options -> validated SampleSettings (defaults: the shipped sample)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from advisor.core.errors import ConfigError
from advisor.lab.synthetic.traffic import TRAFFIC_SHAPES


@dataclass(frozen=True)
class SampleSettings:
    """Knobs of the generator; defaults describe the shipped sample."""

    n_calls: int = 20_000
    seed: int = 0
    start: str = "2026-10-01"
    days: int = 14
    traffic: str = "stable"  # stable | growing | step
    weekly_growth: float = 0.06  # "growing": volume multiplies by 1 + this per week
    step_factor: float = 1.6  # "step": level after the window's midpoint / before
    mean_turns: float = 5.0  # support chats: 1 + Poisson(mean - 1), capped
    max_turns: int = 10
    background_share: float = 0.12  # share of calls that are nightly summaries or analytics
    summary_share_of_background: float = 2 / 3
    shadow_share: float = 0.12  # calls with quality__<cheap model> shadow scores
    oos_share: float = 0.05  # out-of-scope openings (no-repeat controls)
    entity_share: float = 0.2  # openings carrying an order number, e-mail, amount, date

    def validate(self) -> SampleSettings:
        def check(name: str, ok: bool, must_be: str) -> None:
            if not ok:
                raise ConfigError.setting(name, must_be, getattr(self, name))

        check("n_calls", isinstance(self.n_calls, (int, np.integer)) and self.n_calls >= 1, "an integer >= 1")
        check("days", isinstance(self.days, (int, np.integer)) and 1 <= self.days <= 3660, "an integer from 1 to 3660")
        check("traffic", self.traffic in TRAFFIC_SHAPES, f"one of {', '.join(TRAFFIC_SHAPES)}")
        try:
            ts = pd.Timestamp(self.start)
        except (ValueError, TypeError):
            ts = None
        check("start", ts is not None and not pd.isna(ts), 'an ISO date such as "2026-10-01"')
        check("weekly_growth", -0.9 < self.weekly_growth < 10, "a number above -0.9 and below 10")
        check("step_factor", 0 < self.step_factor < 100, "a number above 0 and below 100")
        check("mean_turns", 1 <= self.mean_turns <= self.max_turns, "a number from 1 to max_turns")
        check("max_turns", 1 <= self.max_turns <= 100, "an integer from 1 to 100")
        for name in ("background_share", "summary_share_of_background", "shadow_share", "oos_share", "entity_share"):
            check(name, 0.0 <= getattr(self, name) <= 1.0, "a share from 0 to 1")
        check("background_share", self.background_share < 1.0, "a share from 0 to 1 (below 1)")
        return self

    @classmethod
    def from_options(cls, **options) -> SampleSettings:
        """Validated settings from keyword options; an unknown name is a ConfigError listing the known ones."""
        known = [f.name for f in fields(cls)]
        unknown = set(options) - set(known)
        if unknown:
            name = min(unknown)
            raise ConfigError.setting(name, f"one of {', '.join(known)}", options[name])
        return cls(**options).validate()
