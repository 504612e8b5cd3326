"""What the plan means for each kind of traffic: QueryLog + findings + Plan -> shares per traffic class.

Per traffic class (the calls' task, else latency class; advisor/cost/usage.py), the share of its
calls the plan moves off their model and the share it sends to a batch API, averaged over the
class's own calls: each call takes its segment's shares, and only a batch-eligible call can go
to batch (at the rate that gives its segment the planned batch share). A later run weighs these
by its own mix of classes, so a shift in traffic does not read as more or less adoption.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from advisor.analyzers.levers import LeverFindings
from advisor.cost.usage import traffic_classes
from advisor.optimizer.segments import segment_calls

if TYPE_CHECKING:
    from advisor.analyzers import Findings
    from advisor.core.schema import QueryLog
    from advisor.optimizer.plan import Plan


def _segment_rates(plan: Plan, of_call: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per call: the probability it is moved off its model, and that it goes to batch."""
    k = len(plan.segments)
    moved_rt, moved_b, batch = np.zeros(k), np.zeros(k), np.zeros(k)
    for i, seg in enumerate(plan.segments):
        rt_total = sum(m.realtime_share for m in seg.shares)
        batch[i] = sum(m.batch_share for m in seg.shares)
        moved_rt[i] = sum(m.realtime_share for m in seg.shares if not m.is_current) / rt_total if rt_total else 0.0
        moved_b[i] = sum(m.batch_share for m in seg.shares if not m.is_current) / batch[i] if batch[i] else 0.0
    counts = np.bincount(of_call, minlength=k)
    eligible_share = np.bincount(of_call, weights=eligible.astype(float), minlength=k) / np.maximum(counts, 1)
    rate = np.where(eligible_share > 0, np.minimum(1.0, batch / np.maximum(eligible_share, 1e-300)), 0.0)
    p_batch = eligible * rate[of_call]
    p_moved = p_batch * moved_b[of_call] + (1 - p_batch) * moved_rt[of_call]
    return p_moved, p_batch


def planned_by_class(
    log: QueryLog, findings: LeverFindings | Mapping[str, Findings], plan: Plan
) -> dict[str, dict[str, float]]:
    """{traffic class: {"moved_share", "batch_share"}} of the class's calls under the plan in full."""
    levers = LeverFindings.of(findings)
    segmentation = segment_calls(log, levers.routing)
    if len(segmentation.segments) != len(plan.segments) or not log.n_calls:
        return {}
    eligible = np.zeros(log.n_calls, dtype=bool)
    if levers.batch is not None and len(levers.batch.per_call_eligible) == log.n_calls:
        eligible = np.asarray(levers.batch.per_call_eligible, dtype=bool)
    p_moved, p_batch = _segment_rates(plan, segmentation.of_call, eligible)
    classes = traffic_classes(log.frame)
    return {
        str(g): {"moved_share": float(p_moved[classes == g].mean()), "batch_share": float(p_batch[classes == g].mean())}
        for g in sorted(set(classes.tolist()))
    }
