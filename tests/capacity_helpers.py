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
