"""Bootstrap intervals for the traffic analyzers: per-call dollar amounts -> (low, high) per month.

A monthly saving is a sum over the log's calls scaled by `monthly_factor`. Calls of one day
(or one conversation) are not independent, so the interval resamples whole days when the log
spans enough of them, else whole conversations, else single calls (the unit is reported).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.core import schema as S

MIN_DAYS_FOR_DAY_BOOTSTRAP = 7  # fewer days give too few distinct resamples to trust


def resampling_units(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Integer unit id per row and the unit's name ("day" | "conversation" | "call")."""
    days = frame[S.TIMESTAMP].dt.floor("D")
    if days.nunique() >= MIN_DAYS_FOR_DAY_BOOTSTRAP:
        return pd.factorize(days)[0], "day"
    if S.CONVERSATION_ID in frame.columns and frame[S.CONVERSATION_ID].notna().any():
        codes = pd.factorize(frame[S.CONVERSATION_ID], use_na_sentinel=True)[0]
        # Calls without a conversation id stand alone.
        missing = codes < 0
        codes[missing] = codes.max() + 1 + np.arange(int(missing.sum()))
        return codes, "conversation"
    return np.arange(len(frame)), "call"


def bootstrap_monthly_interval(
    values: np.ndarray, units: np.ndarray, monthly_factor: float, *, seed: int, n_boot: int = 1000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of `values.sum() * monthly_factor`, resampling whole units."""
    if len(values) == 0:
        return 0.0, 0.0
    per_unit = np.bincount(units, weights=values)
    k = len(per_unit)
    rng = np.random.default_rng(seed)
    # Chunks keep the (boots x units) index matrix to a few million entries on large logs.
    chunk = max(1, 4_000_000 // k)
    totals = (
        np.concatenate(
            [
                per_unit[rng.integers(0, k, size=(min(chunk, n_boot - i), k))].sum(axis=1)
                for i in range(0, n_boot, chunk)
            ]
        )
        * monthly_factor
    )
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(totals, [tail, 1.0 - tail])
    return float(low), float(high)
