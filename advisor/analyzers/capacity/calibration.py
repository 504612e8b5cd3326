"""Where on the null model's phi grid a series' trend and level-shift p-values are read.

Read at phi-hat (a plug-in parametric bootstrap), the tests reject too often: a t whose standard
error uses an estimated phi has heavy tails exactly when phi is underestimated (on the null draws
of two weeks 6-13 % at a nominal 5 % for phi 0-0.6). They are read instead at a one-sided upper
confidence bound of phi, at the lowest level in LEVELS whose test keeps its size (at most alpha
plus one Monte Carlo standard error) at every grid phi in PHI_COVERED on the null draws. Two weeks
say almost nothing about phi (its estimate falls at the grid's bottom in a tenth of the draws up to
phi 0.7), so there the bound is high and the tests are conservative when phi is small; from three
weeks the level drops and the size evens out. Under two weeks phi cannot be estimated at all
(3-6 residual days): the tests are read at SHORT_PHI. Size on simulated traffic:
docs/stability-simulation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from advisor.analyzers.capacity.null_model import (
    DRAWS_PER_PHI,
    PHI_GRID,
    Design,
    Statistics,
    null_model,
    phi_upper,
    plugin_p,
    statistics,
    weekday_groups,
)

LEVELS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
PHI_COVERED = (0.0, 0.6)  # the day-to-day autocorrelation the size is checked over (issue #20)


def covered(phi: np.ndarray) -> np.ndarray:
    return (phi >= PHI_COVERED[0] - 1e-9) & (phi <= PHI_COVERED[1] + 1e-9)


def lowest_level(miss_at: Callable[[float], np.ndarray], nominal: float) -> float:
    """The lowest level in LEVELS at which the share of null draws where miss_at(level) holds is at most
    nominal at every covered grid phi, up to Monte Carlo error.

    The share moves smoothly with phi, so it is averaged over each grid phi and its two neighbours
    (2,400 draws) and allowed one Monte Carlo standard error of that average; the largest of 13 raw
    shares of 800 draws would overshoot by chance and pick needlessly conservative levels.
    """
    phi = np.repeat(PHI_GRID, DRAWS_PER_PHI)
    grid = PHI_GRID[covered(PHI_GRID)]
    allowed = nominal + np.sqrt(nominal * (1 - nominal) / (3 * DRAWS_PER_PHI))
    for level in LEVELS:
        miss = miss_at(level)
        rates = np.array([float(miss[phi == p].mean()) for p in grid])
        smooth = np.convolve(np.pad(rates, 1, mode="edge"), np.ones(3) / 3, mode="valid")
        if smooth.max() <= allowed:
            return level
    return LEVELS[-1]


@lru_cache(maxsize=128)
def test_levels(groups: tuple[int, ...], alpha: float) -> tuple[float, float]:
    """Bound levels of the trend and the level-shift test for one design."""
    null = null_model(groups)
    s = null.draws

    def trend_miss(level: float) -> np.ndarray:
        return plugin_p(null.trend_rows, s.t_trend, phi_upper(null, s.phi, level)) < alpha

    def step_miss(level: float) -> np.ndarray:
        return plugin_p(null.step_rows, s.t_step, phi_upper(null, s.phi, level)) < alpha

    return lowest_level(trend_miss, alpha), lowest_level(step_miss, alpha)


@dataclass(frozen=True)
class Calibrated:
    """One series' statistics with calibrated p-values (the trend's interval: trend_interval.py)."""

    stats: Statistics  # of the observed series (arrays of length 1)
    design: Design
    trend_p: float
    step_p: float
    phi_hint: float  # phi-hat
    phi_calibrated: float  # the upper bound of phi the trend test is read at


def calibrate(z: np.ndarray, weekdays: np.ndarray, alpha: float, sampling_var: float = 0.0) -> Calibrated:
    """The tests of the series z (log daily volume) whose days fall on `weekdays` (Monday = 0)."""
    groups = weekday_groups(weekdays)
    null = null_model(groups)
    s = statistics(z, null.design, np.array([sampling_var]))
    trend_level, step_level = test_levels(groups, alpha)
    upper_trend = phi_upper(null, s.phi, trend_level)
    return Calibrated(
        stats=s,
        design=null.design,
        trend_p=float(plugin_p(null.trend_rows, s.t_trend, upper_trend)[0]),
        step_p=float(plugin_p(null.step_rows, s.t_step, phi_upper(null, s.phi, step_level))[0]),
        phi_hint=float(s.phi[0]),
        phi_calibrated=float(upper_trend[0]),
    )
