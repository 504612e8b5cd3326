"""What a rerun comparison needs from one run: QueryLog + Baseline + prices -> Usage.

Per (model, provider, mode, traffic class) cell: calls, uncached / cached input and output tokens over the
log, what they cost as priced by the baseline (tiers and time-of-day rates included), and the
list prices at the run's price date of every model served or proposed by the plan. With these,
`advisor runs compare` can split a later run's cost change into volume, traffic mix, prices and
plan adoption (advisor/history/decompose.py) without the logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.core.errors import InputError

if TYPE_CHECKING:
    from advisor.cost.baseline import Baseline
    from advisor.prices.catalog import PriceCatalog

REALTIME, BATCH = "realtime", "batch"
# Calls are grouped by their task (else latency class) so that a later run's shift between
# kinds of traffic reads as traffic mix, not as a change of models; more kinds than this are
# too fine to compare, and then the latency class (or one group) is used.
MAX_TRAFFIC_CLASSES = 20
ALL_TRAFFIC = "all"


@dataclass(frozen=True)
class UsageCell:
    """The calls of one model at one provider in one mode, summed over the log (not per month)."""

    model: str
    provider: str
    mode: str  # "realtime" | "batch"
    traffic_class: str  # the calls' task or latency class ("all" when the log has neither)
    calls: int
    uncached_input_tokens: float
    cached_input_tokens: float
    output_tokens: float
    uncached_input_cost_usd: float
    cached_input_cost_usd: float
    output_cost_usd: float


@dataclass(frozen=True)
class ListPrice:
    """USD per million tokens at the run's price date (standard rates: no tiers, no time of day)."""

    model: str
    provider: str
    input_per_mtok_usd: float
    cached_input_per_mtok_usd: float
    output_per_mtok_usd: float
    batch_input_per_mtok_usd: float
    batch_output_per_mtok_usd: float


@dataclass(frozen=True)
class Usage:
    monthly_factor: float  # log sums x this = per month (the baseline's projection)
    cells: tuple[UsageCell, ...]
    list_prices: tuple[ListPrice, ...]
    # traffic class -> {"moved_share", "batch_share"} of its calls under the plan in full
    # (advisor/optimizer/expected.py); empty when the run had no plan.
    planned_by_class: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # traffic class -> share of its input tokens a provider prompt cache could read (the prompt
    # analyzer's replay, whether or not the log's calls were cached); empty without that analyzer.
    prompt_cache_potential_by_class: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "monthly_factor": self.monthly_factor,
            "cells": [dict(c.__dict__) for c in self.cells],
            "list_prices": [dict(p.__dict__) for p in self.list_prices],
            "planned_by_class": {g: dict(v) for g, v in sorted(self.planned_by_class.items())},
            "prompt_cache_potential_by_class": dict(sorted(self.prompt_cache_potential_by_class.items())),
        }


def _list_price(prices: PriceCatalog, model: str, provider: str) -> ListPrice | None:
    try:
        p = prices.price(model, provider or None)
    except InputError:
        return None
    return ListPrice(
        model=model,
        provider=provider,
        input_per_mtok_usd=p.input_per_mtok_usd,
        cached_input_per_mtok_usd=p.cached_input_per_mtok_usd,
        output_per_mtok_usd=p.output_per_mtok_usd,
        batch_input_per_mtok_usd=p.batch_input_per_mtok_usd,
        batch_output_per_mtok_usd=p.batch_output_per_mtok_usd,
    )


def traffic_classes(frame: pd.DataFrame) -> np.ndarray:
    for column in (S.TASK, S.LATENCY_CLASS):
        if column in frame.columns:
            values = frame[column].astype(object).fillna("").astype(str)
            if values.nunique() <= MAX_TRAFFIC_CLASSES:
                return values.replace("", ALL_TRAFFIC).to_numpy()
    return np.full(len(frame), ALL_TRAFFIC, dtype=object)


def _cells(log: S.QueryLog, baseline: Baseline) -> tuple[UsageCell, ...]:
    frame = log.frame
    inp = frame[S.INPUT_TOKENS].to_numpy(dtype=np.float64)
    cached = (
        np.minimum(frame[S.CACHED_INPUT_TOKENS].fillna(0).to_numpy(dtype=np.float64), inp)
        if S.CACHED_INPUT_TOKENS in frame.columns
        else np.zeros(len(frame))
    )
    batch = (
        frame[S.IS_BATCH].fillna(False).to_numpy(dtype=bool)
        if S.IS_BATCH in frame.columns
        else np.zeros(len(frame), bool)
    )
    provider = frame[S.PROVIDER].astype(object).fillna("").astype(str) if S.PROVIDER in frame.columns else ""
    parts = pd.DataFrame(
        {
            "model": frame[S.MODEL].astype(str).to_numpy(),
            "provider": provider if isinstance(provider, str) else provider.to_numpy(),
            "mode": np.where(batch, BATCH, REALTIME),
            "traffic_class": traffic_classes(frame),
            "calls": 1,
            "uncached_input_tokens": inp - cached,
            "cached_input_tokens": cached,
            "output_tokens": frame[S.OUTPUT_TOKENS].to_numpy(dtype=np.float64),
            "uncached_input_cost_usd": baseline.per_call_input_cost_usd - baseline.per_call_cached_input_cost_usd,
            "cached_input_cost_usd": baseline.per_call_cached_input_cost_usd,
            "output_cost_usd": baseline.per_call_output_cost_usd,
        }
    )
    sums = parts.groupby(["model", "provider", "mode", "traffic_class"], sort=True).sum().reset_index()
    return tuple(
        UsageCell(
            model=str(row["model"]),
            provider=str(row["provider"]),
            mode=str(row["mode"]),
            traffic_class=str(row["traffic_class"]),
            calls=int(row["calls"]),
            **{k: float(row[k]) for k in sums.columns if k.endswith(("_tokens", "_usd"))},
        )
        for row in sums.to_dict("records")
    )


def compute_usage(
    log: S.QueryLog,
    baseline: Baseline,
    prices: PriceCatalog,
    candidates: Iterable[tuple[str, str]] = (),
    planned_by_class: Mapping[str, Mapping[str, float]] | None = None,
    cache_readable_tokens: np.ndarray | None = None,
) -> Usage:
    """The log's usage cells and the list prices of its models and of `candidates` (model, provider)."""
    cells = _cells(log, baseline)
    wanted = sorted({(c.model, c.provider) for c in cells} | {(str(m), str(p or "")) for m, p in candidates})
    found = (_list_price(prices, m, p) for m, p in wanted)
    return Usage(
        monthly_factor=float(baseline.monthly_factor),
        cells=cells,
        list_prices=tuple(p for p in found if p is not None),
        planned_by_class=dict(planned_by_class or {}),
        prompt_cache_potential_by_class=_potential(log, cache_readable_tokens),
    )


def _potential(log: S.QueryLog, readable: np.ndarray | None) -> dict[str, float]:
    """Per traffic class: readable input tokens / input tokens."""
    if readable is None or len(readable) != log.n_calls:
        return {}
    classes = traffic_classes(log.frame)
    inp = log.frame[S.INPUT_TOKENS].to_numpy(dtype=np.float64)
    read = np.asarray(readable, dtype=np.float64)
    return {
        str(g): float(read[classes == g].sum() / inp[classes == g].sum())
        for g in sorted(set(classes.tolist()))
        if inp[classes == g].sum() > 0
    }
