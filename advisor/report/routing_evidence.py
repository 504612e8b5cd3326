"""The routing evidence behind the advice, format-neutral: result dict -> the rows of one table
(advisor.report.content wraps them in its Table).

Per candidate model: where its estimate comes from, how many labelled calls it rests on, the
router's out-of-fold AUC with its interval, its calibration error (ECE), the learning curve
and the stated confidence. Values are only formatted here; every number is the analyzer's.
"""

from __future__ import annotations

from typing import Any

from advisor.result.view import findings

NA = "not available"  # as advisor.report.content shows a missing value
TITLE = "Routing evidence"
COLUMNS = (
    "candidate",
    "source",
    "labelled calls",
    "AUC [95 % interval]",
    "ECE",
    "learning curve (labels: AUC)",
    "routable at target",
    "confidence",
)
NOTE = (
    "AUC and ECE are out of fold; 'medium' confidence needs a stable learning curve and an AUC "
    "interval above 0.5; the lower bound is cross-fitted and holds on new traffic."
)

_SOURCE = {"labels": "your labels", "default_router": "shipped MMLU router", "none": "no estimate"}


def _num(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else NA


def _share(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) and not isinstance(value, bool) else NA


def _auc(cand: dict[str, Any]) -> str:
    auc = (cand.get("metrics") or {}).get("auc")
    iv = cand.get("auc_interval")
    if auc is None:
        return NA
    if isinstance(iv, (list, tuple)) and len(iv) == 2:
        return f"{_num(auc)} [{_num(iv[0])}, {_num(iv[1])}]"
    return _num(auc)


def _curve(cand: dict[str, Any]) -> str:
    learning = cand.get("learning") or {}
    points = learning.get("points") or []
    if not points:
        return NA
    shown = ", ".join(f"{p.get('n_labelled')}: {_num(p.get('auc_mean'))}" for p in points)
    stable = learning.get("n_needed_for_stable_auc")
    return f"{shown} ({'stable from ' + str(stable) if stable is not None else 'not yet stable'})"


def routing_evidence_rows(result: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """One row per candidate; empty when the routing analyzer did not run or has none."""
    found = findings(result, "routing")
    rows = []
    for c in (found or {}).get("candidates") or []:
        lower = c.get("quality_lower_bound")
        routable = f"{_share(c.get('max_share_at_target'))} of calls"
        if lower is not None:
            routable += f", quality >= {_share(lower)} (lower bound)"
        n = c.get("n_labelled")
        rows.append(
            (
                str(c.get("model") or NA),
                _SOURCE.get(str(c.get("mode")), str(c.get("mode") or NA)),
                str(n) if isinstance(n, int) else NA,
                _auc(c),
                _num((c.get("metrics") or {}).get("ece")),
                _curve(c),
                routable,
                str(c.get("confidence") or NA),
            )
        )
    return tuple(rows)
