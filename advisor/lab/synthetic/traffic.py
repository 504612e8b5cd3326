"""Arrival times for the sample generator: traffic shape -> timestamps.

The shape is a minute grid: diurnal x weekly seasonality x trend (stable, growing, step)
x a burst factor per minute resampled from the real Azure LLM inference trace (per-10-second
arrival counts divided by their mean), so minute-to-minute burstiness is that of production
LLM traffic rather than Poisson.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from advisor.core.paths import data_dir

TRAFFIC_SHAPES = ("stable", "growing", "step")
# Relative chat volume by UTC hour (a support desk whose customers are in one time zone).
HOURLY_SHAPE = np.array(
    [
        0.15,
        0.10,
        0.08,
        0.08,
        0.10,
        0.20,
        0.40,
        0.70,
        1.00,
        1.20,
        1.30,
        1.30,
        1.25,
        1.30,
        1.30,
        1.20,
        1.10,
        0.90,
        0.75,
        0.60,
        0.50,
        0.40,
        0.30,
        0.20,
    ]
)
WEEKDAY_SHAPE = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.65, 0.55])  # Monday first
_AZURE_FILE = "azure-llm-trace/AzureLLMInferenceTrace_conv_first20min.csv"
_BIN_S = 10


@lru_cache(maxsize=1)
def azure_burst_ratios() -> np.ndarray:
    """Per-10-second arrival counts of the Azure conversation trace, divided by their mean."""
    ts = pd.to_datetime(pd.read_csv(data_dir() / _AZURE_FILE, usecols=["TIMESTAMP"])["TIMESTAMP"])
    secs = (ts - ts.min()).dt.total_seconds().to_numpy()
    counts = np.bincount((secs // _BIN_S).astype(np.int64))[:-1]  # last bin is partial
    return counts / counts.mean()


def azure_output_tokens() -> np.ndarray:
    """Generated-token counts of the same trace: the empirical distribution of answer lengths."""
    return pd.read_csv(data_dir() / _AZURE_FILE, usecols=["GeneratedTokens"])["GeneratedTokens"].to_numpy(np.int64)


def minute_intensity(
    start: pd.Timestamp, days: int, traffic: str, rng: np.random.Generator, *, weekly_growth: float, step_factor: float
) -> np.ndarray:
    """Relative arrival rate for each minute of the window (any positive scale)."""
    minutes = pd.date_range(start, periods=days * 1440, freq="min")
    seasonal = HOURLY_SHAPE[minutes.hour] * WEEKDAY_SHAPE[minutes.day_of_week]
    t_weeks = np.arange(len(minutes)) / (7 * 1440)
    if traffic == "growing":
        trend = (1.0 + weekly_growth) ** t_weeks
    elif traffic == "step":
        trend = np.where(np.arange(len(minutes)) >= len(minutes) // 2, step_factor, 1.0)
    else:
        trend = np.ones(len(minutes))
    # Day-to-day level noise of a few per cent: a stable business is not a flat line.
    day_level = rng.lognormal(0.0, 0.03, days)[np.arange(len(minutes)) // 1440]
    burst = rng.choice(azure_burst_ratios(), size=len(minutes))
    return seasonal * trend * day_level * burst


def draw_arrivals(rng: np.random.Generator, n: int, start: pd.Timestamp, intensity: np.ndarray) -> np.ndarray:
    """n arrival times (int64 ns since epoch, sorted) distributed as the minute intensity."""
    per_minute = rng.multinomial(n, intensity / intensity.sum())
    minute = np.repeat(np.arange(len(intensity)), per_minute)
    offset_ns = (minute * 60.0 + rng.random(n) * 60.0) * 1e9
    return np.sort(start.value + offset_ns.astype(np.int64))


def night_bursts(
    rng: np.random.Generator, n: int, start: pd.Timestamp, nights: np.ndarray, *, hour: float, spacing_s: float
) -> np.ndarray:
    """Arrival times (ns) of n background calls placed in bursts starting at `hour` on each
    of the given night offsets (days from start); one call every ~spacing_s seconds."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    night = np.sort(nights)
    # Position within its night's burst: calls of a night go back to back.
    pos = np.arange(n) - np.searchsorted(night, night, side="left")
    gaps = rng.exponential(spacing_s, n)
    offset_s = night * 86400.0 + hour * 3600.0 + pos * spacing_s + gaps
    return start.value + (offset_s * 1e9).astype(np.int64)
