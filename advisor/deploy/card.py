"""The exported router's model card: stored run + rules -> MODEL_CARD.md (no query text).

What the router was fitted on (calls, labels per candidate, where its scores come from), how well
it ranks (out-of-fold AUC with its interval, ECE, as the run measured them) and the plan it
encodes (per segment: planned share per candidate, the share its cut-off gives on the analyzed
log). Segments are named as the run's reports name them: number and safe terms ("segment 3 \u00b7
refund \u00b7 order status", advisor.core.redact.shown_segment_name), never query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor.deploy.thresholds import SegmentRule

MODES = {
    "labels": "a classifier fitted on this log's labels (shadow answers of the candidate)",
    "default_router": "advisor's shipped default router (RouteLLM MMLU, Mixtral vs GPT-4; models/router/MODEL_CARD.md)",
}


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * float(value):.1f} %"


def _candidate_rows(candidates: Sequence[dict[str, Any]], exported: set[str]) -> list[str]:
    rows = [
        "| candidate | scorer | labelled calls | AUC (out of fold) | AUC 95 % interval | ECE | confidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in candidates:
        if c.get("model") not in exported:
            continue
        metrics = c.get("metrics") or {}
        interval = c.get("auc_interval")
        band = "n/a" if not interval else f"[{_num(interval[0])}, {_num(interval[1])}]"
        rows.append(
            f"| {c['model']} | {MODES.get(str(c.get('mode')), c.get('mode'))} | {c.get('n_labelled', 0)} | "
            f"{_num(metrics.get('auc'))} | {band} | {_num(metrics.get('ece'))} | {c.get('confidence', 'n/a')} |"
        )
    return rows


def _segment_rows(rules: Sequence[SegmentRule], names: dict[int, str]) -> list[str]:
    rows = [
        "| segment | calls in the log | current model | candidate | planned share | share its cut-off routes | cut-off |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        name = names.get(rule.segment_id, f"segment {rule.segment_id + 1}")
        if not rule.routes:
            rows.append(f"| {name} | {rule.n_calls} | {rule.current_model} | (none) | 0.0 % | 0.0 % | |")
        for r in rule.routes:
            cut = "never" if r.threshold is None else f"{r.threshold:.6g}"
            rows.append(
                f"| {name} | {rule.n_calls} | {rule.current_model} | {r.model} | "
                f"{_pct(r.planned_share)} | {_pct(r.reproduced_share)} | {cut} |"
            )
    return rows


def _segment_names(plan: dict[str, Any]) -> dict[int, str]:
    """segment id -> the name the run's reports show (the stored plan holds it)."""
    names = {}
    for s in plan.get("segments") or []:
        if isinstance(s, dict) and s.get("segment_id") is not None and isinstance(s.get("name"), str):
            names[int(s["segment_id"])] = s["name"]
    return names


def model_card(
    result: dict[str, Any], run_id: int, rules: Sequence[SegmentRule], embedding_model_id: str | None
) -> str:
    """Markdown; `result`: the stored run's result dict."""
    routing = ((result.get("findings") or {}).get("routing")) or {}
    plan = result.get("plan") or {}
    exported = {r.model for rule in rules for r in rule.routes}
    n_calls = sum(rule.n_calls for rule in rules)
    lines = [
        f"# Router exported from advisor run {run_id}",
        "",
        "Routes each request to the model the run's plan gives its segment: the request's embedding "
        "picks the segment (nearest centroid), each candidate's classifier scores it, and it goes to the "
        "first candidate whose cut-off it passes, else to the segment's current model. Cut-offs are set "
        "so that the analyzed log's calls land in the plan's shares (best-scored calls first). "
        "Use: `advisor route DIR --text ...` or `advisor.load_router(DIR).choose(texts)`.",
        "",
        "## Data it was fitted on",
        "",
        f"- Calls in the analyzed log: {n_calls}, in {len(rules)} segments; run created {(result.get('run') or {}).get('created_utc', 'n/a')}, "
        f"advisor {result.get('advisor_version', 'n/a')}.",
        f"- Embedding model: `{embedding_model_id}` (load_router checks it).",
        f"- Quality target {_num(plan.get('quality_target'))} of today's quality; the plan projects "
        f"{_num(plan.get('expected_relative_quality'))} and {_num(plan.get('monthly_savings_usd'), 0)} USD a month saved.",
        "- No query text is stored here: centroids, classifier arrays (PCA-reduced reference embeddings "
        "with mean labels) and numbers only.",
        "",
        *_candidate_rows(routing.get("candidates") or [], exported),
        "",
        "## The plan it encodes",
        "",
        "Shares are of each segment's calls (real time and batch together); a cache in front answers "
        "its hits before the router sees them. Calls with equal scores (repeats of one text) move "
        "together, so a share is reproduced to within half the largest such group.",
        "",
        *_segment_rows(rules, _segment_names(plan)),
        "",
    ]
    return "\n".join(lines)
