"""Traffic stability: daily call counts -> Stability (verdict, reason, the statistics behind it).

Reserving capacity for a year only pays if today's level is the level to come. Before any
reservation advice the capacity analyzer asks: over the look-back window, with the weekly
pattern removed, is the daily volume level (no significant trend worth more than a few per
cent a week, no level shift) and calm (a small coefficient of variation)?

- Weekly seasonality: one intercept per weekday, fitted jointly with the trend or shift
  (needs two full weeks).
- Trend: least-squares slope of deseasonalized log-volume on day, with a t-based 95 % CI,
  expressed as change per week; and a Mann-Kendall test (Kendall's tau against time).
- Level shift: the best single split of the series into two means; it counts when it fits
  better than the straight line, moves the level by at least `min_step_change` and the t-test
  of the shift (fitted jointly with the weekday pattern) is significant.
- Volatility: coefficient of variation of deseasonalized daily volume.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

MIN_SEGMENT_DAYS = 7  # a full week on each side: weekdays balance and one bad day cannot fake a shift


@dataclass(frozen=True)
class StabilityRules:
    """Thresholds of the verdict (set under [capacity], see CapacitySettings)."""

    min_days: int = 14  # full days needed; also the calm stretch wanted after a change
    max_weekly_change: float = 0.03  # a significant trend smaller than this still counts as level
    min_step_change: float = 0.15  # a level shift smaller than this is noise for sizing
    max_daily_cv: float = 0.25  # deseasonalized daily volume more variable than this: too volatile
    alpha: float = 0.05  # significance level of the trend and shift tests


@dataclass(frozen=True)
class Stability:
    verdict: str  # "stable" | "unstable"
    reason: str
    wait_days: int  # rerun advice when unstable (0 when stable)
    n_days: int
    first_day: str | None
    last_day: str | None
    weekly_change: float | None  # trend, relative change per week
    weekly_change_interval: tuple[float, float] | None
    trend_p_value: float | None  # Mann-Kendall
    week_over_week_change: float | None  # last 7 days vs the 7 before
    daily_cv: float | None
    step_change: float | None  # best level shift, relative (after / before - 1)
    step_day: str | None  # first day at the new level
    step_p_value: float | None
    seasonality_removed: bool

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if self.weekly_change_interval is not None:
            d["weekly_change_interval"] = list(self.weekly_change_interval)
        return d


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.2g}"


def daily_counts(timestamps: pd.Series) -> pd.Series:
    """Calls per calendar day (UTC), leaving out a first or last day the log covers less than half of."""
    if len(timestamps) == 0:
        return pd.Series(dtype=np.int64)
    days = timestamps.dt.floor("D")
    counts = days.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    counts = counts.reindex(full, fill_value=0)
    lo, hi = timestamps.min(), timestamps.max()
    one = pd.Timedelta(days=1)
    covered = [(min(hi, d + one) - max(lo, d)) / one for d in counts.index]
    keep = np.ones(len(counts), dtype=bool)
    if covered and covered[0] < 0.5:
        keep[0] = False
    if len(covered) > 1 and covered[-1] < 0.5:
        keep[-1] = False
    return counts[keep].astype(np.int64)


def _weekday_design(weekday: np.ndarray, n: int) -> np.ndarray:
    """One intercept per weekday present when two weeks are in (weekly seasonality), else one intercept."""
    if n < 14:
        return np.ones((n, 1))
    present = np.unique(weekday)
    return (weekday[:, None] == present[None, :]).astype(np.float64)


def _fit(z: np.ndarray, base: np.ndarray, regressor: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """Least squares of z on [base, regressor]: (coefficient, its standard error, SSE, base part of the fit).

    Fitting the weekday intercepts jointly with the trend or step keeps an unbalanced split
    (a shift mid-week) from leaking into the weekday pattern and back.
    """
    x = np.column_stack([base, regressor])
    coef, *_ = np.linalg.lstsq(x, z, rcond=None)
    resid = z - x @ coef
    sse = float(resid @ resid)
    dof = len(z) - x.shape[1]
    cov = np.linalg.pinv(x.T @ x) * (sse / dof if dof > 0 else np.inf)
    return float(coef[-1]), float(np.sqrt(max(cov[-1, -1], 0.0))), sse, base @ coef[:-1]


def _best_step(z: np.ndarray, base: np.ndarray) -> tuple[int, float, float, float]:
    """(split index, step coefficient, its standard error, SSE) of the best weekday + two-level fit."""
    n = len(z)
    best = (0, 0.0, np.inf, np.inf)
    for k in range(MIN_SEGMENT_DAYS, n - MIN_SEGMENT_DAYS + 1):
        coef, se, sse, _ = _fit(z, base, (np.arange(n) >= k).astype(np.float64))
        if sse < best[3]:
            best = (k, coef, se, sse)
    return best


def assess_stability(counts: pd.Series, rules: StabilityRules) -> Stability:
    """The verdict on a series of daily call counts indexed by day (see the module docstring)."""
    n = len(counts)
    if n < rules.min_days:
        return Stability(
            verdict="unstable",
            wait_days=rules.min_days - n,
            n_days=n,
            first_day=str(counts.index[0].date()) if n else None,
            last_day=str(counts.index[-1].date()) if n else None,
            reason=(
                f"the log holds {n} full days; {rules.min_days} are needed to tell a trend from the weekly "
                f"pattern. Rerun in {rules.min_days - n} days with a longer log before reserving capacity."
            ),
            weekly_change=None,
            weekly_change_interval=None,
            trend_p_value=None,
            week_over_week_change=None,
            daily_cv=None,
            step_change=None,
            step_day=None,
            step_p_value=None,
            seasonality_removed=False,
        )
    return _verdict(_measure(counts), rules)


@dataclass(frozen=True)
class _Measures:
    """The statistics of a long enough series: Stability's fields, plus what the tests need."""

    n_days: int
    first_day: str
    last_day: str
    weekly_change: float
    weekly_change_interval: tuple[float, float]
    trend_p_value: float
    week_over_week_change: float | None
    daily_cv: float
    step_change: float
    step_day: str
    step_p_value: float
    seasonality_removed: bool
    slope_interval: tuple[float, float]  # 95 % CI of the log-volume slope per day
    step_days: int  # days at the new level after the best split
    step_fits_better: bool  # the two-level fit beats the straight line

    def stability_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(Stability) if hasattr(self, f.name)}


def _measure(counts: pd.Series) -> _Measures:
    from scipy import stats

    n = len(counts)
    index = pd.DatetimeIndex(counts.index)
    y = counts.to_numpy(dtype=np.float64)
    z = np.log1p(y)
    base = _weekday_design(index.day_of_week.to_numpy(), n)
    seasonal = base.shape[1] > 1
    t = np.arange(n, dtype=np.float64)
    slope, se, sse_line, week_part = _fit(z, base, t)
    dof = n - base.shape[1] - 1
    half = float(stats.t.ppf(0.975, dof) * se) if dof > 0 else np.inf
    lo, hi = slope - half, slope + half
    # Weekly pattern removed: the weekday intercepts minus their mean.
    z_adj = z - (week_part - week_part.mean()) if seasonal else z
    level = np.expm1(z_adj)
    k, step_coef, step_se, sse_step = _best_step(z, base)
    return _Measures(
        n_days=n,
        first_day=str(index[0].date()),
        last_day=str(index[-1].date()),
        weekly_change=float(np.exp(7 * slope) - 1),
        weekly_change_interval=(float(np.exp(7 * lo) - 1), float(np.exp(7 * hi) - 1)),
        trend_p_value=float(stats.kendalltau(t, z_adj).pvalue),
        week_over_week_change=float(y[-7:].sum() / y[-14:-7].sum() - 1) if y[-14:-7].sum() > 0 else None,
        daily_cv=float(level.std(ddof=1) / level.mean()) if level.mean() > 0 else float("inf"),
        step_change=float(np.exp(step_coef) - 1),
        step_day=str(index[k].date()),
        step_p_value=float(2 * stats.t.sf(abs(step_coef) / step_se, dof)) if step_se > 0 and dof > 0 else 0.0,
        seasonality_removed=seasonal,
        slope_interval=(lo, hi),
        step_days=n - k,
        step_fits_better=sse_step < sse_line,
    )


def _verdict(m: _Measures, rules: StabilityRules) -> Stability:
    c = m.stability_fields()
    n, weekly, interval, tau_p, cv = m.n_days, m.weekly_change, m.weekly_change_interval, m.trend_p_value, m.daily_cv
    step, step_day, step_p = m.step_change, m.step_day, m.step_p_value
    lo, hi = m.slope_interval
    # Either test may carry the trend: Kendall is robust to odd days, the slope CI uses their size.
    trend_hit = (tau_p < rules.alpha or lo > 0 or hi < 0) and abs(weekly) >= rules.max_weekly_change
    step_hit = m.step_fits_better and abs(step) >= rules.min_step_change and step_p < rules.alpha
    if step_hit:
        wait = max(rules.min_days - m.step_days, 0)
        then = (
            f"rerun in {wait} days, when {rules.min_days} days at the new level are in the log"
            if wait
            else f"rerun with the log cut to calls from {step_day} on"
        )
        return Stability(
            verdict="unstable",
            wait_days=wait,
            **c,
            reason=(
                f"daily volume shifted by {step:+.0%} around {step_day} (t-test {_p(step_p)}); reserving on a mix of "
                f"the old and new level would mis-size it: {then}."
            ),
        )
    if trend_hit:
        return Stability(
            verdict="unstable",
            wait_days=rules.min_days,
            **c,
            reason=(
                f"daily volume is trending {weekly:+.1%} per week (95 % CI {interval[0]:+.1%} to {interval[1]:+.1%}, "
                f"Mann-Kendall {_p(tau_p)}) with the weekly pattern removed: rerun in {rules.min_days} days to see "
                "whether it levels off before reserving."
            ),
        )
    if cv > rules.max_daily_cv:
        return Stability(
            verdict="unstable",
            wait_days=rules.min_days,
            **c,
            reason=(
                f"daily volume varies too much (coefficient of variation {cv:.0%} after removing the weekly pattern, "
                f"limit {rules.max_daily_cv:.0%}): rerun in {rules.min_days} days."
            ),
        )
    return Stability(
        verdict="stable",
        wait_days=0,
        **c,
        reason=(
            f"over {n} days the level holds: trend {weekly:+.1%} per week (95 % CI {interval[0]:+.1%} to "
            f"{interval[1]:+.1%}, Mann-Kendall {_p(tau_p)}), no level shift of {rules.min_step_change:.0%} or more, "
            f"daily coefficient of variation {cv:.0%}."
        ),
    )
