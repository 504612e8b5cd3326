"""Invoice CSV -> InvoiceLine per row (period, days in it, model, amount; calls and tokens when given).

Columns: period (YYYY-MM or a date range), model, amount_usd (or amount, cost_usd, cost), and
optionally calls, input_tokens, output_tokens. Every bad cell is an InputError naming the
file, row and column. Format: docs/reconcile.md.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from advisor.core.errors import InputError

AMOUNT_COLUMNS = ("amount_usd", "amount", "cost_usd", "cost")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
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
    cleaned = value.strip().removeprefix("$").strip()
    if "," in cleaned:
        # Commas only as thousands separators ("1,234.56"); "1,5" could be 1.5 or 15: refuse.
        if not THOUSANDS.match(cleaned):
            cleaned = "not a number"
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise InputError.at(
            file,
            row=row,
            column=column,
            expected="a number",
            found=repr(value),
            fix="Use plain numbers such as 1234.56 (a dot for decimals, commas only between thousands).",
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
    except UnicodeDecodeError as exc:
        raise InputError.at(
            file,
            expected="UTF-8 text",
            found=f"undecodable bytes at byte {exc.start}",
            fix="Save the invoice as UTF-8 CSV (Excel: CSV UTF-8).",
        ) from None
    except csv.Error as exc:
        raise InputError.at(
            file, expected="a CSV file", found=f"unreadable CSV ({exc})", fix="Export the invoice as CSV."
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
