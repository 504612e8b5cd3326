"""Test helpers for the capacity analyzer: the obvious search the reserved-sizing formula must match."""

from __future__ import annotations

import numpy as np

from advisor.analyzers.capacity.reservation import reservation_cost_usd


def brute_force_reserved_workers(workers: np.ndarray, discount: float, rate_per_bin_usd: float = 1.0) -> int:
    """Every reserved count from 0 to the peak, priced; the cheapest (smallest on ties)."""
    top = int(np.max(workers)) if len(workers) else 0
    costs = [reservation_cost_usd(workers, r, discount, rate_per_bin_usd) for r in range(top + 1)]
    best = min(costs)
    return next(r for r, c in enumerate(costs) if c <= best * (1 + 1e-12) + 1e-12)


def write_daily_log(path, daily: list[int], *, seed: int = 0) -> None:
    """A CSV log of one gpt-4o-mini call per row, `daily[d]` calls on day d following a day-night
    shape (quiet nights, busy days): steady `daily` counts give traffic the stability test calls stable."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    shape = np.r_[np.full(7, 0.2), np.full(12, 1.5), np.full(5, 0.5)]
    start = pd.Timestamp("2026-10-05", tz="UTC")
    seconds = np.concatenate(
        [
            d * 86400 + rng.choice(24, size=n, p=shape / shape.sum()) * 3600 + rng.random(n) * 3600
            for d, n in enumerate(daily)
        ]
    )
    stamps = start + pd.to_timedelta(np.sort(seconds), unit="s")
    n = len(stamps)
    pd.DataFrame(
        {
            "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "model": "gpt-4o-mini",
            "input_tokens": 500,
            "output_tokens": 100,
            "conversation_id": [f"c{i}" for i in range(n)],
        }
    ).to_csv(path, index=False)
