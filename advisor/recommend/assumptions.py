"""Recommendations whose savings rest mainly on advisor's defaults: say which, lower the confidence.

A lever's saving rests mainly on the baseline figures listed in RESTS_ON (capacity: the worker
price and sizing, all of its saving). When the cost model marks such a figure assumed
(advisor.cost.provenance: a default the user did not set), the recommendation gains a
prerequisite naming the settings to replace and its confidence drops one step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.core.provenance import ASSUMED
from advisor.recommend.common import Recommendation, join_words

if TYPE_CHECKING:
    from advisor.cost.baseline import Baseline

# lever -> the baseline figures (paths in Baseline.to_dict()) its saving is computed from.
RESTS_ON = {"capacity": ("infrastructure.worker_cost_per_month_usd",)}
LOWER = {"high": "medium", "medium": "low", "low": "low"}
# The settings worth naming first: the price and throughput a user can look up for their own fleet.
NAMED_FIRST = ("worker_cost_per_month_usd", "worker_calls_per_hour", "worker_conversations_per_hour")


def assumed_settings(lever: str, baseline: Baseline | None) -> tuple[str, ...]:
    """The defaults (setting keys) that `lever`'s saving mainly rests on; empty when none."""
    if baseline is None:
        return ()
    keys: list[str] = []
    for path in RESTS_ON.get(lever, ()):
        p = baseline.provenance.get(path)
        if p is not None and p.kind == ASSUMED:
            keys += [k for k in p.defaults if k.split(".", 1)[-1] in NAMED_FIRST]
    return tuple(sorted(set(keys), key=lambda k: NAMED_FIRST.index(k.split(".", 1)[-1])))


def _prerequisite(keys: Iterable[str]) -> str:
    by_section: dict[str, list[str]] = {}
    for key in keys:
        section, name = key.split(".", 1)
        by_section.setdefault(section, []).append(name)
    parts = [f"[{section}] {join_words(names)}" for section, names in by_section.items()]
    return f"set {'; '.join(parts)} to your own figures: this saving rests on advisor's defaults for them"


def flag_assumed(recs: Iterable[Recommendation], baseline: Baseline | None) -> list[Recommendation]:
    out = []
    for rec in recs:
        keys = assumed_settings(rec.lever, baseline)
        if keys:
            rec = replace(
                rec,
                prerequisites=(*rec.prerequisites, _prerequisite(keys)),
                confidence=LOWER.get(rec.confidence, rec.confidence),
            )
        out.append(rec)
    return out
