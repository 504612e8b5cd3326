"""Redaction of query texts before they reach a report: str -> str with private values masked.

Reports hold query texts only when the user asks (`--show-examples`), and even then e-mail
addresses, card numbers, phone numbers and long digit runs (account, order, ID numbers) are
replaced by placeholders. Order matters: card numbers before phone numbers before digit runs,
so the most specific label wins.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes (PAN lengths).
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# International or national phone numbers: optional +country, groups of digits with separators.
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])?\d{3,4}[ .-]\d{3,4}(?![\w-])")
LONG_DIGITS = re.compile(r"\d{6,}")

PLACEHOLDERS = (
    (EMAIL, "[email]"),
    (CARD, "[card]"),
    (PHONE, "[phone]"),
    (LONG_DIGITS, "[number]"),
)


def redact_text(text: str) -> str:
    for pattern, placeholder in PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return text


def report_examples(result: dict[str, Any], *, show_examples: bool, redact: bool = True) -> list[dict[str, Any]]:
    """Example rows from `findings.<name>.examples`, only when asked, texts redacted by default.

    Returns [{"analyzer": name, "fields": {field: value}}]; an empty list without show_examples.
    """
    if not show_examples:
        return []
    rows = []
    for name, found in sorted((result.get("findings") or {}).items()):
        for example in (found or {}).get("examples") or []:
            if not isinstance(example, dict):
                continue
            fields = {
                key: (redact_text(value) if redact and isinstance(value, str) else value)
                for key, value in example.items()
            }
            rows.append({"analyzer": name, "fields": fields})
    return rows
