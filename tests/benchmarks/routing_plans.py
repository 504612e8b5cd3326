"""The plan on held-out halves: per-call routing (score bins) against segment shares.

Used by tests.benchmarks.routing_holdout. Both plans are solved by the optimizer (solve_plan) on
the whole log from the routing analyzer's estimate of one split (the labelled half trains), with
the routing segments `advisor analyze` would make (KMeans on the embeddings, 12 segments):

- per call (`[optimizer] routing_unit = "call"`, the default): each segment's calls in the
  analyzer's routed prefix, in score bins (advisor/optimizer/routing_bins.py); a segment's routed
  share goes to its best-scored calls;
- per segment (`routing_unit = "segment"`, the unit before): a share of each segment at the
  segment's expected quality (gains and losses), raised by z standard errors of its labels;
  which calls of a segment it routes the plan does not say, so a seeded random subset;
- uncapped (not an advisor setting, for comparison): score bins over every eligible call, each
  at its expected change raised by z standard errors of its labelled calls, as segments are;
- cross-fitted, per call and per segment (advisor/optimizer/crossfit.py): one out-of-sample
  bound on the whole plan for both units (the program chooses on one fold of the labels, the
  choice is scored on the other, and the plan on every label is held above the target by that
  optimism plus z standard errors of the whole plan); per call, each segment's eligible calls in
  up to 4 score bins (a segment-share plan is a feasible fill of them), routed best scored first;
- the cross-fitted segment plan's shares routed best scored first, as a threshold routes them.

Realized quality and savings are read on the unlabelled half.
"""

from __future__ import annotations

from dataclasses import replace
from statistics import NormalDist

import numpy as np

from advisor.optimizer.crossfit import RoutingEvidence, cross_fitted_plan, routed_calls
from advisor.optimizer.inputs import ModelOption, OptimizerInputs, SegmentInput
from advisor.optimizer.plan import solve_plan
from advisor.optimizer.routing_bins import N_BINS, CandidateBins, bin_options, call_bins
from advisor.optimizer.settings import OptimizerSettings

BEST_FIRST = "segment, cross-fitted, best scored first"
UNITS = ("call", "segment", "uncapped", "call, cross-fitted", "segment, cross-fitted", BEST_FIRST)
RIVAL = {"call": "segment", "call, cross-fitted": "segment, cross-fitted", BEST_FIRST: "segment, cross-fitted"}
Z = NormalDist().inv_cdf(OptimizerSettings().quality_confidence)


def _segment_option(est, rows, base, labelled) -> ModelOption:
    q = float(np.clip(base[rows] + est.per_call_expected_delta[rows], 0.0, 1.0).mean())
    n_lab = int(labelled[rows].sum())
    se = float(np.sqrt(max(q * (1 - q), 0.0) / n_lab)) if n_lab else 0.0
    return ModelOption(est.model, est.provider, q, 0.0, 0.0, False, se)


def _bin_se(order, segment_of, s, realized, n_bins) -> list[tuple[float | None, float]]:
    """Each bin's mean measured change on its labelled calls (scored out of fold) and its
    standard error (the uncapped variant)."""
    idx = order[segment_of[order] == s]
    out: list[tuple[float | None, float]] = []
    for part in np.array_split(idx, min(n_bins, len(idx))) if len(idx) else []:
        r = realized[part]
        r = r[np.isfinite(r)]
        out.append((float(r.mean()), float(r.std(ddof=1) / np.sqrt(len(r)))) if len(r) > 1 else (None, 0.5))
    return out


UNCAPPED_BINS = 8


def plan_inputs(est, segment_of, base, cost, ratio, labelled, target, unit, realized=None):
    """OptimizerInputs for one estimate; `unit` is "call", "uncapped" or "segment"."""
    n = len(segment_of)
    counts = np.bincount(segment_of).astype(float)
    k = round(est.max_share_at_target * n) if unit == "call" else len(est.per_call_routable_order)
    prefix = np.asarray(est.per_call_routable_order)[:k]
    saving = cost * (1 - ratio)
    n_bins = N_BINS if unit == "call" else UNCAPPED_BINS
    bins = CandidateBins(
        est.model,
        est.provider,
        k,
        call_bins(segment_of, counts, prefix, est.per_call_expected_delta, saving, cost, n_bins),
    )
    segments = []
    for s in range(len(counts)):
        rows = np.flatnonzero(segment_of == s)
        today, q0 = float(cost[rows].mean()), float(base[rows].mean())
        options = [ModelOption("today", "", q0, today, today, True)]
        if unit == "call":
            options += bin_options(bins, s, q0, today, 1.0)
        elif unit == "uncapped":
            ses = _bin_se(prefix, segment_of, s, realized, n_bins)
            options += [
                replace(o, quality=o.quality if mean is None else q0 + mean, quality_se=se)
                for o, (mean, se) in zip(bin_options(bins, s, q0, today, 1.0), ses, strict=True)
            ]
        else:
            option = _segment_option(est, rows, base, labelled)
            price = today * ratio
            options.append(ModelOption(option.model, "", option.quality, price, price, False, option.quality_se))
        segments.append(SegmentInput(s, f"segment {s}", float(len(rows)), q0, tuple(options), 0.0, ()))
    return OptimizerInputs(
        segments=tuple(segments),
        quality_target=target,
        baseline_cost_per_month_usd=float(cost.sum()),
        levers=frozenset({"routing"}),
        quality_z=0.0 if unit == "call" else Z,
        routing_caps=((est.model, float(k)),) if unit == "call" else (),
    )


def realize(plan, est, segment_of, weak, strong, cost, ratio, hidden, unit, seed) -> dict:
    """Route each segment's planned share (its best-scored calls, or a random subset) and read the
    quality and savings on the hidden half."""
    routed = np.zeros(len(weak), dtype=bool)
    rank = np.empty(len(weak), dtype=np.int64)
    order = np.asarray(est.per_call_routable_order)
    rank[order] = np.arange(len(order))
    rng = np.random.default_rng(seed)
    for sp in plan.segments:
        share = sum(m.realtime_share + m.batch_share for m in sp.shares if not m.is_current)
        rows = np.flatnonzero(segment_of == sp.segment_id)
        take = round(share * len(rows))
        if take == 0:
            continue
        chosen = rows[np.argsort(rank[rows], kind="stable")] if unit != "segment" else rng.permutation(rows)
        routed[chosen[:take]] = True
    served = np.where(routed, weak, strong)
    saving = cost * (1 - ratio) * routed
    return {
        "projected_quality": plan.expected_relative_quality,
        "realized_quality": served[hidden].sum() / strong[hidden].sum(),
        "projected_savings": plan.monthly_savings_usd / plan.baseline_cost_per_month_usd,
        "realized_savings": saving[hidden].sum() / cost[hidden].sum(),
    }


def cross_fitted(est, segment_of, weak, strong, cost, ratio, hidden, target, seed) -> dict[str, dict]:
    """Both units under the one cross-fitted bound, read on the hidden half."""
    ev = RoutingEvidence(
        segment_of=segment_of,
        order=np.asarray(est.per_call_routable_order),
        realized=np.where(hidden, np.nan, weak - strong),
        saving_usd=cost * (1 - ratio),
        today_usd=cost,
        current_quality=np.where(hidden, strong[~hidden].mean(), strong),
    )
    out = {}
    for unit in ("call", "segment"):
        plan = cross_fitted_plan(ev, target, unit, seed=seed)
        out[f"{unit}, cross-fitted"] = _read(plan, routed_calls(ev, plan, seed=seed), weak, strong, cost, ratio, hidden)
    # The segment plan's own shares sent as a threshold would send them: each segment's best
    # scored calls (what a per-call plan can reproduce of it); its projection is the segment plan's.
    plan = replace(plan, unit="call")
    out[BEST_FIRST] = _read(plan, routed_calls(ev, plan, seed=seed), weak, strong, cost, ratio, hidden)
    out[BEST_FIRST]["projected_savings"] = out["segment, cross-fitted"]["projected_savings"]
    return out


def _read(plan, routed, weak, strong, cost, ratio, hidden) -> dict:
    served = np.where(routed, weak, strong)
    return {
        "projected_quality": plan.expected_quality,
        "lower_bound": plan.lower_bound,
        "realized_quality": served[hidden].sum() / strong[hidden].sum(),
        "projected_savings": plan.savings_usd / cost.sum(),
        "realized_savings": (cost * (1 - ratio) * routed)[hidden].sum() / cost[hidden].sum(),
    }


def both_plans(est, segment_of, weak, strong, cost, ratio, hidden, target, seed) -> dict[str, dict]:
    base = np.where(hidden, strong[~hidden].mean(), strong)
    out = cross_fitted(est, segment_of, weak, strong, cost, ratio, hidden, target, seed)
    realized = np.where(hidden, np.nan, weak - strong)
    for unit in UNITS[:3]:
        inputs = plan_inputs(est, segment_of, base, cost, ratio, ~hidden, target, unit, realized)
        plan = solve_plan(inputs, sensitivity=False)
        out[unit] = realize(plan, est, segment_of, weak, strong, cost, ratio, hidden, unit, seed)
    return out
