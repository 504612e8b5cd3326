"""Query texts -> the entity values they carry (order numbers, e-mails, amounts, dates, phones).

    entity_signatures(texts) -> list[frozenset[str]]   ("kind:value" items; empty = none)
    entity_conflict(sig_a, sig_b) -> bool               (both carry values and they differ)

A cached answer to "cancel order 1135" is wrong for "cancel order 2290": two texts that
embed almost identically can still need different answers when their values differ. The
cache analyzer counts a hit between calls with different values as a false hit, and reports
how much of the hit volume carries values at all. Regexes, not a model: the kinds are
few, their shapes are regular, and a miss only makes the estimate less cautious.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Order matters: e-mails and dates before bare numbers, so their digits are not also read
# as an order number.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "date",
        re.compile(
            r"\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|"
            r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?|"
            r"\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(?:,? \d{4})?)\b",
            re.IGNORECASE,
        ),
    ),
    ("phone", re.compile(r"(?<![\w+])(?:\+\d{1,3}[ -]?)?\(?\d{3}\)?[ -]?\d{3}[ -]\d{4}\b")),
    (
        "amount",
        re.compile(
            r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b)",
            re.IGNORECASE,
        ),
    ),
    # An identifier: a run of 3+ digits, possibly with letters and dashes (order #A-1135).
    ("id", re.compile(r"\b(?=[\w-]*\d{3})[A-Za-z]{0,4}[-#]?\d[\w-]*\b")),
)


# Every pattern above needs a digit, or an "@" (e-mail): texts with neither carry no entity.
_MAYBE_ENTITY = re.compile(r"[\d@]")


def extract_entities(text: str) -> frozenset[str]:
    """The entity values of one text as "kind:value" strings (values lower-cased)."""
    if not isinstance(text, str) or not _MAYBE_ENTITY.search(text):
        return frozenset()
    found: set[str] = set()
    rest = text
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(rest):
            found.add(f"{kind}:{m.group(0).lower().strip()}")
        rest = pattern.sub(" ", rest)
    return frozenset(found)


def entity_signatures(texts: Iterable[str]) -> list[frozenset[str]]:
    # Logs repeat the same questions a lot: each distinct text is parsed once.
    seen: dict[str, frozenset[str]] = {}
    out = []
    for t in texts:
        sig = seen.get(t) if isinstance(t, str) else None
        if sig is None:
            sig = extract_entities(t)
            if isinstance(t, str):
                seen[t] = sig
        out.append(sig)
    return out


def entity_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when the two texts carry different entity values (one having none counts too:
    the answer to "cancel my order" is not the answer to "cancel order 2290")."""
    return a != b
