"""Calibrated trend and level-shift tests for daily volume with a weekly pattern and AR(1) noise.

Model of the log daily volume z_t: weekday intercepts (the weekly pattern) + a trend or a level
shift + noise u_t = phi * u_{t-1} + e_t. Day-to-day noise in real traffic is correlated (a busy
day is followed by a busy day), so ordinary least-squares standard errors are too small and the
textbook t-tests reject far too often (issue #20: 51-76 % at a nominal 5 % on correlated noise).
Size and verdicts of these tests: docs/stability-simulation.md.

- Weekly pattern: one intercept per weekday from two weeks on; from 7 to 13 days (too few to
  estimate seven intercepts and a trend) one intercept for Monday-Friday, one for Saturday and one
  for Sunday, placed by the calendar.
- phi is estimated from the lag-1 autocorrelation r1 of the trend model's residuals, after taking
  the known Poisson counting variance (about 1 / count on the log scale) out of their variance, and
  made median-unbiased: r1 is biased towards zero (more so on short series), so phi-hat is the phi
  whose simulated median r1 equals the observed one.
- The trend and level-shift t use the OLS coefficient with its variance under AR(1) noise at
  phi-hat plus the Poisson part (x' R(phi) x / (x'x)^2 with R the AR(1) correlation matrix, the
  AR(1) variance from the residual sum of squares over its expectation at phi-hat).
- The null model: the statistics do not depend on the weekday intercepts or the noise scale, so
  under "no trend, no shift" their distribution depends only on phi and the design. It is
  simulated once per design over a grid of phi, each draw with its own phi-hat as for the observed
  series (fixed seed: the same series always gets the same p-value). Where on that grid a series'
  p-values and interval are read (an upper confidence bound of phi): calibration.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

PHI_GRID = np.round(np.arange(-0.3, 0.901, 0.05), 2)
DRAWS_PER_PHI = 800
SEED = 20
SHORT_PHI = 0.3  # under two weeks phi cannot be estimated (3-6 residual days): calibrated at this phi


def min_segment(n: int) -> int:
    """Days on each side of a level shift: a full week from two weeks on, else three."""
    return 7 if n >= 14 else 3


def weekday_groups(weekdays: np.ndarray) -> tuple[int, ...]:
    """Weekday class of each day (Monday = 0): its own weekday from two weeks on, else weekday/Sat/Sun."""
    w = np.asarray(weekdays, dtype=np.int64)
    if len(w) >= 14:
        return tuple(int(v) for v in w)
    return tuple(int(v) for v in np.where(w < 5, 0, w - 4))


def _lag_products(v: np.ndarray) -> np.ndarray:
    """(K, n) -> (K, n): c[:, 0] = sum v^2, c[:, l] = 2 sum v_i v_{i+l}, so v' R(phi) v = sum_l c_l phi^l."""
    n = v.shape[-1]
    c = np.stack([np.einsum("kj,kj->k", v[:, : n - lag], v[:, lag:]) for lag in range(n)], axis=1)
    c[:, 1:] *= 2
    return c


def _diagonal_sums(m: np.ndarray) -> np.ndarray:
    """tr(M R(phi)) = sum_l d_l phi^l for a symmetric M."""
    n = len(m)
    d = np.array([np.trace(m, offset=lag) for lag in range(n)])
    d[1:] *= 2
    return d


@dataclass(frozen=True)
class Design:
    """What the tests need of an n-day series: residual maker, regressors and their AR(1) polynomials."""

    groups: tuple[int, ...]  # weekday class of each day
    n: int
    resid: np.ndarray  # M = I - X (X'X)^-1 X', X = weekday intercepts
    trend: np.ndarray  # M t
    steps: np.ndarray  # (K, n): M 1{t >= k} for each admissible split k
    split_at: np.ndarray  # (K,) the k of each row of steps
    k_params: int  # columns of X
    trend_poly: np.ndarray  # (n,) lag products of M t
    step_poly: np.ndarray  # (K, n) lag products of each step regressor
    trace_poly: np.ndarray  # (n,) diagonal sums of M


def design(groups: tuple[int, ...]) -> Design:
    g = np.asarray(groups)
    n = len(g)
    present = np.unique(g)
    x = (g[:, None] == present[None, :]).astype(np.float64)
    resid = np.eye(n) - x @ np.linalg.pinv(x)
    t = np.arange(n, dtype=np.float64)
    seg = min_segment(n)
    split_at = np.arange(seg, n - seg + 1)
    steps = np.array([resid @ (t >= k).astype(np.float64) for k in split_at]).reshape(len(split_at), n)
    trend = resid @ t
    return Design(
        groups=groups,
        n=n,
        resid=resid,
        trend=trend,
        steps=steps,
        split_at=split_at,
        k_params=x.shape[1],
        trend_poly=_lag_products(trend[None, :])[0],
        step_poly=_lag_products(steps),
        trace_poly=_diagonal_sums(resid),
    )


@dataclass(frozen=True)
class Statistics:
    """Scale-free statistics of one or many series (arrays over series)."""

    slope: np.ndarray  # OLS slope of z on day (weekday intercepts in the model)
    slope_se: np.ndarray  # its standard error under AR(1) noise at phi-hat
    t_trend: np.ndarray
    r1: np.ndarray  # lag-1 autocorrelation of the trend-model residuals
    phi: np.ndarray  # phi-hat, median-unbiased
    t_step: np.ndarray  # largest |t| of a level shift over the admissible splits
    step_coef: np.ndarray  # the shift (log scale) at that split
    step_index: np.ndarray  # index into Design.split_at
    step_beats_line: np.ndarray  # the two-level fit has a smaller SSE than the trend line
    sse_line: np.ndarray  # residual sum of squares of the trend model
    sampling_var: np.ndarray  # the Poisson part of the variance of z (0 in the null draws)


def slope_se(d: Design, sse_line: np.ndarray, phi: np.ndarray, sampling_var: np.ndarray) -> np.ndarray:
    """Standard error of the OLS slope under AR(1) noise at phi plus white sampling noise.

    Var = (sigma^2 t'M R(phi) M t + sampling_var t'M t) / (t'M t)^2, sigma^2 the AR(1) variance from the
    residual sum of squares over its expectation at phi.
    """
    powers = phi[:, None] ** np.arange(d.n)[None, :]
    tt = float(d.trend @ d.trend)
    g = np.maximum(powers @ d.trend_poly, 1e-12)
    trace = powers @ d.trace_poly
    free = float(np.trace(d.resid))  # tr(M): residual dimensions of the weekday model
    # The AR(1) part keeps at least a quarter of the residual variance, as in _fit: on two weeks the sum of
    # squares less its Poisson part is often near 0 by chance, and an AR(1) variance of 0 is not credible.
    ar = np.maximum(sse_line - sampling_var * (free - 1), 0.25 * sse_line)
    var = ar / np.maximum(trace - g / tt, 1e-12)
    return np.sqrt(np.maximum(var * g + sampling_var * tt, 1e-300)) / tt


def _fit(z: np.ndarray, d: Design, sampling_var: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weekday-free series, slope, trend residuals and the lag-1 autocorrelation of the AR(1) part.

    sampling_var is the known variance of z from Poisson counting (about 1 / count on the log scale):
    it is white noise on top of the AR(1) part and is taken out of the residual variance first.
    """
    mz = z @ d.resid  # M symmetric
    slope = mz @ d.trend / float(d.trend @ d.trend)
    e = mz - slope[:, None] * d.trend[None, :]
    dof = d.n - d.k_params - 1
    gamma0 = np.einsum("ij,ij->i", e, e) / dof
    gamma1 = np.einsum("ij,ij->i", e[:, 1:], e[:, :-1]) / dof
    r1 = gamma1 / np.maximum(np.maximum(gamma0 - sampling_var, 0.25 * gamma0), 1e-300)
    return mz, slope, e, np.clip(r1, -1.0, 1.0)


def statistics(z: np.ndarray, d: Design, sampling_var: np.ndarray | None = None) -> Statistics:
    """Statistics of the rows of z (shape (S, n) or (n,)), with their Poisson sampling variance (default 0)."""
    z = np.atleast_2d(z)
    pv = np.zeros(len(z)) if sampling_var is None else np.broadcast_to(sampling_var, (len(z),))
    mz, slope, e, r1 = _fit(z, d, pv)
    phi = phi_hat(r1, d)
    powers = phi[:, None] ** np.arange(d.n)[None, :]  # (S, n)
    trace = powers @ d.trace_poly
    free = float(np.trace(d.resid))  # tr(M): residual dimensions of the weekday model
    sse_line = np.einsum("ij,ij->i", e, e)
    se = slope_se(d, sse_line, phi, pv)
    gg = np.einsum("kj,kj->k", d.steps, d.steps)
    gz = mz @ d.steps.T  # (S, K)
    coef = gz / gg[None, :]
    sse_k = np.einsum("ij,ij->i", mz, mz)[:, None] - gz**2 / gg[None, :]
    g_step = np.maximum(powers @ d.step_poly.T, 1e-12)  # (S, K)
    ar_k = np.maximum(sse_k - pv[:, None] * (free - 1), 0.25 * np.maximum(sse_k, 0.0))
    var_k = ar_k / np.maximum(trace[:, None] - g_step / gg[None, :], 1e-12)
    t_k = np.abs(coef) * gg[None, :] / np.sqrt(np.maximum(var_k * g_step + pv[:, None] * gg[None, :], 1e-300))
    best = np.argmax(t_k, axis=1)
    rows = np.arange(len(z))
    return Statistics(
        slope=slope,
        slope_se=se,
        t_trend=slope / se,
        r1=r1,
        phi=phi,
        t_step=t_k[rows, best],
        step_coef=coef[rows, best],
        step_index=best,
        step_beats_line=sse_k[rows, best] < sse_line,
        sse_line=sse_line,
        sampling_var=pv,
    )


def _ar1(n: int, seed: int) -> np.ndarray:
    """AR(1) noise with unit innovations, DRAWS_PER_PHI series per grid phi, stationary start."""
    rng = np.random.default_rng(seed)
    phi = np.repeat(PHI_GRID, DRAWS_PER_PHI)
    e = rng.standard_normal((len(phi), n))
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        u[:, i] = phi * u[:, i - 1] + e[:, i]
    return u


@lru_cache(maxsize=64)
def _median_r1(groups: tuple[int, ...]) -> np.ndarray:
    """Median r1 of the trend residuals at each grid phi, made increasing (for inversion)."""
    d = design(groups)
    r1 = _fit(_ar1(d.n, SEED + d.n), d, np.zeros(len(PHI_GRID) * DRAWS_PER_PHI))[3].reshape(
        len(PHI_GRID), DRAWS_PER_PHI
    )
    med = np.maximum.accumulate(np.median(r1, axis=1))
    return med + np.arange(len(med)) * 1e-9


def phi_hat(r1: np.ndarray, d: Design) -> np.ndarray:
    """Median-unbiased phi: the grid phi whose median r1 is the observed r1 (clipped to the grid)."""
    return np.interp(r1, _median_r1(d.groups), PHI_GRID)


def _bracket(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the grid phi at or below each phi, and the weight of the one above."""
    i = np.clip(np.searchsorted(PHI_GRID, phi, side="right") - 1, 0, len(PHI_GRID) - 2)
    w = np.clip((phi - PHI_GRID[i]) / (PHI_GRID[i + 1] - PHI_GRID[i]), 0.0, 1.0)
    return i, w


def _rows(values: np.ndarray) -> np.ndarray:
    """Null draws of a statistic, one sorted row per grid phi."""
    return np.sort(values.reshape(len(PHI_GRID), DRAWS_PER_PHI), axis=1)


def _interpolate(per_row: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """per_row (G, S): a value per grid phi for each of S series -> the value at each series' own phi."""
    i, w = _bracket(phi)
    cols = np.arange(per_row.shape[1])
    return (1 - w) * per_row[i, cols] + w * per_row[i + 1, cols]


def plugin_p(rows: np.ndarray, stat: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Share of the null draws at phi-hat with |t| at least |stat| (the parametric bootstrap p-value)."""
    a = np.abs(stat)
    beyond = np.stack([1.0 - np.searchsorted(r, a, side="left") / len(r) for r in rows])
    return _interpolate(beyond, phi)


@dataclass(frozen=True)
class NullModel:
    """Null draws of one design: sorted |t| per grid phi, and the phi-hat quantile for the upper bound."""

    design: Design
    trend_rows: np.ndarray  # (G, D) sorted |t_trend|
    step_rows: np.ndarray  # (G, D) sorted |t_step|
    phi_rows: np.ndarray  # (G, D) sorted phi-hat
    draws: Statistics  # of every draw, grid phi by grid phi (DRAWS_PER_PHI each)


@lru_cache(maxsize=64)
def null_model(groups: tuple[int, ...]) -> NullModel:
    """AR(1) noise with no trend and no shift over the phi grid and its statistics (cached per design)."""
    d = design(groups)
    s = statistics(_ar1(d.n, SEED + d.n), d)
    return NullModel(
        design=d, trend_rows=_rows(np.abs(s.t_trend)), step_rows=_rows(s.t_step), phi_rows=_rows(s.phi), draws=s
    )


def phi_upper(null: NullModel, phi: np.ndarray, level: float) -> np.ndarray:
    """One-sided upper `level` confidence bound of phi: the largest phi (interpolated on the grid) at which
    phi-hat falls this low in at least 1 - level of the draws. Under two weeks phi cannot be estimated:
    SHORT_PHI.

    phi-hat is clipped to the grid, so its low quantile is flat at the grid's bottom over a range of
    phi: the bound is the top of that range, not its bottom.
    """
    if null.design.n < 14:
        return np.full(len(phi), SHORT_PHI)
    low = np.maximum.accumulate(np.quantile(null.phi_rows, 1 - level, axis=1))
    i = np.searchsorted(low, phi + 1e-12, side="right") - 1  # the largest grid phi with low <= phi-hat
    top = len(PHI_GRID) - 1
    j = np.clip(i, 0, top - 1)
    step = np.maximum(low[j + 1] - low[j], 1e-12)
    frac = np.where(i >= top, 1.0, np.clip((phi - low[j]) / step, 0.0, 1.0))
    return np.where(i < 0, PHI_GRID[0], PHI_GRID[j] + frac * (PHI_GRID[j + 1] - PHI_GRID[j]))
