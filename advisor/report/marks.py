"""Provenance in the reports: result dict -> a figure's marker, the legend, the 'Defaults in use' table.

Each figure shown gets the marker of its kind (advisor.core.provenance.MARKERS: nothing for
measured, [p] projected, [c] configured, [a] resting on advisor's defaults); the legend lists
the markers the report uses. A stored run from before schema 1.1 has no provenance: no markers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from advisor.core.provenance import ASSUMED, KINDS, LEGEND, MARKERS, PROJECTED, lookup
from advisor.result.view import get_path

NA = "not available"  # how the reports show a value the result does not hold


COMPONENTS = {
    "infrastructure": (
        ("workers", "worker_cost_per_month_usd"),
        ("cache", "cache_cost_per_month_usd"),
        ("database", "database_cost_per_month_usd"),
        ("networking", "networking_cost_per_month_usd"),
        ("storage", "storage_cost_per_month_usd"),
    ),
    "operations": (
        ("observability", "observability_cost_per_month_usd"),
        ("on-call", "on_call_cost_per_month_usd"),
        ("incident tooling", "incident_tooling_cost_per_month_usd"),
        ("security and compliance", "security_compliance_cost_per_month_usd"),
    ),
}


def kind_of(result: dict[str, Any], path: str) -> str | None:
    entry = lookup(result.get("provenance") or {}, path)
    return entry.get("kind") if isinstance(entry, dict) else None


def mark(result: dict[str, Any], path: str, shown: str) -> str:
    """`shown` followed by the marker of the figure at `path` (none for measured or unknown)."""
    marker = MARKERS.get(kind_of(result, path) or "", "")
    return f"{shown} {marker}" if marker and shown != NA else shown


def components(result: dict[str, Any], part: str, usd: Callable[[Any], str]) -> list[tuple[str, str]]:
    """One indented, marked line per cost component the result holds (hosted-only runs: no workers)."""
    found = get_path(result, "baseline", part) or {}
    return [
        (f"  {label}", mark(result, f"baseline.{part}.{key}", usd(found[key])))
        for label, key in COMPONENTS[part]
        if key in found
    ]


def total_label(result: dict[str, Any]) -> str:
    if kind_of(result, "baseline.total_cost_per_month_usd") == ASSUMED:
        return "Total cost per month, incl. assumed infrastructure and operations"
    return "Total cost per month"


def legend(result: dict[str, Any]) -> str:
    """One line: the markers in use and what they mean; empty without provenance."""
    provenance = result.get("provenance") or {}
    used = {e.get("kind") for e in provenance.values() if isinstance(e, dict)}
    parts = ["unmarked: measured from the log"] if provenance else []
    for kind in KINDS:
        if kind in used and MARKERS[kind]:
            meaning = LEGEND[kind]
            if kind == PROJECTED and get_path(result, "baseline", "scaling"):
                meaning = f"{get_path(result, 'baseline', 'scaling')} (set in [projection])"
            parts.append(f"{MARKERS[kind]} {meaning}")
    return "; ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:,g}"
    return "not set" if value is None else str(value)


def default_rows(result: dict[str, Any]) -> tuple[tuple[str, str, str], ...] | None:
    """(setting, value, source) per default the run rests on; None for a run stored before schema 1.1."""
    rows = result.get("defaults_in_use")
    if not isinstance(rows, list):
        return None
    return tuple(
        (f"[{str(r.get('setting')).replace('.', '] ', 1)}", _value(r.get("value")), str(r.get("source")))
        for r in rows
        if isinstance(r, dict)
    )
