"""Redaction of query texts before they reach a report: str -> str with private values masked.

Reports hold query texts only when the user asks (`--show-examples`), and even then API keys
and tokens, e-mail addresses, US social security numbers, card numbers, phone numbers, long
digit runs (account, order, ID numbers) and names a person gives ("my name is Ana Lopez") are
replaced by placeholders. Order matters: keys before e-mails, SSNs before card and phone
numbers before digit runs, so the most specific label wins. Names are found only after an
introduction; a bare name in a sentence is not recognised.
"""

from __future__ import annotations

import re
from typing import Any

API_KEY = re.compile(
    r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}"  # OpenAI / Stripe style
    r"|\bsk-ant-[A-Za-z0-9_-]{16,}"  # Anthropic
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|\bAIza[0-9A-Za-z_-]{30,}"  # Google API keys
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}"
    r"|\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b"  # long mixed tokens
)
SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
# A name a person introduces: "my name is Ana Lopez", "I'm Ana", "this is Dr Smith".
NAME = re.compile(
    r"(?i:\b(?:my name is|my name's|i am|i'm|this is|name:|signed,?|regards,?|thanks,?)\s+)"
    r"((?:Dr\.?\s+|Mr\.?\s+|Mrs\.?\s+|Ms\.?\s+)?[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2})"
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes (PAN lengths).
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# International or national phone numbers: optional +country, groups of digits with separators.
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])?\d{3,4}[ .-]\d{3,4}(?![\w-])")
LONG_DIGITS = re.compile(r"\d{6,}")

PLACEHOLDERS = (
    (API_KEY, "[key]"),
    (EMAIL, "[email]"),
    (SSN, "[ssn]"),
    (CARD, "[card]"),
    (PHONE, "[phone]"),
    (LONG_DIGITS, "[number]"),
)


# Every text a pattern above can change holds a digit, "@", or (lowercased) one of these: a key
# prefix, "bearer", or an introduction of NAME. Texts without any are returned as they are.
DIGIT_OR_AT = re.compile(r"[\d@]")
MARKERS = (
    *("sk-", "pk-", "rk-", "akia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "aiza", "bearer"),
    *("name", "i am", "i'm", "this is", "signed", "regards", "thanks"),
)
PLACEHOLDER = re.compile(r"\[(?:key|email|ssn|card|phone|number|name)\]")
SEGMENT_TERM = re.compile(r"[^\W\d_]{3,}(?: [^\W\d_]{3,})?")  # what a segment's name may hold: 1-2 words
TERM_SEPARATOR = " \u00b7 "  # "refund \u00b7 order status"


def redact_text(text: str) -> str:
    for pattern, placeholder in PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return NAME.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + "[name]", text)


def redact_texts(texts: list[str]) -> list[str]:
    """redact_text of each; texts no pattern can change (most of a log) skip the patterns."""
    return [redact_text(t) if might_change(t) else t for t in texts]


def might_change(text: str) -> bool:
    if DIGIT_OR_AT.search(text):
        return True
    low = text.lower()
    return any(marker in low for marker in MARKERS)


def safe_segment_label(label: Any) -> str:
    """A segment's words as they may be shown: every term 1-2 lowercase words of letters that redaction
    leaves alone; anything else (an old run's raw words, a number, an address) -> ""."""
    if not isinstance(label, str) or not label:
        return ""
    terms = label.split(TERM_SEPARATOR)
    ok = all(SEGMENT_TERM.fullmatch(t) and t == t.lower() and redact_text(t) == t for t in terms)
    return label if ok else ""


def shown_segment_name(position: int, label: Any = "") -> str:
    """How reports name routing segment `position` (1-based, the routing findings' order):
    "segment 3 \u00b7 refund \u00b7 order status", or "segment 3" when no safe words name it."""
    safe = safe_segment_label(label)
    return f"segment {position}{TERM_SEPARATOR}{safe}" if safe else f"segment {position}"


def segment_keys(position: int, label: Any = "") -> tuple[str, ...]:
    """The names a config may use for a segment: as shown, or by its number ("segment 3", "3")."""
    return tuple(dict.fromkeys((shown_segment_name(position, label), f"segment {position}", str(position))))


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


def _segment_names(data: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """(segment names in the routing findings' then the plan's order, {name: its label})."""
    names: list[str] = []
    labels: dict[str, str] = {}
    for owner in (data.get("findings", {}).get("routing") or {}, data.get("plan") or {}):
        for segment in (owner.get("segments") if isinstance(owner, dict) else None) or []:
            name = segment.get("name") if isinstance(segment, dict) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
            if isinstance(name, str) and isinstance(segment.get("label"), str):
                labels.setdefault(name, segment["label"])
    return names, labels


def neutral_segment_names(data: dict[str, Any]) -> dict[str, Any]:
    """Routing segments are named by number and, when the analyzer found them, safe words
    (`label`: terms many distinct queries share, redacted, advisor/analyzers/routing/naming.py):
    in everything advisor prints, stores or exports they become "segment 1 \u00b7 refund \u00b7 order
    status", "segment 2", ... (in the routing findings' order; shown_segment_name). A name
    without a safe label (an older run's raw words) becomes "segment N". Replaced where the
    recommendation text puts a name: the whole string, 'quoted' inside a sentence, and lever
    ids "routing:<name>"."""
    if not isinstance(data.get("findings"), dict):
        return data
    names, labels = _segment_names(data)
    mapping = {name: shown_segment_name(i, labels.get(name)) for i, name in enumerate(names, start=1)}
    mapping = {name: neutral for name, neutral in mapping.items() if name != neutral}
    if not mapping:
        return data
    quoted = {f"'{name}'": f"'{neutral}'" for name, neutral in mapping.items()}
    levers = {f"routing:{name}": f"routing:{neutral}" for name, neutral in mapping.items()}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(quoted, key=len, reverse=True)))

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            # Example rows hold query texts, which may equal a segment's words ("yeah"): left as written.
            return {fix(k): v if k == "examples" else fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str):
            if value in mapping:
                return mapping[value]
            if value in levers:
                return levers[value]
            return pattern.sub(lambda m: quoted[m.group(0)], value)
        return value

    return fix(data)
