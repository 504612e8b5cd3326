"""The plan's routing as per-request rules: plan shares + stored per-call scores -> SegmentRule per segment.

The plan says, per segment, which share of the segment's calls goes to each cheaper model (real
time and batch together), and it routes a segment's best-scored calls first (the lowest routing
score: least to gain from the stronger model). A deployed router reproduces that with one
cut-off per (segment, candidate): a request goes to the candidate when its score is at or below
the cut-off. Cut-offs are read from the analyzed log's own scores, so the log's calls, routed by
the rules, land in the plan's shares. With several candidates in one segment the cheapest (by
mean cost ratio) takes the best-scored calls first and the next cut-off is read from the calls
left. Calls with equal scores (repeats of one text) move together, so a share is reproduced to
within half the largest group of equal scores at the cut-off; `reproduced_share` says what the
cut-off gives on the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.history.router_store import RunRouter, StoredCandidate


@dataclass(frozen=True)
class Route:
    model: str
    provider: str
    threshold: float | None  # send when the routing score <= this; None: never (a share under one call)
    planned_share: float  # of the segment's calls, in the plan
    reproduced_share: float  # of the segment's calls in the analyzed log, routed by this cut-off


@dataclass(frozen=True)
class SegmentRule:
    segment_id: int
    current_model: str  # where a request no route takes goes
    n_calls: int  # calls of the analyzed log in the segment
    routes: tuple[Route, ...]  # tried in order; the first whose cut-off the request passes wins


def cut_off(scores: np.ndarray, k: float) -> tuple[float | None, int]:
    """(a cut-off c such that the count of scores <= c is closest to k, that count); (None, 0)
    when routing nothing is closest."""
    if len(scores) == 0 or k <= 0:
        return None, 0
    values, counts = np.unique(scores, return_counts=True)
    cumulative = np.cumsum(counts)
    i = int(np.argmin(np.abs(cumulative - k)))
    if abs(0 - k) <= abs(cumulative[i] - k):
        return None, 0
    # Halfway to the next score up: a request scored again at route time (another embedding
    # batch, float rounding) stays on the same side of the cut-off.
    above = values[i + 1] if i + 1 < len(values) else values[i] + max(abs(values[i]), 1.0)
    return float((values[i] + above) / 2), int(cumulative[i])


def _planned(segment: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(model, provider, share of the segment's calls) of each cheaper model the plan sends calls to."""
    totals: dict[tuple[str, str], float] = {}  # a model listed twice (e.g. per score bin) sums
    for share in segment.get("shares") or []:
        if share.get("is_current"):
            continue
        key = (str(share["model"]), str(share.get("provider") or ""))
        totals[key] = (
            totals.get(key, 0.0) + float(share.get("realtime_share") or 0.0) + float(share.get("batch_share") or 0.0)
        )
    return [(model, provider, total) for (model, provider), total in totals.items() if total > 0]


def segment_rule(segment: dict[str, Any], rows: np.ndarray, candidates: dict[str, StoredCandidate]) -> SegmentRule:
    """One plan segment's rule; `rows`: its calls in the analyzed log."""
    n = len(rows)
    planned = [p for p in _planned(segment) if p[0] in candidates]
    planned.sort(key=lambda p: (candidates[p[0]].mean_cost_ratio, p[0]))  # cheapest takes the best-scored calls
    left = np.ones(n, dtype=bool)
    routes = []
    for model, provider, share in planned:
        score = candidates[model].per_call_score[rows]
        threshold, _ = cut_off(score[left], share * n)
        taken = left & (score <= threshold) if threshold is not None else np.zeros(n, dtype=bool)
        left &= ~taken
        routes.append(Route(model, provider, threshold, share, float(taken.sum() / n) if n else 0.0))
    return SegmentRule(int(segment["segment_id"]), str(segment.get("current_model") or ""), n, tuple(routes))


def plan_rules(plan: dict[str, Any], router: RunRouter) -> tuple[SegmentRule, ...]:
    """A rule per segment the stored router knows, in segment id order; a segment the plan
    does not list keeps its calls on the plan's most common current model."""
    candidates = {c.model: c for c in router.candidates}
    by_id = {int(s["segment_id"]): s for s in plan.get("segments") or []}
    fallback = _most_common_current(plan.get("segments") or [])
    rules = []
    for sid in range(len(router.centroids)):
        rows = np.flatnonzero(router.per_call_segment == sid)
        segment = by_id.get(sid, {"segment_id": sid, "current_model": fallback, "shares": []})
        rules.append(segment_rule(segment, rows, candidates))
    return tuple(rules)


def _most_common_current(segments: Sequence[dict[str, Any]]) -> str:
    weights: dict[str, float] = {}
    for s in segments:
        model = str(s.get("current_model") or "")
        weights[model] = weights.get(model, 0.0) + float(s.get("calls_per_month") or 0.0)
    return max(sorted(weights), key=lambda m: weights[m]) if weights else ""
