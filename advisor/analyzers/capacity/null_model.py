"""Calibrated trend and level-shift tests for daily volume with weekly seasonality and AR(1) noise.

Model of the log daily volume z_t: one intercept per weekday (the weekly pattern) + a trend or a
level shift + noise u_t = phi * u_{t-1} + e_t. Day-to-day noise in real traffic is correlated
(a busy day is followed by a busy day), so the ordinary least-squares standard errors are too
small and the textbook t-tests reject far too often (issue #20: 51-76 % at a nominal 5 % on
correlated noise). Size and verdicts of these tests: docs/stability-simulation.md.

The statistics used here (the t of the trend with a self-normalized long-run standard error,
the largest OLS t over all level-shift splits,
the lag-1 autocorrelation r1 of the residuals) do not depend on the weekday intercepts or on the
noise scale, so under "no trend, no shift" their joint distribution depends only on phi and on
the number of days. It is simulated once per length over a grid of phi (-0.3 to 0.9, flat), and
a p-value or a quantile is read from the simulated draws whose r1 is near the observed one
(a Gaussian kernel on r1): the distribution of the statistic given the evidence on phi, with
phi's uncertainty integrated out instead of plugged in. Fixed seed: the same series always gets
the same p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MIN_SEGMENT_DAYS = 7  # a full week on each side of a level shift
PHI_GRID = np.round(np.arange(-0.3, 0.901, 0.05), 2)
DRAWS_PER_PHI = 800
R1_BANDWIDTH = 0.06  # kernel width on r1; narrower is more conditional but noisier
SEED = 20


@dataclass(frozen=True)
class Design:
    """What the tests need of an n-day series: residual maker and regressors, weekday-free."""

    n: int
    resid: np.ndarray  # M = I - X (X'X)^-1 X', X = weekday intercepts (or one intercept)
    trend: np.ndarray  # M t
    steps: np.ndarray  # (K, n): M 1{t >= k} for each admissible split k
    split_at: np.ndarray  # (K,) the k of each row of steps
    k_params: int  # columns of X


def weekday_design(weekday: np.ndarray) -> np.ndarray:
    """One intercept per weekday present when two weeks are in (weekly seasonality), else one intercept."""
    n = len(weekday)
    if n < 14:
        return np.ones((n, 1))
    present = np.unique(weekday)
    return (weekday[:, None] == present[None, :]).astype(np.float64)


def design(n: int, seasonal: bool) -> Design:
    x = weekday_design(np.arange(n) % 7) if seasonal else np.ones((n, 1))
    resid = np.eye(n) - x @ np.linalg.pinv(x)
    t = np.arange(n, dtype=np.float64)
    split_at = np.arange(MIN_SEGMENT_DAYS, n - MIN_SEGMENT_DAYS + 1)
    steps = np.array([resid @ (t >= k).astype(np.float64) for k in split_at]).reshape(len(split_at), n)
    return Design(n=n, resid=resid, trend=resid @ t, steps=steps, split_at=split_at, k_params=x.shape[1])


@dataclass(frozen=True)
class Statistics:
    """Scale-free statistics of one or many series (arrays over series)."""

    slope: np.ndarray  # OLS slope of z on day (weekday intercepts in the model)
    slope_se: np.ndarray  # its OLS standard error
    t_trend: np.ndarray
    r1: np.ndarray  # lag-1 autocorrelation of the trend-model residuals
    t_step: np.ndarray  # largest |t| of a level shift over the admissible splits
    step_coef: np.ndarray  # the shift (log scale) at that split
    step_index: np.ndarray  # index into Design.split_at
    step_beats_line: np.ndarray  # the two-level fit has a smaller SSE than the trend line


def _self_normalized_se(regressor: np.ndarray, resid: np.ndarray, rr: float) -> np.ndarray:
    """Standard error of an OLS coefficient from the partial sums of regressor x residual.

    The Kiefer-Vogelsang-Bunzel (bandwidth = n, Bartlett) long-run variance: it grows with the
    low-frequency part of the noise as the coefficient's own variance does, so the ratio depends
    far less on the autocorrelation than the OLS t (the simulation absorbs the rest).
    """
    partial = np.cumsum(regressor * resid, axis=-1)
    lrv = 2 * np.einsum("...j,...j->...", partial, partial) / resid.shape[-1]
    return np.sqrt(np.maximum(lrv, 1e-300)) / rr


def statistics(z: np.ndarray, d: Design) -> Statistics:
    """Statistics of the rows of z (shape (S, n) or (n,))."""
    z = np.atleast_2d(z)
    mz = z @ d.resid  # M symmetric
    sst = np.einsum("ij,ij->i", mz, mz)
    tt = float(d.trend @ d.trend)
    slope = mz @ d.trend / tt
    e = mz - slope[:, None] * d.trend[None, :]
    sse_line = np.einsum("ij,ij->i", e, e)
    se = _self_normalized_se(d.trend[None, :], e, tt)
    r1 = np.einsum("ij,ij->i", e[:, 1:], e[:, :-1]) / np.maximum(sse_line, 1e-300)
    gg = np.einsum("kj,kj->k", d.steps, d.steps)
    gz = mz @ d.steps.T  # (S, K)
    coef = gz / gg[None, :]
    sse_k = sst[:, None] - gz**2 / gg[None, :]
    dof = d.n - d.k_params - 1
    t_k = np.abs(coef) / np.sqrt(np.maximum(sse_k, 1e-300) / dof / gg[None, :])
    best = np.argmax(t_k, axis=1)
    rows = np.arange(len(z))
    return Statistics(
        slope=slope,
        slope_se=se,
        t_trend=slope / se,
        r1=r1,
        t_step=t_k[rows, best],
        step_coef=coef[rows, best],
        step_index=best,
        step_beats_line=sse_k[rows, best] < sse_line,
    )


@lru_cache(maxsize=32)
def null_draws(n: int, seasonal: bool) -> tuple[Design, Statistics]:
    """The statistics of AR(1) noise with no trend and no shift, over the phi grid (cached per length)."""
    d = design(n, seasonal)
    rng = np.random.default_rng(SEED + n)
    phi = np.repeat(PHI_GRID, DRAWS_PER_PHI)
    e = rng.standard_normal((len(phi), n))
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)  # stationary start
    for i in range(1, n):
        u[:, i] = phi * u[:, i - 1] + e[:, i]
    return d, statistics(u, d)


def _weights(null: Statistics, r1: float) -> np.ndarray:
    w = np.exp(-0.5 * ((null.r1 - r1) / R1_BANDWIDTH) ** 2)
    if w.sum() < 1e-12:  # r1 beyond every draw: the nearest draws decide
        w = (np.abs(null.r1 - r1) <= np.sort(np.abs(null.r1 - r1))[DRAWS_PER_PHI]).astype(np.float64)
    return w / w.sum()


def p_value(null_stat: np.ndarray, observed: float, weights: np.ndarray) -> float:
    """Weighted share of null draws at least as extreme as |observed|."""
    return float(weights[np.abs(null_stat) >= abs(observed)].sum())


def quantile(null_stat: np.ndarray, level: float, weights: np.ndarray) -> float:
    """The weighted `level` quantile of |null_stat|."""
    a = np.abs(null_stat)
    order = np.argsort(a)
    cum = np.cumsum(weights[order])
    return float(a[order][min(np.searchsorted(cum, level), len(a) - 1)])


@dataclass(frozen=True)
class Calibrated:
    """One series' statistics with calibrated p-values and the trend quantile for intervals."""

    stats: Statistics  # of the observed series (arrays of length 1)
    design: Design
    trend_p: float
    step_p: float
    trend_q: float  # |t| quantile for a two-sided (1 - 2 alpha) interval of the slope
    phi_hint: float  # weighted mean phi of the draws near the observed r1 (for the reason text)


def calibrate(z: np.ndarray, seasonal: bool, alpha: float) -> Calibrated:
    d, null = null_draws(len(z), seasonal)
    s = statistics(z, d)
    w = _weights(null, float(s.r1[0]))
    phi = np.repeat(PHI_GRID, DRAWS_PER_PHI)
    return Calibrated(
        stats=s,
        design=d,
        trend_p=p_value(null.t_trend, float(s.t_trend[0]), w),
        step_p=p_value(null.t_step, float(s.t_step[0]), w),
        trend_q=quantile(null.t_trend, 1 - 2 * alpha, w),
        phi_hint=float(w @ phi),
    )
