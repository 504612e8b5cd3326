"""The (1 - 2 alpha) interval of the daily-volume trend, which the "stable" equivalence claim rests on.

slope +/- t(1 - alpha, n - k - 2) * se(phi_u): the OLS slope's standard error (null_model.slope_se) at an upper
confidence bound phi_u of the day-to-day autocorrelation rather than at its estimate. The estimate
is noisy on a few weeks of days and an interval at it covers too rarely when phi is underestimated;
a bound too high makes the interval needlessly wide and flat traffic is never called stable. The
bound's level is chosen per design on the null draws as for the tests (calibration.py): the lowest
level whose interval covers the true slope in at least 1 - 2 alpha of the draws (less one Monte
Carlo standard error) at every covered grid phi. Coverage on simulated traffic:
docs/stability-simulation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import t as student_t

from advisor.analyzers.capacity.calibration import Calibrated, lowest_level
from advisor.analyzers.capacity.null_model import Design, null_model, phi_upper, slope_se


@dataclass(frozen=True)
class TrendInterval:
    half_width: float  # of the log-scale daily slope
    se: float  # the slope's standard error at phi_u
    z: float  # the Student t quantile
    phi_u: float  # the upper bound of phi the standard error is taken at
    level: float  # that bound's confidence level


def quantile(d: Design, alpha: float) -> float:
    """Student t quantile on the residual days of the trend model less one for phi: the noise variance is
    estimated from few days (6 - 1 on two weeks), and a normal quantile would ignore that."""
    return float(student_t.ppf(1 - alpha, max(d.n - d.k_params - 2, 1)))


@lru_cache(maxsize=128)
def bound_level(groups: tuple[int, ...], alpha: float) -> float:
    """The lowest bound level whose interval covers 1 - 2 alpha at every covered phi (null draws)."""
    null = null_model(groups)
    s = null.draws
    z = quantile(null.design, alpha)

    def miss(level: float) -> np.ndarray:
        return np.abs(s.slope) > z * slope_se(null.design, s.sse_line, phi_upper(null, s.phi, level), s.sampling_var)

    return lowest_level(miss, 2 * alpha)


def trend_interval(cal: Calibrated, alpha: float) -> TrendInterval:
    """The interval of one calibrated series."""
    d, s = cal.design, cal.stats
    level = bound_level(d.groups, alpha)
    phi_u = phi_upper(null_model(d.groups), s.phi, level)
    se = float(slope_se(d, s.sse_line, phi_u, s.sampling_var)[0])
    z = quantile(d, alpha)
    return TrendInterval(half_width=z * se, se=se, z=z, phi_u=float(phi_u[0]), level=level)
