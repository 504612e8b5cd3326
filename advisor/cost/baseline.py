"""Baseline cost model: QueryLog + PriceCatalog + Config -> Baseline.

Prices every call (input, cached input, output; batch rates where `is_batch`), then rolls the
calls up into cost per conversation, per user-month, per business unit, per day and per
30-day month, plus infrastructure and operations from `advisor.cost.infrastructure`.

Scaling to a month is either *observed* (the log's own time span stretched to 30 days) or
*projected* to a volume the user states in `[projection]` (conversations or calls per day).
All arithmetic is vectorized over the log's columns; nothing here rounds. The value types
live in advisor.cost.baseline_types and are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.core.config import Config, settings
from advisor.core.errors import InputError
from advisor.cost.baseline_types import DAYS_PER_MONTH, Baseline, ConversationCost, ModelCost, ProjectionSettings
from advisor.cost.breakdowns import billed_and_modelled, by_model_costs, per_business_unit, per_user
from advisor.cost.infrastructure import (
    HOURS_PER_MONTH,
    Demand,
    InfrastructureSettings,
    OperationsSettings,
    infrastructure_cost,
    operations_cost,
)
from advisor.cost.provenance import baseline_provenance
from advisor.prices.catalog import PriceCatalog
from advisor.prices.types import CallCosts

__all__ = [
    "DAYS_PER_MONTH",
    "Baseline",
    "ConversationCost",
    "ModelCost",
    "ProjectionSettings",
    "compute_baseline",
]


def _int_column(frame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame))
    return frame[name].fillna(0).to_numpy(dtype=np.float64)


def _locator(log: S.QueryLog):
    """Row position -> (file, row) for error messages, from ingest's provenance columns."""
    frame = log.frame
    default_file = ", ".join(log.sources) or "<log>"

    def locate(i: int) -> tuple[str, int | None]:
        if S.SOURCE_FILE in frame.columns and S.SOURCE_ROW in frame.columns:
            return str(frame[S.SOURCE_FILE].iloc[i]), int(frame[S.SOURCE_ROW].iloc[i])
        return default_file, None

    return locate


def _monthly_factor(log: S.QueryLog, proj: ProjectionSettings, n_conv: int | None) -> tuple[float, str]:
    if proj.conversations_per_day is not None:
        if not n_conv:
            raise InputError.at(
                ", ".join(log.sources) or "<log>",
                column=S.CONVERSATION_ID,
                expected="conversation ids to project [projection] conversations_per_day",
                found="no conversation_id column",
                fix="Map a conversation column with --map conversation_id=..., or set calls_per_day instead.",
            )
        return (
            proj.conversations_per_day * DAYS_PER_MONTH / n_conv,
            f"projected: {proj.conversations_per_day:g} conversations/day",
        )
    if proj.calls_per_day is not None:
        return proj.calls_per_day * DAYS_PER_MONTH / log.n_calls, f"projected: {proj.calls_per_day:g} calls/day"
    # A sample of the log covers the same days with a fraction of the traffic.
    return DAYS_PER_MONTH / log.span_days / log.sample_fraction, "observed"


def _peak_to_mean(log: S.QueryLog, infra: InfrastructureSettings, warnings: list[str]) -> float:
    """Busiest hour / mean hour, measured on the log when it spans at least a day."""
    if log.span_days < 1:
        warnings.append(
            f"The log spans {log.span_days * 24:.1f} hours, too little to measure the daily peak; "
            f"infrastructure is sized with peak_to_mean_ratio = {infra.peak_to_mean_ratio:g}."
        )
        return infra.peak_to_mean_ratio
    ts = log.frame[S.TIMESTAMP].to_numpy(dtype="datetime64[h]").astype(np.int64)
    counts = np.bincount(ts - ts.min())
    mean = log.n_calls / (log.span_days * 24)
    return max(1.0, float(counts.max()) / mean)


def compute_baseline(log: S.QueryLog, prices: PriceCatalog, config: Config) -> Baseline:
    """Price every call of `log` and roll the costs up (see the module docstring)."""
    if log.n_calls == 0:
        raise InputError.at(
            ", ".join(log.sources) or "<log>",
            expected="at least one call",
            found="an empty log",
            fix="Check the file and any --skip-bad-rows counts.",
        )
    proj = settings(config, "projection", ProjectionSettings)
    infra_s = settings(config, "infrastructure", InfrastructureSettings)
    ops_s = settings(config, "operations", OperationsSettings)
    warnings: list[str] = []

    costs = _price_calls(log, prices, warnings)
    per_call = costs.total_usd
    conv_codes, n_conv = _conversation_codes(log, warnings)
    factor, scaling = _monthly_factor(log, proj, n_conv)
    if scaling == "observed" and log.span_days < 1:
        warnings.append(
            f"The log covers only {log.span_days * 24:.1f} hours; monthly figures stretch it "
            f"{factor:,.0f}-fold. State your volume under [projection] for a steadier estimate."
        )
    calls_pm = log.n_calls * factor
    conv_pm = n_conv * factor if n_conv else None
    demand = _demand(calls_pm, conv_pm, _peak_to_mean(log, infra_s, warnings))
    infra = infrastructure_cost(demand, infra_s)
    ops = operations_cost(demand, ops_s)
    api_pm = float(per_call.sum()) * factor
    fixed_pm = infra.total_cost_per_month_usd + ops.total_cost_per_month_usd
    total_pm = api_pm + fixed_pm
    n_users, api_pu, total_pu = per_user(log, api_pm, total_pm, warnings)
    units_pm, api_pu_unit, total_pu_unit = per_business_unit(log, factor, api_pm, total_pm, proj, warnings)
    billed, modelled = billed_and_modelled(log, per_call, warnings)
    return Baseline(
        per_call_cost_usd=per_call,
        per_call_input_cost_usd=costs.input_usd,
        per_call_cached_input_cost_usd=costs.cached_input_usd,
        per_call_output_cost_usd=costs.output_usd,
        n_calls=log.n_calls,
        span_days=log.span_days,
        scaling=scaling,
        monthly_factor=factor,
        calls_per_month=calls_pm,
        conversations_per_month=conv_pm,
        api_cost_per_month_usd=api_pm,
        input_cost_per_month_usd=float(costs.input_usd.sum()) * factor,
        cached_input_cost_per_month_usd=float(costs.cached_input_usd.sum()) * factor,
        output_cost_per_month_usd=float(costs.output_usd.sum()) * factor,
        infrastructure=infra,
        operations=ops,
        demand=demand,
        conversation=_conversation_cost(conv_codes, n_conv, per_call, fixed_pm, conv_pm),
        n_users=n_users,
        api_cost_per_user_month_usd=api_pu,
        total_cost_per_user_month_usd=total_pu,
        business_unit_name=proj.business_unit_name,
        business_units_per_month=units_pm,
        total_cost_per_business_unit_usd=total_pu_unit,
        api_cost_per_business_unit_usd=api_pu_unit,
        by_model=by_model_costs(log.frame, per_call, factor, api_pm, prices),
        billed_cost_usd=billed,
        modelled_cost_usd=modelled,
        price_date=prices.price_date,
        price_source=prices.source,
        warnings=tuple(warnings),
        sample_fraction=log.sample_fraction,
        provenance=baseline_provenance(config, infra, log.span_days),
    )


def _price_calls(log: S.QueryLog, prices: PriceCatalog, warnings: list[str]) -> CallCosts:
    """Each call's input, cached-input and output cost (cached tokens capped at the input)."""
    frame = log.frame
    inp = frame[S.INPUT_TOKENS].to_numpy(dtype=np.float64)
    cached = _int_column(frame, S.CACHED_INPUT_TOKENS)
    over = cached > inp
    if over.any():
        warnings.append(
            f"{int(over.sum())} calls report more cached than total input tokens; "
            "their cached tokens were capped at the input tokens."
        )
        cached = np.minimum(cached, inp)
    batch = frame[S.IS_BATCH].fillna(False).to_numpy(dtype=bool) if S.IS_BATCH in frame.columns else False
    provider = frame[S.PROVIDER] if S.PROVIDER in frame.columns else None
    return prices.call_costs(
        frame[S.MODEL],
        provider,
        inp,
        frame[S.OUTPUT_TOKENS].to_numpy(dtype=np.float64),
        cached,
        batch,
        locate=_locator(log),
        at=frame[S.TIMESTAMP],
    )


def _conversation_codes(log: S.QueryLog, warnings: list[str]) -> tuple[np.ndarray | None, int | None]:
    """Each call's conversation number (-1: none) and the number of conversations."""
    if not log.has(S.CONVERSATION_ID):
        return None, None
    conv_codes, conv_uniques = pd.factorize(log.frame[S.CONVERSATION_ID], use_na_sentinel=True)
    if (conv_codes < 0).any():
        warnings.append(
            f"{int((conv_codes < 0).sum())} calls have no conversation_id and are left out of cost per conversation."
        )
    return conv_codes, len(conv_uniques)


def _demand(calls_pm: float, conv_pm: float | None, peak_to_mean: float) -> Demand:
    mean_conv_ph = (conv_pm or 0.0) / HOURS_PER_MONTH
    return Demand(
        calls_per_month=calls_pm,
        conversations_per_month=conv_pm or 0.0,
        peak_calls_per_hour=calls_pm / HOURS_PER_MONTH * peak_to_mean,
        peak_conversations_per_hour=mean_conv_ph * peak_to_mean,
    )


def _conversation_cost(
    conv_codes: np.ndarray | None, n_conv: int | None, per_call: np.ndarray, fixed_pm: float, conv_pm: float | None
) -> ConversationCost | None:
    """API cost per conversation (mean, p50, p95) and the all-in mean with fixed costs spread."""
    if not n_conv or conv_codes is None or conv_pm is None:
        return None
    valid = conv_codes >= 0
    per_conv = np.bincount(conv_codes[valid], weights=per_call[valid], minlength=n_conv)
    p50, p95 = np.percentile(per_conv, [50, 95])
    return ConversationCost(
        n_conversations=n_conv,
        api_mean_usd=float(per_conv.mean()),
        api_p50_usd=float(p50),
        api_p95_usd=float(p95),
        total_mean_usd=float(per_conv.mean()) + fixed_pm / conv_pm,
    )
