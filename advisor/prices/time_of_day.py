"""Prices that change with the time of day: genai-prices' time-of-day constraints -> DayPeriods,
and per-call rates from each call's UTC time.

DeepSeek, for one, bills less from 16:30 to 00:30 UTC. Looking prices up at one instant
(midnight UTC of the as-of date) priced every call at the off-peak rate; instead the day is
cut at every boundary the price data names, each period is priced by genai-prices itself at
its start, and each call gets the rates of the period its timestamp falls in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from advisor.prices.types import DayPeriod

SECONDS_PER_DAY = 86_400


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _rate(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else float(value.base)


def day_periods(info: Any, day: date) -> tuple[DayPeriod, ...]:
    """The model's rates by UTC time of day on `day`, or () when they do not change in a day."""
    prices = info.prices if isinstance(info.prices, list) else []
    bounds = {0}
    for conditional in prices:
        c = getattr(conditional, "constraint", None)
        if c is not None and hasattr(c, "start_time") and hasattr(c, "end_time"):
            bounds.update((_seconds(c.start_time) % SECONDS_PER_DAY, _seconds(c.end_time) % SECONDS_PER_DAY))
    if len(bounds) == 1:
        return ()
    periods: list[DayPeriod] = []
    for start in sorted(bounds):
        at = datetime.combine(day, time(start // 3600, start % 3600 // 60, start % 60), tzinfo=UTC)
        p = info.get_prices(at)
        inp, out = _rate(p.input_mtok), _rate(p.output_mtok)
        if inp is None or out is None:
            return ()
        cached = _rate(p.cache_read_mtok)
        period = DayPeriod(start, inp, out, inp if cached is None else cached)
        if periods and (periods[-1].input_per_mtok_usd, periods[-1].output_per_mtok_usd) == (inp, out):
            continue
        periods.append(period)
    return tuple(periods) if len(periods) > 1 else ()


def standard_instant(periods: tuple[DayPeriod, ...], day: date) -> datetime:
    """The start of the longest period on `day`: when the standard (most-hours) price applies."""
    ends = [p.start_second for p in periods[1:]] + [SECONDS_PER_DAY + periods[0].start_second]
    lengths = [e - p.start_second for p, e in zip(periods, ends)]
    # The last period runs on into the first one of the next day when they price alike.
    start = periods[int(np.argmax(lengths))].start_second
    return datetime.combine(day, time(start // 3600, start % 3600 // 60, start % 60), tzinfo=UTC)


def seconds_of_day(at: Any, n: int) -> np.ndarray:
    """Seconds after midnight UTC of each timestamp (a datetime Series or array)."""
    stamps = pd.to_datetime(pd.Series(np.broadcast_to(np.asarray(at), (n,))), utc=True)
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return (ns // 1_000_000_000) % SECONDS_PER_DAY


def apply_day_periods(per_row: np.ndarray, codes: np.ndarray, timed: list, at: Any) -> None:
    """Overwrite the per-row rates (input, output, cached, batch input, batch output) of the
    rows of each timed (model, provider) group with the rates of their time of day."""
    seconds = seconds_of_day(at, per_row.shape[1])
    for g, periods in timed:
        rows = np.flatnonzero(codes == g)
        if not len(rows):
            continue
        starts = np.array([p.start_second for p in periods])
        table = np.array([[p.input_per_mtok_usd, p.output_per_mtok_usd, p.cached_input_per_mtok_usd] for p in periods])
        which = np.searchsorted(starts, seconds[rows], side="right") - 1  # -1: before the first = the last period
        new = table[which].T  # 3 x rows
        base = per_row[:, rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            in_scale = np.where(base[0] > 0, new[0] / base[0], 1.0)
            out_scale = np.where(base[1] > 0, new[1] / base[1], 1.0)
        per_row[:3, rows] = new
        per_row[3, rows] = base[3] * in_scale
        per_row[4, rows] = base[4] * out_scale
