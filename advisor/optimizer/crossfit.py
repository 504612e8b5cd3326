"""A routing plan whose promised quality is an out-of-sample bound on the whole plan: labels -> shares.

One candidate, routing alone. The unit is "call" (each segment's calls in score bins, best scored
first: the plan's share of a segment is one score threshold) or "segment" (one cell per segment:
a share of its calls, which ones the plan does not say). Each cell's quality change is the mean
measured change (candidate minus current) of its labelled calls, with its standard error.

Choosing the cells by their own labels is optimistic (the winner's curse: the program picks the
cells whose labels happen to look good). So the labels are cross-fitted: split in two folds, the
program chooses on fold A and the chosen plan is scored on fold B, and the other way round; the
drop from the choosing fold to the scoring fold is the plan's optimism. The plan on every label
is then held above the target by a margin that covers that optimism (scaled by 1/sqrt(2): the
full label set is twice a fold, so its errors are sqrt(2) smaller) plus z standard errors of the
whole plan (the sum of the cells' variances; a cell's calls share one mean, so its error scales
with its routed calls; x sqrt(2) for new traffic as large as the labelled set). The margin
depends on the plan and the plan on the margin: the smallest margin whose plan's bound meets the
target is found by a scan and bisection, and only a plan whose bound meets the target is kept (none does:
nothing is routed). The quality a plan promises is always read on its
deployed form: each segment's share routed best-scored first (unit "call").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.core.errors import InfeasiblePlanError
from advisor.optimizer.inputs import ModelOption, OptimizerInputs, SegmentInput
from advisor.optimizer.plan import solve_plan

Z = 1.645  # one-sided 95 %, as the routing analyzer's cross-fitted bound (analyzers/routing/curves.py)
N_BINS = 4  # score bins per segment at most
MIN_LABELS_PER_BIN = 20  # labels of one fold in a bin; fewer labels: fewer bins
GRID_START, GRID_RATIO = 0.001, 1.4  # the scan's margins: 0, 0.001, 0.0014, ... up to 2 - target
BISECTIONS = 8  # between two scanned margins (ratio 1.4): to 0.4 / 2**8 of the margin
UNITS = ("call", "segment")


@dataclass(frozen=True)
class RoutingEvidence:
    """Per call: its segment, the measured change if labelled, its saving and today's cost."""

    segment_of: np.ndarray  # segment index per call (0..n_segments-1)
    order: np.ndarray  # eligible calls, best scored first (the routing analyzer's order)
    realized: np.ndarray  # candidate minus current quality, NaN where unlabelled
    saving_usd: np.ndarray  # today's cost minus the candidate's
    today_usd: np.ndarray
    current_quality: np.ndarray  # filled (labelled value, else the labelled mean)


@dataclass(frozen=True)
class CrossFitPlan:
    unit: str
    share: tuple[float, ...]  # routed share of each segment's calls
    expected_quality: float  # relative to today's; on every label, less the cross-fitted optimism
    lower_bound: float  # the quality promised: expected less z standard errors (x sqrt(2))
    optimism: float  # in-fold minus out-of-fold quality of the fold plans (mean of the two)
    quality_se: float
    savings_usd: float  # expected: the routed calls' savings (unit "segment": share x the segment's)


def folds(realized: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded halves of the labelled calls, as masks over the calls."""
    labelled = np.flatnonzero(np.isfinite(realized))
    a = np.zeros(len(realized), dtype=bool)
    a[np.random.default_rng(seed).permutation(labelled)[: len(labelled) // 2]] = True
    return a, np.isfinite(realized) & ~a


def cells(ev: RoutingEvidence, unit: str, fold: np.ndarray) -> list[list[np.ndarray]]:
    """Per segment its eligible calls in bins, best scored first: as many bins (up to N_BINS) as
    keep MIN_LABELS_PER_BIN labels of one fold in each; unit "segment": one cell."""
    order = np.asarray(ev.order)
    out = []
    for s in range(int(ev.segment_of.max()) + 1 if len(ev.segment_of) else 0):
        idx = order[ev.segment_of[order] == s]
        n_bins = 1 if unit == "segment" else max(1, min(N_BINS, int(fold[idx].sum()) // MIN_LABELS_PER_BIN))
        out.append(list(np.array_split(idx, n_bins)) if len(idx) else [])
    return out


def estimates(cl: list[list[np.ndarray]], realized: np.ndarray, mask: np.ndarray) -> list[list[tuple[float, float]]]:
    """Each cell's mean measured change on the labels in `mask`, and its standard error; a cell
    with fewer than two labels counts as losing everything (-1) with an error of 0.5."""
    out = []
    for parts in cl:
        row = []
        for p in parts:
            r = realized[p][mask[p]]
            row.append((float(r.mean()), float(r.std(ddof=1) / np.sqrt(len(r)))) if len(r) > 1 else (-1.0, 0.5))
        out.append(row)
    return out


def _inputs(ev: RoutingEvidence, cl, est, target: float) -> OptimizerInputs:
    q0 = float(ev.current_quality.mean())
    segments = []
    for s, parts in enumerate(cl):
        rows = np.flatnonzero(ev.segment_of == s)
        today = float(ev.today_usd[rows].mean())
        options = [ModelOption("today", "", q0, today, today, True)]
        for b, (p, (delta, _)) in enumerate(zip(parts, est[s], strict=True)):
            price = today - float(ev.saving_usd[p].mean())
            options.append(
                ModelOption("candidate", "", q0 + delta, price, price, False, score_bin=b, max_share=len(p) / len(rows))
            )
        segments.append(SegmentInput(s, f"segment {s}", float(len(rows)), q0, tuple(options), 0.0, ()))
    return OptimizerInputs(
        segments=tuple(segments),
        quality_target=target,
        baseline_cost_per_month_usd=float(ev.today_usd.sum()),
        levers=frozenset({"routing"}),
        quality_z=0.0,
    )


def _shares(ev: RoutingEvidence, cl, est, target: float) -> np.ndarray:
    """Each segment's routed share in the program's plan (none when no plan meets the target)."""
    try:
        plan = solve_plan(_inputs(ev, cl, est, target), sensitivity=False)
    except InfeasiblePlanError:
        return np.zeros(len(cl))
    return np.array(
        [sum(m.realtime_share + m.batch_share for m in sp.shares if not m.is_current) for sp in plan.segments]
    )


def deployed(cl, share: np.ndarray) -> list[list[float]]:
    """Each cell's routed fill when each segment's share goes to its best-scored calls first."""
    out = []
    for s, parts in enumerate(cl):
        left = share[s] * sum(len(p) for p in parts)
        row = []
        for p in parts:
            take = min(float(len(p)), max(left, 0.0))
            row.append(take / len(p))
            left -= take
        out.append(row)
    return out


def quality(ev: RoutingEvidence, cl, fill, est) -> tuple[float, float]:
    """Relative quality of a deployed plan and its standard error (cells independent)."""
    total = float(ev.current_quality.sum())
    change = var = 0.0
    for s, parts in enumerate(cl):
        for b, p in enumerate(parts):
            routed = fill[s][b] * len(p)
            change += routed * est[s][b][0]
            var += (routed * est[s][b][1]) ** 2
    return 1.0 + change / total, float(np.sqrt(var)) / total


def optimism(ev: RoutingEvidence, cl, fold_est, target: float) -> float:
    """Mean over the two folds of: quality of the plan chosen on a fold, on that fold, less the
    same plan's quality on the other fold."""
    a, b = fold_est
    drop = 0.0
    for pick, score in ((a, b), (b, a)):
        fill = deployed(cl, _shares(ev, cl, pick, target))
        drop += quality(ev, cl, fill, pick)[0] - quality(ev, cl, fill, score)[0]
    return drop / 2


def cross_fitted_plan(ev: RoutingEvidence, target: float, unit: str, seed: int = 0) -> CrossFitPlan:
    """The cheapest plan (routing alone) whose out-of-sample lower bound on quality meets `target`:
    the smallest margin whose plan's bound meets it, by a scan and bisection (the plan, and so
    its optimism, jumps with the margin: a fixed-point iteration stalled below the target on
    MMLU, and the bound is not monotone in the margin); the cheapest plan seen whose bound meets
    the target is kept (none: route nothing)."""
    a, b = folds(ev.realized, seed)
    cl = cells(ev, unit, a)
    labelled = np.isfinite(ev.realized)
    full = estimates(cl, ev.realized, labelled)
    fold_est = (estimates(cl, ev.realized, a), estimates(cl, ev.realized, b))
    best = CrossFitPlan(unit, tuple(0.0 for _ in cl), 1.0, 1.0, 0.0, 0.0, 0.0)  # route nothing

    def meets(margin: float) -> bool:
        nonlocal best
        plan = _plan_at(ev, cl, (full, fold_est), target + margin, unit)
        if plan.lower_bound >= target and plan.savings_usd > best.savings_usd:
            best = plan
        return plan.lower_bound >= target

    # A coarse scan of margins, then bisection below the smallest that meets the target. At the
    # scan's top (2 - target) no plan reaches the level, so nothing is routed: a plan promising
    # above 1.0 may still be chasing cells whose labels happen to gain, which the optimism catches.
    grid = [0.0] + [m for m in GRID_START * GRID_RATIO ** np.arange(64) if m < 2.0 - target] + [2.0 - target]
    ok = [meets(m) for m in grid]
    high = next((i for i, flag in enumerate(ok) if flag), 0)  # none: a target above any plan's reach
    low, high_margin = grid[max(high - 1, 0)], grid[high]
    for _ in range(BISECTIONS if high > 0 else 0):
        mid = (low + high_margin) / 2
        low, high_margin = (low, mid) if meets(mid) else (mid, high_margin)
    return best


def _plan_at(ev: RoutingEvidence, cl, est, level: float, unit: str) -> CrossFitPlan:
    """The program's plan at quality `level` (target + margin), with its cross-fitted bound."""
    full, fold_est = est
    drop = max(optimism(ev, cl, fold_est, level), 0.0) / np.sqrt(2)
    share = _shares(ev, cl, full, level)
    q, se = quality(ev, cl, deployed(cl, share), full)
    return CrossFitPlan(
        unit=unit,
        share=tuple(float(v) for v in share),
        expected_quality=q - drop,
        lower_bound=q - drop - Z * np.sqrt(2) * se,
        optimism=drop,
        quality_se=se,
        savings_usd=_savings(ev, cl, share, unit),
    )


def _savings(ev: RoutingEvidence, cl, share: np.ndarray, unit: str) -> float:
    total = 0.0
    for s, parts in enumerate(cl):
        idx = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if unit == "segment":
            total += share[s] * float(ev.saving_usd[idx].sum())
        else:
            total += float(ev.saving_usd[idx[: round(share[s] * len(idx))]].sum())
    return total


def routed_calls(ev: RoutingEvidence, plan: CrossFitPlan, seed: int = 0) -> np.ndarray:
    """The calls the plan sends to the candidate: each segment's best scored (unit "call") or a
    seeded random subset of its eligible calls (unit "segment")."""
    routed = np.zeros(len(ev.segment_of), dtype=bool)
    order = np.asarray(ev.order)
    rng = np.random.default_rng(seed)
    for s, share in enumerate(plan.share):
        idx = order[ev.segment_of[order] == s]
        if plan.unit == "segment":
            idx = rng.permutation(idx)
        routed[idx[: round(share * len(idx))]] = True
    return routed
