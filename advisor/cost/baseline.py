"""Baseline cost model: QueryLog + PriceCatalog + Config -> Baseline.

Prices every call (input, cached input, output; batch rates where `is_batch`), then rolls the
calls up into cost per conversation, per user-month, per business unit, per day and per
30-day month, plus infrastructure and operations from `advisor.cost.infrastructure`.

Scaling to a month is either *observed* (the log's own time span stretched to 30 days) or
*projected* to a volume the user states in `[projection]` (conversations or calls per day).
All arithmetic is vectorized over the log's columns; nothing here rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.core import schema as S
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError, InputError
from advisor.cost.infrastructure import (
    HOURS_PER_MONTH,
    Demand,
    InfrastructureCost,
    InfrastructureSettings,
    OperationsCost,
    OperationsSettings,
    infrastructure_cost,
    operations_cost,
)
from advisor.prices.catalog import PriceCatalog

DAYS_PER_MONTH = 30
BILLED_TOLERANCE = 0.10  # warn when billed and modelled cost differ by more than this share
SHORT_SPAN_DAYS = 28  # below this, distinct users undercount monthly active users


@dataclass(frozen=True)
class ProjectionSettings:
    """Section [projection]: scale the log to a stated volume instead of its own span."""

    conversations_per_day: float | None = None
    calls_per_day: float | None = None
    business_unit_name: str = "business unit"  # what `business_unit` counts, e.g. "ticket resolved"

    def validate(self) -> None:
        if self.conversations_per_day is not None and self.calls_per_day is not None:
            raise ConfigError.setting(
                "projection.calls_per_day",
                "left out when conversations_per_day is set (give one volume)",
                self.calls_per_day,
            )
        for name in ("conversations_per_day", "calls_per_day"):
            v = getattr(self, name)
            if v is not None and not 0 < v < float("inf"):
                raise ConfigError.setting(f"projection.{name}", "a finite number > 0", v)


@dataclass(frozen=True)
class ModelCost:
    model: str
    provider: str
    calls: int
    api_cost_per_month_usd: float
    api_cost_share: float
    price_source: str
    batch_price_source: str


@dataclass(frozen=True)
class ConversationCost:
    """API cost per conversation over the conversations in the log, plus the all-in mean."""

    n_conversations: int
    api_mean_usd: float
    api_p50_usd: float
    api_p95_usd: float
    total_mean_usd: float  # API mean + infrastructure and operations per conversation


@dataclass(frozen=True)
class Baseline:
    """What the logged traffic costs today. Per-call arrays align with `log.frame` rows."""

    per_call_cost_usd: np.ndarray
    per_call_input_cost_usd: np.ndarray  # all input tokens, cached ones included
    per_call_cached_input_cost_usd: np.ndarray  # the cached part of per_call_input_cost_usd
    per_call_output_cost_usd: np.ndarray
    n_calls: int
    span_days: float
    scaling: str  # "observed" | "projected: N conversations/day" | "projected: N calls/day"
    monthly_factor: float  # dollars observed over the log x monthly_factor = dollars per 30-day month
    calls_per_month: float
    conversations_per_month: float | None
    api_cost_per_month_usd: float
    input_cost_per_month_usd: float
    cached_input_cost_per_month_usd: float
    output_cost_per_month_usd: float
    infrastructure: InfrastructureCost
    operations: OperationsCost
    demand: Demand
    conversation: ConversationCost | None
    n_users: int | None
    api_cost_per_user_month_usd: float | None
    total_cost_per_user_month_usd: float | None
    business_unit_name: str
    business_units_per_month: float | None
    total_cost_per_business_unit_usd: float | None
    api_cost_per_business_unit_usd: float | None
    by_model: tuple[ModelCost, ...]
    billed_cost_usd: float | None  # sum of the log's cost_usd where present
    modelled_cost_usd: float | None  # our price of the same rows
    price_date: str
    price_source: str
    warnings: tuple[str, ...] = field(default=())
    sample_fraction: float = 1.0  # share of the log analysed (advisor.ingest.sampling); 1 = all of it

    @property
    def infrastructure_cost_per_month_usd(self) -> float:
        return self.infrastructure.total_cost_per_month_usd

    @property
    def operations_cost_per_month_usd(self) -> float:
        return self.operations.total_cost_per_month_usd

    @property
    def total_cost_per_month_usd(self) -> float:
        return self.api_cost_per_month_usd + self.infrastructure_cost_per_month_usd + self.operations_cost_per_month_usd

    @property
    def api_share(self) -> float:
        total = self.total_cost_per_month_usd
        return self.api_cost_per_month_usd / total if total > 0 else 0.0

    @property
    def api_cost_per_day_usd(self) -> float:
        return self.api_cost_per_month_usd / DAYS_PER_MONTH

    @property
    def total_cost_per_day_usd(self) -> float:
        return self.total_cost_per_month_usd / DAYS_PER_MONTH

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (no per-call arrays, no rounding)."""
        c = self.conversation
        return {
            "price_date": self.price_date,
            "price_source": self.price_source,
            "n_calls": self.n_calls,
            "sample_fraction": self.sample_fraction,
            "span_days": self.span_days,
            "scaling": self.scaling,
            "monthly_factor": self.monthly_factor,
            "calls_per_month": self.calls_per_month,
            "conversations_per_month": self.conversations_per_month,
            "api_cost_per_day_usd": self.api_cost_per_day_usd,
            "total_cost_per_day_usd": self.total_cost_per_day_usd,
            "api_cost_per_month_usd": self.api_cost_per_month_usd,
            "input_cost_per_month_usd": self.input_cost_per_month_usd,
            "cached_input_cost_per_month_usd": self.cached_input_cost_per_month_usd,
            "output_cost_per_month_usd": self.output_cost_per_month_usd,
            "infrastructure_cost_per_month_usd": self.infrastructure_cost_per_month_usd,
            "operations_cost_per_month_usd": self.operations_cost_per_month_usd,
            "total_cost_per_month_usd": self.total_cost_per_month_usd,
            "api_share": self.api_share,
            "infrastructure": self.infrastructure.to_dict(),
            "operations": self.operations.to_dict(),
            "demand": {**self.demand.__dict__, "mean_calls_per_hour": self.demand.mean_calls_per_hour},
            "conversation": None if c is None else dict(c.__dict__),
            "api_cost_per_conversation_usd": None if c is None else c.api_mean_usd,
            "total_cost_per_conversation_usd": None if c is None else c.total_mean_usd,
            "n_users": self.n_users,
            "api_cost_per_user_month_usd": self.api_cost_per_user_month_usd,
            "total_cost_per_user_month_usd": self.total_cost_per_user_month_usd,
            "business_unit_name": self.business_unit_name,
            "business_units_per_month": self.business_units_per_month,
            "total_cost_per_business_unit_usd": self.total_cost_per_business_unit_usd,
            "api_cost_per_business_unit_usd": self.api_cost_per_business_unit_usd,
            "by_model": [dict(m.__dict__) for m in self.by_model],
            "billed_cost_usd": self.billed_cost_usd,
            "modelled_cost_usd": self.modelled_cost_usd,
            "warnings": list(self.warnings),
        }


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
    frame = log.frame
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
    costs = prices.call_costs(
        frame[S.MODEL],
        provider,
        inp,
        frame[S.OUTPUT_TOKENS].to_numpy(dtype=np.float64),
        cached,
        batch,
        locate=_locator(log),
    )
    per_call = costs.total_usd

    conv_codes = None
    n_conv = None
    if log.has(S.CONVERSATION_ID):
        import pandas as pd

        conv_codes, conv_uniques = pd.factorize(frame[S.CONVERSATION_ID], use_na_sentinel=True)
        if (conv_codes < 0).any():
            warnings.append(
                f"{int((conv_codes < 0).sum())} calls have no conversation_id and are left out of "
                "cost per conversation."
            )
        n_conv = len(conv_uniques)
    factor, scaling = _monthly_factor(log, proj, n_conv)
    if scaling == "observed" and log.span_days < 1:
        warnings.append(
            f"The log covers only {log.span_days * 24:.1f} hours; monthly figures stretch it "
            f"{factor:,.0f}-fold. State your volume under [projection] for a steadier estimate."
        )

    calls_pm = log.n_calls * factor
    conv_pm = n_conv * factor if n_conv else None
    ratio = _peak_to_mean(log, infra_s, warnings)
    mean_conv_ph = (conv_pm or 0.0) / HOURS_PER_MONTH
    demand = Demand(
        calls_per_month=calls_pm,
        conversations_per_month=conv_pm or 0.0,
        peak_calls_per_hour=calls_pm / HOURS_PER_MONTH * ratio,
        peak_conversations_per_hour=mean_conv_ph * ratio,
    )
    infra = infrastructure_cost(demand, infra_s)
    ops = operations_cost(demand, ops_s)
    api_pm = float(per_call.sum()) * factor
    fixed_pm = infra.total_cost_per_month_usd + ops.total_cost_per_month_usd
    total_pm = api_pm + fixed_pm

    conversation = None
    if n_conv:
        valid = conv_codes >= 0
        per_conv = np.bincount(conv_codes[valid], weights=per_call[valid], minlength=n_conv)
        p50, p95 = np.percentile(per_conv, [50, 95])
        conversation = ConversationCost(
            n_conversations=n_conv,
            api_mean_usd=float(per_conv.mean()),
            api_p50_usd=float(p50),
            api_p95_usd=float(p95),
            total_mean_usd=float(per_conv.mean()) + fixed_pm / conv_pm,
        )

    n_users = None
    api_pu = total_pu = None
    if log.has(S.USER_ID):
        n_users = int(frame[S.USER_ID].nunique())
        api_pu, total_pu = api_pm / n_users, total_pm / n_users
        if log.sample_fraction < 1:
            # A conversation sample holds fewer users, not fewer calls per user: scale the
            # sample's own cost, not the whole month's, over its users.
            api_pu, total_pu = api_pu * log.sample_fraction, total_pu * log.sample_fraction
            warnings.append(
                "Cost per user-month comes from a sample of conversations; users whose other "
                "conversations fell outside the sample make it a lower bound."
            )
        if log.span_days < SHORT_SPAN_DAYS:
            warnings.append(
                f"The log covers {log.span_days:.1f} days, so its {n_users} distinct users undercount "
                "monthly active users; cost per user-month is an upper bound."
            )

    units_pm = api_pu_unit = total_pu_unit = None
    if log.has(S.BUSINESS_UNIT):
        units_pm = float(frame[S.BUSINESS_UNIT].fillna(0).sum()) * factor
        if units_pm > 0:
            api_pu_unit, total_pu_unit = api_pm / units_pm, total_pm / units_pm
        else:
            warnings.append(
                f"No {proj.business_unit_name} was recorded in the log (business_unit sums to 0); "
                "cost per business unit is not available."
            )

    billed = modelled = None
    if log.has(S.COST_USD):
        has = frame[S.COST_USD].notna().to_numpy()
        billed = float(frame[S.COST_USD].to_numpy(dtype=np.float64)[has].sum())
        modelled = float(per_call[has].sum())
        if modelled > 0 and abs(billed - modelled) / modelled > BILLED_TOLERANCE:
            warnings.append(
                f"Billed cost in the log (${billed:,.2f}) differs from advisor's price of the same calls "
                f"(${modelled:,.2f}) by {abs(billed - modelled) / modelled:.0%}: check the model names, "
                "cached/batch flags or negotiated prices (add them under [prices])."
            )

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
        conversation=conversation,
        n_users=n_users,
        api_cost_per_user_month_usd=api_pu,
        total_cost_per_user_month_usd=total_pu,
        business_unit_name=proj.business_unit_name,
        business_units_per_month=units_pm,
        total_cost_per_business_unit_usd=total_pu_unit,
        api_cost_per_business_unit_usd=api_pu_unit,
        by_model=_by_model(frame, per_call, factor, api_pm, prices),
        billed_cost_usd=billed,
        modelled_cost_usd=modelled,
        price_date=prices.price_date,
        price_source=prices.source,
        warnings=tuple(warnings),
        sample_fraction=log.sample_fraction,
    )


def _by_model(frame, per_call: np.ndarray, factor: float, api_pm: float, prices: PriceCatalog) -> tuple[ModelCost, ...]:
    import pandas as pd

    keys = [frame[S.MODEL]]
    if S.PROVIDER in frame.columns:
        keys.append(frame[S.PROVIDER])
    grouped = (
        pd.Series(per_call, index=frame.index)
        .groupby(keys, sort=True, observed=True, dropna=False)
        .agg(["size", "sum"])
    )
    out = []
    for key, row in grouped.iterrows():
        m, p = key if isinstance(key, tuple) else (key, None)
        p = None if p is None or p != p or p == "" else str(p)  # p != p: NaN
        mp = prices.price(str(m), p)
        cost = float(row["sum"]) * factor
        out.append(
            ModelCost(
                model=str(m),
                provider=mp.provider,
                calls=int(row["size"]),
                api_cost_per_month_usd=cost,
                api_cost_share=cost / api_pm if api_pm > 0 else 0.0,
                price_source=mp.source,
                batch_price_source=mp.batch_price_source,
            )
        )
    return tuple(sorted(out, key=lambda x: (-x.api_cost_per_month_usd, x.model, x.provider)))
