"""Priced calls -> the baseline's breakdowns: per user-month, per business unit, per model,
and the log's billed cost against advisor's price of the same rows.

Each function appends its caveats to `warnings` (shown in the report) and never rounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.cost.baseline_types import ModelCost, ProjectionSettings
from advisor.prices.catalog import PriceCatalog

BILLED_TOLERANCE = 0.10  # warn when billed and modelled cost differ by more than this share
SHORT_SPAN_DAYS = 28  # below this, distinct users undercount monthly active users


def per_user(
    log: S.QueryLog, api_pm: float, total_pm: float, warnings: list[str]
) -> tuple[int | None, float | None, float | None]:
    """Distinct users, and API and total cost per user-month."""
    if not log.has(S.USER_ID):
        return None, None, None
    n_users = int(log.frame[S.USER_ID].nunique())
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
    return n_users, api_pu, total_pu


def per_business_unit(
    log: S.QueryLog, factor: float, api_pm: float, total_pm: float, proj: ProjectionSettings, warnings: list[str]
) -> tuple[float | None, float | None, float | None]:
    """Business units per month, and API and total cost per unit (None when none was recorded)."""
    if not log.has(S.BUSINESS_UNIT):
        return None, None, None
    units_pm = float(log.frame[S.BUSINESS_UNIT].fillna(0).sum()) * factor
    if units_pm > 0:
        return units_pm, api_pm / units_pm, total_pm / units_pm
    warnings.append(
        f"No {proj.business_unit_name} was recorded in the log (business_unit sums to 0); "
        "cost per business unit is not available."
    )
    return units_pm, None, None


def billed_and_modelled(
    log: S.QueryLog, per_call: np.ndarray, warnings: list[str]
) -> tuple[float | None, float | None]:
    """The log's own cost_usd and advisor's price of the same rows, warning when they differ."""
    if not log.has(S.COST_USD):
        return None, None
    frame = log.frame
    has = frame[S.COST_USD].notna().to_numpy()
    billed = float(frame[S.COST_USD].to_numpy(dtype=np.float64)[has].sum())
    modelled = float(per_call[has].sum())
    if modelled > 0 and abs(billed - modelled) / modelled > BILLED_TOLERANCE:
        warnings.append(
            f"Billed cost in the log (${billed:,.2f}) differs from advisor's price of the same calls "
            f"(${modelled:,.2f}) by {abs(billed - modelled) / modelled:.0%}: check the model names, "
            "cached/batch flags or negotiated prices (add them under [prices])."
        )
    return billed, modelled


def by_model_costs(
    frame, per_call: np.ndarray, factor: float, api_pm: float, prices: PriceCatalog
) -> tuple[ModelCost, ...]:
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
