"""Display strings for report values: dollars, shares, counts, intervals, text. Rounding
happens here and nowhere else; a value the result does not hold shows as "not available"."""

from __future__ import annotations

from typing import Any

from advisor.report.marks import NA


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def usd(value: Any) -> str:
    """Dollars at a precision that suits the amount; the sign before the $; never a negative zero."""
    if not _is_number(value):
        return NA
    digits = 0 if abs(value) >= 100 else 2 if abs(value) >= 0.1 else 4
    rounded = round(float(value), digits)
    if rounded == 0:
        return "$0"
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.{digits}f}"


def share(value: Any) -> str:
    return f"{value:.1%}" if _is_number(value) else NA


def number(value: Any, digits: int = 0) -> str:
    return f"{value:,.{digits}f}" if _is_number(value) else NA


def interval(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{usd(value[0])} – {usd(value[1])}"
    return NA


def text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NA
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def prerequisites(value: Any) -> str:
    if isinstance(value, (list, tuple)) and not value:
        return "none"
    return text(value)
