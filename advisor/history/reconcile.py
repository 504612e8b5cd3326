"""Model versus invoice: (invoice CSV, stored run) -> ReconcileResult, one line per invoice row.

The run's baseline gives each model's API cost for a 30-day month; scaled to the invoice
period's days it is the projection. A line differing by more than 10 % is flagged and its
likely cause named by splitting the ratio invoice / projection into its factors:

    amount = calls x tokens per call x price per token

calls and tokens come from the invoice when it has `calls` / `input_tokens` / `output_tokens`
columns (provider usage exports do); the factor furthest from 1 is the likely cause. Without
them the cause cannot be told apart and the line says so. Format: docs/reconcile.md.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from advisor.core.errors import InputError
from advisor.result.view import get_path

TOLERANCE_SHARE = 0.10
AMOUNT_COLUMNS = ("amount_usd", "amount", "cost_usd", "cost")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|to)\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class InvoiceLine:
    row: int
    period: str
    days: int
    model: str
    amount_usd: float
    calls: float | None
    tokens: float | None


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


def period_days(text: str, *, file: str, row: int) -> int:
    """Days in 'YYYY-MM' or 'YYYY-MM-DD..YYYY-MM-DD' (both ends included)."""
    text = text.strip()
    month = MONTH.match(text)
    try:
        if month:
            first = date(int(month[1]), int(month[2]), 1)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return (following - first).days
        span = RANGE.match(text)
        if span:
            start, end = date.fromisoformat(span[1]), date.fromisoformat(span[2])
            if end >= start:
                return (end - start + timedelta(days=1)).days
    except ValueError:
        pass
    raise InputError.at(
        file,
        row=row,
        column="period",
        expected="a month 'YYYY-MM' or a range 'YYYY-MM-DD..YYYY-MM-DD'",
        found=repr(text),
        fix="Write the billing period in one of those forms (see docs/reconcile.md).",
    )


def _required_number(value: str | None, *, file: str, row: int, column: str | None) -> float:
    number = _number(value, file=file, row=row, column=column or "amount_usd", required=True)
    assert number is not None  # required=True raises on an empty cell
    return number


def _number(value: str | None, *, file: str, row: int, column: str, required: bool) -> float | None:
    if value is None or value.strip() == "":
        if required:
            raise InputError.at(
                file,
                row=row,
                column=column,
                expected="a number",
                found="an empty cell",
                fix="Fill in the amount in US dollars.",
            )
        return None
    cleaned = value.strip().replace(",", "").removeprefix("$")
    try:
        number = float(cleaned)
    except ValueError:
        raise InputError.at(
            file,
            row=row,
            column=column,
            expected="a number",
            found=repr(value),
            fix="Use plain numbers such as 1234.56 (no currency words).",
        ) from None
    if not math.isfinite(number) or number < 0:
        raise InputError.at(
            file,
            row=row,
            column=column,
            expected="a non-negative number",
            found=repr(value),
            fix="Credits and refunds belong in a separate line; enter the charge.",
        )
    return number


def load_invoice(path: str | Path) -> list[InvoiceLine]:
    file = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return _parse_invoice(file, csv.DictReader(handle))
    except OSError as exc:
        raise InputError.at(
            file, expected="a readable invoice CSV", found=exc.strerror or str(exc), fix="Check the path."
        ) from None


def _parse_invoice(file: str, reader: csv.DictReader) -> list[InvoiceLine]:
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    amount_col = next((c for c in AMOUNT_COLUMNS if c in columns), None)
    missing = [c for c in ("period", "model") if c not in columns] + ([] if amount_col else ["amount_usd"])
    if missing:
        raise InputError.at(
            file,
            line=1,
            expected="columns period, model, amount_usd",
            found=f"columns {', '.join(columns) or '(none)'}; missing {', '.join(missing)}",
            fix="See docs/reconcile.md for the invoice format.",
        )
    lines = []
    for row_no, record in enumerate(reader, start=1):
        opt = {
            c: _number(record.get(c), file=file, row=row_no, column=c, required=False)
            for c in ("calls", "input_tokens", "output_tokens")
        }
        tokens = None
        if opt["input_tokens"] is not None or opt["output_tokens"] is not None:
            tokens = (opt["input_tokens"] or 0.0) + (opt["output_tokens"] or 0.0)
        model = (record.get("model") or "").strip()
        if not model:
            raise InputError.at(
                file,
                row=row_no,
                column="model",
                expected="a model name",
                found="an empty cell",
                fix="Name the model each invoice line is for.",
            )
        lines.append(
            InvoiceLine(
                row=row_no,
                period=(record.get("period") or "").strip(),
                days=period_days(record.get("period") or "", file=file, row=row_no),
                model=model,
                amount_usd=_required_number(record.get(amount_col), file=file, row=row_no, column=amount_col),
                calls=opt["calls"],
                tokens=tokens,
            )
        )
    if not lines:
        raise InputError.at(
            file, expected="at least one invoice line", found="none", fix="Add one row per period and model."
        )
    return lines


def _match_model(name: str, models: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Exact, then case-insensitive, then dated variants ('claude-sonnet-4-5-20250929')."""
    if name in models:
        return models[name]
    lowered = {k.lower(): v for k, v in models.items()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    for key, value in lowered.items():
        if name.lower().startswith(key) or key.startswith(name.lower()):
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
