"""Compare two stored runs: (result dict A, result dict B) -> RunComparison.

Answers what a rerun a month later needs: did volume and unit costs move, which
recommendations appeared, vanished or changed, and did the stability verdict flip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisor.history.followup import FollowUp, follow_up, missing_usage
from advisor.result.view import get_path, recommendations, stability_verdict

# Baseline figures compared between runs: (label, key in baseline dict).
METRICS = (
    ("calls per month", "calls_per_month"),
    ("conversations per month", "conversations_per_month"),
    ("total cost per month (USD)", "total_cost_per_month_usd"),
    ("API cost per month (USD)", "api_cost_per_month_usd"),
    ("API cost per conversation (USD)", "api_cost_per_conversation_usd"),
    ("total cost per conversation (USD)", "total_cost_per_conversation_usd"),
    ("total cost per user-month (USD)", "total_cost_per_user_month_usd"),
    ("total cost per business unit (USD)", "total_cost_per_business_unit_usd"),
)

# Amounts, shares and counts inside titles: "12% of calls", "$26.49", "Reserve 2 workers".
AMOUNT = re.compile(r"\$?\d[\d,]*(?:\.\d+)?\s*%?")

# A recommendation whose savings move by more than this share counts as changed.
SAVINGS_CHANGE_SHARE = 0.10


@dataclass(frozen=True)
class MetricChange:
    label: str
    key: str
    value_a: float | None
    value_b: float | None
    change_share: float | None  # (b - a) / a; None when either is missing or a is 0


@dataclass(frozen=True)
class RecommendationChange:
    key: str
    title: str
    status: str  # "appeared" | "vanished" | "changed" | "unchanged"
    savings_a_usd: float | None
    savings_b_usd: float | None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunComparison:
    run_a: int | None
    run_b: int | None
    metrics: tuple[MetricChange, ...]
    recommendations: tuple[RecommendationChange, ...]
    stability_a: str | None
    stability_b: str | None
    stability_changed: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Was A's plan carried out, what did it save, why did the cost move (None: a run lacks usage).
    follow_up: FollowUp | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "metrics": [m.__dict__ for m in self.metrics],
            "recommendations": [{**r.__dict__, "details": list(r.details)} for r in self.recommendations],
            "stability_a": self.stability_a,
            "stability_b": self.stability_b,
            "stability_changed": self.stability_changed,
            "notes": list(self.notes),
            "follow_up": self.follow_up.to_dict() if self.follow_up is not None else None,
        }


def _share(a: Any, b: Any) -> float | None:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or a == 0:
        return None
    return (b - a) / a


def _title_key(rec: dict[str, Any]) -> str:
    """The title without its amounts and shares, which move between runs ('12% of calls')."""
    title = str(rec.get("title") or "")
    title = AMOUNT.sub("#", title)
    return f"{rec.get('lever')}: {' '.join(title.split())}"


def _pair(recs_a: list[dict[str, Any]], recs_b: list[dict[str, Any]]) -> list[tuple[str, dict | None, dict | None]]:
    """Match recommendations across runs: by id, else by title without numbers, else by lever in rank order."""
    pairs: list[tuple[str, dict | None, dict | None]] = []
    left_b = list(recs_b)
    unmatched_a = []
    for rec in recs_a:
        key = str(rec["id"]) if rec.get("id") is not None else _title_key(rec)
        match = next((r for r in left_b if (str(r["id"]) if r.get("id") is not None else _title_key(r)) == key), None)
        if match is None:
            unmatched_a.append(rec)
        else:
            left_b.remove(match)
            pairs.append((key, rec, match))
    for rec in unmatched_a:
        match = next((r for r in left_b if r.get("lever") == rec.get("lever")), None)
        if match is not None:
            left_b.remove(match)
        pairs.append((_title_key(rec), rec, match))
    pairs += [(_title_key(r), None, r) for r in left_b]
    return pairs


def _rec_change(key: str, a: dict | None, b: dict | None) -> RecommendationChange:
    title = str((b or a or {}).get("title") or key)
    sa = None if a is None else a.get("monthly_savings_usd")
    sb = None if b is None else b.get("monthly_savings_usd")
    if a is None:
        return RecommendationChange(key, title, "appeared", sa, sb)
    if b is None:
        return RecommendationChange(key, title, "vanished", sa, sb)
    details = []
    share = _share(sa, sb)
    if share is not None and abs(share) > SAVINGS_CHANGE_SHARE:
        details.append(f"savings {share:+.0%}")
    for name in ("quality_impact", "effort", "confidence", "rank"):
        if a.get(name) != b.get(name):
            details.append(f"{name}: {a.get(name)} -> {b.get(name)}")
    if a.get("title") != b.get("title"):
        details.append(f"title: {a.get('title')} -> {b.get('title')}")
    return RecommendationChange(key, title, "changed" if details else "unchanged", sa, sb, tuple(details))


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"sections": {"cache": {"ttl_s": 60}}} -> {"cache.ttl_s": 60} (the "sections" level dropped)."""
    if not isinstance(value, dict):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = "" if key == "sections" and not prefix else f"{prefix}.{key}" if prefix else str(key)
        out.update(_flat(item, name))
    return out


def _config_note(a: Any, b: Any) -> str:
    """How two runs' configurations differ, setting by setting (runs stored before configs were kept: that they do)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return "The runs used different configurations (the older run did not keep its settings)."
    fa, fb = _flat(a), _flat(b)
    missing = "(default)"
    diffs = [
        f"{key}: {fa.get(key, missing)!r} -> {fb.get(key, missing)!r}"
        for key in sorted(set(fa) | set(fb))
        if fa.get(key, missing) != fb.get(key, missing)
    ]
    shown = "; ".join(diffs[:8]) + (f"; and {len(diffs) - 8} more" if len(diffs) > 8 else "")
    return f"The runs used different configurations: {shown}."


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> RunComparison:
    metrics = tuple(
        MetricChange(
            label,
            key,
            get_path(a, "baseline", key),
            get_path(b, "baseline", key),
            _share(get_path(a, "baseline", key), get_path(b, "baseline", key)),
        )
        for label, key in METRICS
    )
    changes = tuple(_rec_change(k, ra, rb) for k, ra, rb in _pair(recommendations(a), recommendations(b)))
    va, vb = stability_verdict(a), stability_verdict(b)
    notes = []
    if a.get("price_date") != b.get("price_date"):
        notes.append(
            f"Price data differ ({a.get('price_date')} vs {b.get('price_date')}): part of any cost change is price."
        )
    if a.get("config_hash") and b.get("config_hash") and a.get("config_hash") != b.get("config_hash"):
        notes.append(_config_note(a.get("config"), b.get("config")))
    missing = missing_usage(a, b)
    if missing is not None:
        notes.append(missing)
    return RunComparison(
        run_a=get_path(a, "run", "id"),
        run_b=get_path(b, "run", "id"),
        metrics=metrics,
        recommendations=changes,
        stability_a=va,
        stability_b=vb,
        stability_changed=(va is not None and vb is not None and va != vb),
        notes=tuple(notes),
        follow_up=follow_up(a, b),
    )
