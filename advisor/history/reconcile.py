"""Model versus invoice: (invoice CSV, stored run) -> ReconcileResult, one line per invoice row.

The run's baseline gives each model's API cost for a 30-day month; scaled to the invoice
period's days it is the projection. A line differing by more than 10 % is flagged and its
likely cause named by splitting the ratio invoice / projection into its factors:

    amount = calls x tokens per call x price per token

calls and tokens come from the invoice when it has `calls` / `input_tokens` / `output_tokens`
columns (provider usage exports do); the factor furthest from 1 is the likely cause. Without
them the cause cannot be told apart and the line says so. Format: docs/reconcile.md; the
CSV is read by advisor.history.invoice.load_invoice.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from advisor.history.invoice import InvoiceLine
from advisor.result.view import get_path

TOLERANCE_SHARE = 0.10


@dataclass(frozen=True)
class ReconcileLine:
    period: str
    model: str
    invoice_usd: float
    projected_usd: float | None
    difference_share: float | None  # (invoice - projected) / projected
    flagged: bool
    likely_cause: str  # "ok" | "traffic volume" | "token counts" | "price" | "unknown: ..."
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReconcileResult:
    run_id: int | None
    price_date: str | None
    lines: tuple[ReconcileLine, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "price_date": self.price_date,
            "tolerance_share": TOLERANCE_SHARE,
            "lines": [line.to_dict() for line in self.lines],
            "warnings": list(self.warnings),
        }


DATE_SUFFIX = re.compile(r"^[-@](\d{4}-?\d{2}-?\d{2}|\d{4}|latest)$")


def _match_model(name: str, models: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Exact, then case-insensitive, then dated variants ('claude-sonnet-4-5-20250929')."""
    if name in models:
        return models[name]
    lowered = {k.lower(): v for k, v in models.items()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    for key, value in lowered.items():
        # Only a date suffix may differ: "c" must not match "claude-sonnet-4-5".
        longer, shorter = (name.lower(), key) if len(name) > len(key) else (key, name.lower())
        if longer.startswith(shorter) and DATE_SUFFIX.match(longer[len(shorter) :]):
            return value
    return None


def _cause(ratio: float, calls_ratio: float | None, tokens_ratio: float | None) -> tuple[str, str]:
    if calls_ratio is None and tokens_ratio is None:
        return (
            "unknown: traffic volume, token counts or price",
            "the invoice has no calls or token columns, so volume, tokens per call and price cannot be told apart",
        )
    factors = {}
    if calls_ratio is not None:
        factors["traffic volume"] = calls_ratio
    if calls_ratio is not None and tokens_ratio is not None:
        factors["token counts"] = tokens_ratio / calls_ratio  # tokens per call
        factors["price"] = ratio / tokens_ratio  # dollars per token
    elif tokens_ratio is not None:
        factors["token counts"] = tokens_ratio  # volume and tokens per call together
        factors["price"] = ratio / tokens_ratio
    elif calls_ratio is not None:
        factors["price or token counts"] = ratio / calls_ratio  # dollars per call
    cause = max(factors, key=lambda k: abs(math.log(max(factors[k], 1e-12))))
    detail = ", ".join(f"{k} x{v:.2f}" for k, v in factors.items())
    return cause, f"invoice / model: {detail}"


def reconcile(invoice: list[InvoiceLine], result: dict[str, Any]) -> ReconcileResult:
    baseline = result.get("baseline") or {}
    factor = baseline.get("monthly_factor")
    models = {str(m.get("model")): m for m in baseline.get("by_model") or [] if isinstance(m, dict)}
    warnings = []
    if not models:
        warnings.append("The run's baseline has no per-model costs; nothing to compare.")
    lines = []
    for item in invoice:
        model = _match_model(item.model, models)
        monthly = None if model is None else model.get("api_cost_per_month_usd")
        if model is None or monthly is None:
            lines.append(
                ReconcileLine(
                    item.period,
                    item.model,
                    item.amount_usd,
                    None,
                    None,
                    True,
                    "traffic volume",
                    "the model is not in the analysed log: traffic the log does not cover",
                )
            )
            continue
        scale = item.days / 30.0  # the baseline is a 30-day month
        projected = float(monthly) * scale
        ratio = item.amount_usd / projected if projected > 0 else math.inf
        difference = ratio - 1.0 if projected > 0 else None
        flagged = difference is None or abs(difference) > TOLERANCE_SHARE
        if not flagged:
            lines.append(
                ReconcileLine(
                    item.period,
                    item.model,
                    item.amount_usd,
                    projected,
                    difference,
                    False,
                    "ok",
                    f"within {TOLERANCE_SHARE:.0%}",
                )
            )
            continue
        calls_ratio = tokens_ratio = None
        if item.calls is not None and model.get("calls") is not None and factor:
            projected_calls = float(model["calls"]) * float(factor) * scale
            calls_ratio = item.calls / projected_calls if projected_calls > 0 else None
        model_tokens = model.get("tokens_per_month")
        if model_tokens is None and model.get("input_tokens_per_month") is not None:
            model_tokens = float(model["input_tokens_per_month"]) + float(model.get("output_tokens_per_month") or 0.0)
        if item.tokens is not None and model_tokens:
            tokens_ratio = item.tokens / (float(model_tokens) * scale)
        elif item.tokens is not None:
            warnings.append(
                f"Invoice row {item.row}: the run holds no token totals per model, so token counts cannot be compared."
            )
        cause, detail = _cause(ratio, calls_ratio, tokens_ratio)
        lines.append(
            ReconcileLine(item.period, item.model, item.amount_usd, projected, difference, True, cause, detail)
        )
    invoiced = {line.model for line in invoice}
    for name in models:
        if _match_model(name, {m: {} for m in invoiced}) is None:
            warnings.append(f"Model {name} is in the analysed log but on no invoice line.")
    return ReconcileResult(get_path(result, "run", "id"), result.get("price_date"), tuple(lines), tuple(warnings))
