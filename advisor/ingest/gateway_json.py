"""JSON as gateways and tracers write it -> a list of records.

Accepts, in one parser: JSONL; one JSON document (an array of records, or an object);
several pretty-printed objects one after another (the OpenTelemetry console exporter);
envelopes that wrap the records: {"data": [...]} (LiteLLM /spend/logs/v2, Langfuse API),
{"events": [...]} (Braintrust fetch), and OTLP's resourceSpans -> scopeSpans -> spans.
Each record keeps the line its document starts on, so errors can point at it.
"""

from __future__ import annotations

import json

ENVELOPE_KEYS = ("data", "events", "observations", "results", "items")
# What else an envelope may hold (paging); an object with other keys is a record, such as
# an OpenTelemetry SDK span, whose "events" list is part of the span.
PAGING_KEYS = frozenset(
    ("cursor", "total", "page", "page_size", "total_pages", "meta", "next", "has_more", "object", "first_id", "last_id")
)


def _spans(doc: dict) -> list[dict]:
    out: list[dict] = []
    for rs in doc.get("resourceSpans") or doc.get("resource_spans") or []:
        if not isinstance(rs, dict):
            continue
        for ss in rs.get("scopeSpans") or rs.get("scope_spans") or rs.get("instrumentationLibrarySpans") or []:
            if isinstance(ss, dict):
                out.extend(s for s in ss.get("spans") or [] if isinstance(s, dict))
    return out


def unwrap(doc: object) -> list[object]:
    """The records a document holds (itself, an array's items, or an envelope's list)."""
    if isinstance(doc, list):
        return list(doc)
    if isinstance(doc, dict):
        if "resourceSpans" in doc or "resource_spans" in doc:
            return list(_spans(doc))
        for key in ENVELOPE_KEYS:
            inner = doc.get(key)
            if isinstance(inner, list) and set(doc) - {key} <= PAGING_KEYS:
                return list(inner)
    return [doc]


def documents(text: str, limit: int | None = None) -> list[tuple[int, object]]:
    """(line the document starts on, document) for each JSON value in `text`, in order.

    Raises ValueError (with json's position) at the first text that is not JSON.
    """
    decoder = json.JSONDecoder()
    out: list[tuple[int, object]] = []
    pos, line, n = 0, 1, len(text)
    while pos < n and (limit is None or len(out) < limit):
        start = pos
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        line += text.count("\n", start, pos)
        if pos >= n:
            break
        doc, end = decoder.raw_decode(text, pos)
        out.append((line, doc))
        line += text.count("\n", pos, end)
        pos = end
    return out


def records(text: str, limit: int | None = None) -> tuple[list[object], list[int], str]:
    """(records, their numbers, "line" or "row"): line numbers when each document is one
    record (JSONL, concatenated objects), else record numbers counted from 1."""
    docs = documents(text, limit)
    out: list[object] = []
    lines: list[int] = []
    wrapped = False
    for line, doc in docs:
        inner = unwrap(doc)
        wrapped = wrapped or inner != [doc]
        out.extend(inner)
        lines.extend([line] * len(inner))
    if wrapped:
        return out, list(range(1, len(out) + 1)), "row"
    return out, lines, "line"
