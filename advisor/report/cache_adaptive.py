"""The adaptive (vCache-style) cache beside the static one, format-neutral: cache findings -> one sentence.

Shown in the findings table's note after the static cache's sentence, in every report format.
Findings stored before the field existed have no "adaptive" entry: the sentence is then empty.
"""

from __future__ import annotations

from typing import Any

from advisor.report.formatting import number, share, usd


def adaptive_sentence(found: dict[str, Any]) -> str:
    a = found.get("adaptive")
    if found.get("skipped_reason") or not isinstance(a, dict):
        return ""
    return (
        f"An adaptive cache (per-entry learned thresholds, vCache-style, at most "
        f"{share(a.get('error_bound'))} of calls answered wrong) would answer {share(a.get('hit_rate'))} "
        f"of calls, an estimated {share(a.get('false_hit_rate'))} of its answers wrong, after "
        f"{number(a.get('verification_calls'))} verification calls; net {usd(a.get('monthly_net_savings_usd'))} a month."
    )
