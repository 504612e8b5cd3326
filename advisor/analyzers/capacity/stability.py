"""Traffic stability: daily call counts -> Stability (verdict, reason, the statistics behind it).

Reserving capacity for a year only pays if today's level is the level to come. Before any
reservation advice the capacity analyzer asks of the look-back window, with the weekly pattern
removed: is the daily volume level, and can the log show it?

- Model: log daily volume = one intercept per weekday + trend (or level shift) + AR(1) noise +
  Poisson counting noise (one intercept per weekday from two weeks on, weekdays / Saturday /
  Sunday from 7 to 13 days; null_model.py, calibration.py and trend_interval.py for how the tests
  and the interval are calibrated for correlated day-to-day noise).
- "stable" is an equivalence claim: the (1 - 2 alpha) interval of the trend lies inside
  +/- `max_weekly_change` per week (two one-sided tests at level alpha), no level shift of
  `min_step_change` or more is significant, and the deseasonalized daily CV is at most
  `max_daily_cv`.
- "unstable": a significant level shift of `min_step_change` or more, a significant trend
  estimated beyond the margin, or too volatile.
- "undetermined": neither shown, a short or noisy log (under two weeks, or `min_days`, never
  "stable": the tests run from 7 days on and can show a trend or shift, not a level). The reason
  says "not enough days to tell" and how many more days would decide it if the trend estimate and
  noise hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers.capacity.calibration import Calibrated, calibrate
from advisor.analyzers.capacity.trend_interval import TrendInterval, trend_interval

MIN_MODEL_DAYS = 7  # one of each weekday: the tests run (weekdays / Saturday / Sunday model)
MIN_STABLE_DAYS = 14  # two of each weekday: fewer cannot show a level
MAX_WAIT_DAYS = 90  # beyond this the answer is "the noise hides a trend near the margin"


@dataclass(frozen=True)
class StabilityRules:
    """Thresholds of the verdict (set under [capacity], see CapacitySettings)."""

    min_days: int = 14  # full days needed; also the calm stretch wanted after a change
    max_weekly_change: float = 0.04  # equivalence margin: a trend inside +/- this per week counts as level
    min_step_change: float = 0.15  # a level shift smaller than this is noise for sizing
    max_daily_cv: float = 0.25  # deseasonalized daily volume more variable than this: too volatile
    alpha: float = 0.05  # level of the trend and shift tests (the interval is 1 - 2 alpha)


@dataclass(frozen=True)
class Stability:
    verdict: str  # "stable" | "unstable" | "undetermined"
    reason: str
    wait_days: int  # further days of log that would decide (0 when stable)
    n_days: int
    first_day: str | None
    last_day: str | None
    weekly_change: float | None  # trend, relative change per week
    weekly_change_interval: tuple[float, float] | None  # (1 - 2 alpha) interval
    trend_p_value: float | None  # calibrated for AR(1) noise
    week_over_week_change: float | None  # last 7 days vs the 7 before
    daily_cv: float | None
    step_change: float | None  # best level shift, relative (after / before - 1)
    step_day: str | None  # first day at the new level
    step_p_value: float | None  # calibrated over all splits and for AR(1) noise
    seasonality_removed: bool
    noise_autocorrelation: float | None = None  # phi-hat: day-to-day lag-1 autocorrelation, median-unbiased

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


def _short(counts: pd.Series, rules: StabilityRules) -> Stability:
    n = len(counts)
    need = max(rules.min_days, MIN_STABLE_DAYS)
    return Stability(
        verdict="undetermined",
        wait_days=need - n,
        n_days=n,
        first_day=str(counts.index[0].date()) if n else None,
        last_day=str(counts.index[-1].date()) if n else None,
        reason=(
            f"not enough days to tell: the log holds {n} full days; {need} are needed to tell a trend from the "
            f"weekly pattern. Rerun in {need - n} days with a longer log before reserving capacity."
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


def assess_stability(counts: pd.Series, rules: StabilityRules) -> Stability:
    """The verdict on a series of daily call counts indexed by day (see the module docstring)."""
    if len(counts) < MIN_MODEL_DAYS:
        return _short(counts, rules)
    y = counts.to_numpy(dtype=np.float64)
    z = np.log1p(y)
    weekdays = pd.DatetimeIndex(counts.index).day_of_week.to_numpy()
    # Poisson counting noise on the log scale: variance about 1 / count, known, taken out of phi's estimate.
    cal = calibrate(z, weekdays, rules.alpha, sampling_var=float(np.mean(1.0 / (y + 0.5))))
    ci = trend_interval(cal, rules.alpha)
    return _verdict(_fields(counts, y, z, cal, ci), cal, ci, rules)


def _fields(counts: pd.Series, y: np.ndarray, z: np.ndarray, cal: Calibrated, ci: TrendInterval) -> dict[str, Any]:
    """Stability's statistics of a long enough series."""
    s, d = cal.stats, cal.design
    index = pd.DatetimeIndex(counts.index)
    slope, half = float(s.slope[0]), ci.half_width
    # Weekly pattern removed: z minus its weekday means, back on the count scale around the mean level.
    level = np.expm1(z.mean() + d.resid @ z)
    k = int(d.split_at[int(s.step_index[0])])
    prev = y[-14:-7].sum()
    return {
        "n_days": len(y),
        "first_day": str(index[0].date()),
        "last_day": str(index[-1].date()),
        "weekly_change": math.expm1(7 * slope),
        "weekly_change_interval": (math.expm1(7 * (slope - half)), math.expm1(7 * (slope + half))),
        "trend_p_value": cal.trend_p,
        "week_over_week_change": float(y[-7:].sum() / prev - 1) if prev > 0 else None,
        "daily_cv": float(level.std(ddof=1) / level.mean()) if level.mean() > 0 else float("inf"),
        "step_change": math.expm1(float(s.step_coef[0])),
        "step_day": str(index[k].date()),
        "step_p_value": cal.step_p,
        "seasonality_removed": True,
        "noise_autocorrelation": cal.phi_hint,
    }


def days_to_decide(cal: Calibrated, ci: TrendInterval, margin: float) -> int:
    """Further days after which the interval would clear the margin, if the slope and noise hold.

    The slope's standard error shrinks with the spread of the days, sum (t - mean)^2 = n (n^2 - 1) / 12.
    """
    n = cal.design.n
    slope, se = abs(float(cal.stats.slope[0])), ci.se
    room = abs(math.log1p(margin) / 7 - slope)
    spread = n * (n * n - 1) / 12
    for extra in range(1, MAX_WAIT_DAYS + 1):
        m = n + extra
        if ci.z * se * math.sqrt(spread / (m * (m * m - 1) / 12)) < room:
            return extra
    return MAX_WAIT_DAYS


def _verdict(c: dict[str, Any], cal: Calibrated, ci: TrendInterval, rules: StabilityRules) -> Stability:
    n, weekly, (lo, hi), cv = c["n_days"], c["weekly_change"], c["weekly_change_interval"], c["daily_cv"]
    step, step_day, step_p, trend_p = c["step_change"], c["step_day"], c["step_p_value"], c["trend_p_value"]
    x = rules.max_weekly_change
    trend = (
        f"trend {weekly:+.1%} per week ({1 - 2 * rules.alpha:.0%} interval {lo:+.1%} to {hi:+.1%}, {_p(trend_p)}, "
        f"day-to-day autocorrelation {c['noise_autocorrelation']:+.2f})"
    )
    step_days = n - int(cal.design.split_at[int(cal.stats.step_index[0])])
    if bool(cal.stats.step_beats_line[0]) and abs(step) >= rules.min_step_change and step_p < rules.alpha:
        wait = max(rules.min_days - step_days, 0)
        then = (
            f"rerun in {wait} days, when {rules.min_days} days at the new level are in the log"
            if wait
            else f"rerun with the log cut to calls from {step_day} on"
        )
        reason = (
            f"daily volume shifted by {step:+.0%} around {step_day} ({_p(step_p)}, calibrated over every split day); "
            f"reserving on a mix of the old and new level would mis-size it: {then}."
        )
        return Stability(verdict="unstable", wait_days=wait, reason=reason, **c)
    if lo > x or hi < -x or (trend_p < rules.alpha and abs(weekly) >= x):
        reason = (
            f"daily volume is trending beyond {x:.0%} per week: {trend}, with the weekly pattern removed: rerun in "
            f"{rules.min_days} days to see whether it levels off before reserving."
        )
        return Stability(verdict="unstable", wait_days=rules.min_days, reason=reason, **c)
    if cv > rules.max_daily_cv:
        reason = (
            f"daily volume varies too much (coefficient of variation {cv:.0%} after removing the weekly pattern, "
            f"limit {rules.max_daily_cv:.0%}): rerun in {rules.min_days} days."
        )
        return Stability(verdict="unstable", wait_days=rules.min_days, reason=reason, **c)
    need = max(rules.min_days, MIN_STABLE_DAYS)
    if -x <= lo and hi <= x and n >= need:
        reason = (
            f"over {n} days the level holds: {trend} lies within +/-{x:.0%} per week, no level shift of "
            f"{rules.min_step_change:.0%} or more, daily coefficient of variation {cv:.0%}."
        )
        return Stability(verdict="stable", wait_days=0, reason=reason, **c)
    if n < need:
        wait = max(need - n, days_to_decide(cal, ci, x))
        reason = (
            f"not enough days to tell: the log holds {n} full days; {need} are needed before a level can be "
            f"claimed ({trend}, no significant trend or level shift). Rerun in {wait} days with a longer log "
            "before reserving capacity."
        )
        return Stability(verdict="undetermined", wait_days=wait, reason=reason, **c)
    wait = days_to_decide(cal, ci, x)
    more = (
        f"about {wait} more days would decide it if the trend and noise hold"
        if wait < MAX_WAIT_DAYS
        else (f"the trend sits so close to the margin that even {MAX_WAIT_DAYS} more days may not decide it")
    )
    reason = (
        f"not enough days to tell: over {n} days the {trend} neither stays within nor clears +/-{x:.0%} "
        f"per week; {more}. Rerun then before reserving."
    )
    return Stability(verdict="undetermined", wait_days=wait, reason=reason, **c)
