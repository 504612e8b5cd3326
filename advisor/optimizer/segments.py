"""Segments of the optimizer: QueryLog + Baseline + typed findings + prices -> SegmentInput per segment.

A segment is a routing segment (advisor/analyzers/routing) or, without routing, the calls of one
served model. Each gets its volume, today's quality, the cost of one call on each model it may
move to (real-time and batch, priced over its own calls), its batch-tolerant share and the
share of its calls the cache answers at each threshold of the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.analyzers.levers import CacheLever, LeverFindings, RoutingLever, RoutingSegmentView
from advisor.core import schema as S
from advisor.core.errors import ConfigError
from advisor.core.redact import segment_keys, shown_segment_name
from advisor.optimizer.inputs import CacheStep, ModelOption, SegmentInput
from advisor.optimizer.routing_bins import CandidateBins, bin_options, candidate_bins
from advisor.optimizer.settings import OptimizerSettings

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline
    from advisor.prices.catalog import PriceCatalog

Segment = RoutingSegmentView | str  # a routing segment, or the name of a served model


@dataclass(frozen=True)
class Segmentation:
    """Which segment each call is in, and per-segment means of per-call values."""

    of_call: np.ndarray  # segment index per call
    segments: Sequence[Segment]
    counts: np.ndarray  # calls per segment in the log

    def mean(self, values: np.ndarray) -> np.ndarray:
        k = len(self.segments)
        return np.bincount(self.of_call, weights=values, minlength=k) / np.maximum(self.counts, 1)

    def mean_where(self, values: np.ndarray, mask: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Per-segment mean of `values` over the calls in `mask`; `fallback` where a segment has none."""
        k, mask = len(self.segments), np.asarray(mask, dtype=float)
        n = np.bincount(self.of_call, weights=mask, minlength=k)
        total = np.bincount(self.of_call, weights=values * mask, minlength=k)
        return np.where(n > 0, total / np.maximum(n, 1e-300), fallback)

    def batch_cost(self, rt: np.ndarray, batch: np.ndarray, tolerant: np.ndarray | None) -> np.ndarray:
        """Per-segment batch cost of one call such that moving the tolerant share saves what the
        tolerant calls themselves save (not the segment's average call)."""
        average = self.mean(rt)
        if tolerant is None:
            return self.mean(batch)
        saving = self.mean_where(np.maximum(rt - batch, 0.0), tolerant, average - self.mean(batch))
        return average - saving


@dataclass(frozen=True)
class SegmentTables:
    """Per-segment figures (arrays indexed by segment) the segment inputs are read from."""

    today_cost: np.ndarray
    today_batch_cost: np.ndarray
    candidate_costs: dict[str, tuple[np.ndarray, np.ndarray]]  # model -> (real-time, batch)
    candidates: tuple[tuple[str, str], ...]  # (model, provider)
    tolerant_share: np.ndarray
    hit_shares: np.ndarray  # (segments, sweep steps)
    hit_costs: np.ndarray  # (segments, sweep steps): today's mean cost of the calls hit at each step
    measured_quality: np.ndarray  # per call, NaN where unlabelled
    bins: tuple[CandidateBins, ...] = ()  # per-call routing: each candidate's routed calls in score bins


def segment_calls(log: QueryLog, routing: RoutingLever | None) -> Segmentation:
    """The routing analyzer's segments; one segment per served model without routing."""
    n = log.n_calls
    if routing is not None and routing.per_call_segment is not None and routing.segments:
        per_call, segments = routing.per_call_segment, list(routing.segments)
        if len(per_call) == n:
            index = {int(s.id): i for i, s in enumerate(segments)}
            ids = np.array([index.get(int(v), -1) for v in np.asarray(per_call)], dtype=np.int64)
            if (ids >= 0).all():
                return Segmentation(ids, segments, np.bincount(ids, minlength=len(segments)).astype(float))
    codes, models = np.unique(log.frame[S.MODEL].astype(str).to_numpy(), return_inverse=True)
    ids = models.astype(np.int64)
    return Segmentation(ids, [str(m) for m in codes], np.bincount(ids, minlength=len(codes)).astype(float))


def cache_steps(cache: CacheLever | None) -> tuple[CacheStep, ...]:
    if cache is None:
        return ()
    steps = [
        CacheStep(
            float(row.threshold), float(np.clip(row.hit_rate, 0, 1)), float(np.clip(row.estimated_precision, 0, 1))
        )
        for row in cache.thresholds
        if row.estimated_precision is not None
    ]
    return tuple(sorted(steps, key=lambda s: s.threshold))


def _hit_shares(
    seg: Segmentation, cache: CacheLever | None, steps: tuple[CacheStep, ...], cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(segments, steps) twice: share of each segment's calls the cache answers at each sweep step,
    and today's mean cost of those calls (each hit saves its own call's cost)."""
    n = len(cost)
    cacheable = np.ones(n)
    if cache is not None and len(cache.per_call_cacheable) == n:
        cacheable = np.asarray(cache.per_call_cacheable, dtype=float)
    average = seg.mean(cost)
    if cache is not None and len(cache.per_call_match_cosine) == n:
        # The replay's best earlier match per call: a hit at t wherever cosine >= t.
        cos = np.nan_to_num(np.asarray(cache.per_call_match_cosine, dtype=float), nan=-1.0)
        hits = [((cos >= st.threshold) & (cacheable > 0)).astype(float) for st in steps]
        columns = [seg.mean(h) for h in hits]
        costs = [seg.mean_where(cost, h, average) for h in hits]
    else:
        # Hits fall on cacheable calls: spread each step's hit volume by the segment's cacheable calls.
        share, calls = seg.mean(cacheable), cacheable.sum()
        columns = [np.array([min(s, st.hit_rate * n * s / calls) if calls > 0 else 0.0 for s in share]) for st in steps]
        costs = [seg.mean_where(cost, cacheable, average) for _ in steps]
    if not columns:
        empty = np.zeros((len(seg.segments), 0))
        return empty, empty
    return np.stack(columns, axis=1), np.stack(costs, axis=1)


def _candidates(routing: RoutingLever | None) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for cand in routing.candidates if routing is not None else ():
        pair = (str(cand.model), str(cand.provider or ""))
        if pair not in pairs:
            pairs.append(pair)
    return tuple(pairs)


def segment_tables(
    log: QueryLog, baseline: Baseline, levers: LeverFindings, prices: PriceCatalog, seg: Segmentation, steps
) -> SegmentTables:
    frame, n = log.frame, log.n_calls
    tokens = {
        "input_tokens": frame[S.INPUT_TOKENS].to_numpy(np.float64),
        "output_tokens": frame[S.OUTPUT_TOKENS].to_numpy(np.float64),
        "cached_input_tokens": (
            frame[S.CACHED_INPUT_TOKENS].fillna(0).to_numpy(np.float64) if log.has(S.CACHED_INPUT_TOKENS) else 0.0
        ),
    }
    batch = levers.batch
    tolerant = np.asarray(batch.per_call_eligible, dtype=float) if batch is not None else None
    if tolerant is not None and len(tolerant) != n:
        tolerant = None
    candidates = _candidates(levers.routing)
    costs = {}
    for model, provider in candidates:
        rt = prices.call_cost_usd(model, provider or None, **tokens)
        costs[model] = (
            seg.mean(rt),
            seg.batch_cost(rt, prices.call_cost_usd(model, provider or None, batch=True, **tokens), tolerant),
        )
    models = frame[S.MODEL].astype(str).to_numpy()
    providers = frame[S.PROVIDER].astype(str).to_numpy() if log.has(S.PROVIDER) else np.full(n, "")
    today = np.asarray(baseline.per_call_cost_usd, dtype=np.float64)
    today_batch = prices.call_cost_usd(
        models, providers, tokens["input_tokens"], tokens["output_tokens"], tokens["cached_input_tokens"], batch=True
    )
    hit_shares, hit_costs = _hit_shares(seg, levers.cache, steps, today)
    routing = levers.routing
    routed = routing is not None and bool(seg.segments) and not isinstance(seg.segments[0], str)
    bins = candidate_bins(routing.candidates, seg.of_call, seg.counts, today) if routing and routed else ()
    return SegmentTables(
        today_cost=seg.mean(today),
        today_batch_cost=seg.batch_cost(today, np.asarray(today_batch, dtype=np.float64), tolerant),
        candidate_costs=costs,
        candidates=candidates,
        tolerant_share=seg.mean(tolerant) if tolerant is not None else np.zeros(len(seg.segments)),
        hit_shares=hit_shares,
        hit_costs=hit_costs,
        measured_quality=frame[S.QUALITY].to_numpy(np.float64) if log.has(S.QUALITY) else np.full(n, np.nan),
        bins=bins,
    )


def _candidate_options(seg: RoutingSegmentView, i: int, t: SegmentTables, absolute: bool) -> list[ModelOption]:
    """The segment's candidate models that have a quality estimate, priced over its own calls."""
    options = []
    for model, provider in t.candidates:
        if model == seg.main_current_model:
            continue
        q = (seg.candidate_quality or {}).get(model) if absolute else (seg.relative_quality or {}).get(model)
        if q is None or not np.isfinite(q):
            continue  # no quality estimate: the optimizer may not move this segment there
        rt, bt = t.candidate_costs[model]
        n_lab = (seg.n_labelled or {}).get(model) or 0
        # Binomial-style error of a mean score in [0, 1]; relative scale divides by today's.
        se = float(np.sqrt(max(q * (1 - q), 0.0) / n_lab)) if n_lab and absolute else 0.0
        options.append(ModelOption(model, provider, float(q), float(rt[i]), float(bt[i]), False, se))
    return options


def segment_input(
    i: int, seg: Segment, segmentation: Segmentation, t: SegmentTables, opt: OptimizerSettings, factor: float
) -> tuple[SegmentInput, bool]:
    """One segment's input, and whether its quality is on an absolute (labelled) scale."""
    if isinstance(seg, str):
        seg_id, name, current_model, cur_q = i, f"calls on {seg}", seg, None
    else:
        seg_id, name, current_model, cur_q = (
            int(seg.id),
            str(seg.name),
            str(seg.main_current_model),
            seg.current_quality,
        )
    if cur_q is None:
        mask = (segmentation.of_call == i) & ~np.isnan(t.measured_quality)
        cur_q = float(t.measured_quality[mask].mean()) if mask.any() else None
    absolute = cur_q is not None
    quality = float(cur_q) if cur_q is not None else 1.0
    options = [ModelOption(current_model, "", quality, float(t.today_cost[i]), float(t.today_batch_cost[i]), True)]
    if not isinstance(seg, str) and opt.routing_unit == "segment":
        options += _candidate_options(seg, i, t, absolute)
    elif not isinstance(seg, str):
        for cb in t.bins:
            rt, bt = t.candidate_costs.get(cb.model, (np.ones(1), np.ones(1)))
            ratio = float(bt[i] / rt[i]) if len(rt) > i and rt[i] > 0 else 1.0
            options += bin_options(cb, i, quality, float(t.today_cost[i]), ratio)
    keys = [k for k in floor_keys(i, seg) if k in opt.segment_floors]
    floor = opt.segment_floors[keys[0]] if keys else opt.min_segment_relative_quality
    segment = SegmentInput(
        id=seg_id,
        name=name,
        calls_per_month=float(segmentation.counts[i] * factor),
        current_quality=quality,
        options=tuple(options),
        batch_tolerant_share=float(np.clip(t.tolerant_share[i], 0, 1)),
        hit_share_by_step=tuple(float(v) for v in t.hit_shares[i]),
        relative_floor=None if floor is None else float(floor),
        hit_cost_by_step=tuple(float(v) for v in t.hit_costs[i]),
    )
    return segment, absolute


def shown_name(i: int, seg: Segment) -> str:
    """The segment's name as reports show it: routing segments are "segment 1 \u00b7 refund \u00b7 order
    status", "segment 2", ... in the routing findings' order (advisor.core.redact.shown_segment_name);
    a served model's calls keep "calls on <model>"."""
    return f"calls on {seg}" if isinstance(seg, str) else shown_segment_name(i + 1, getattr(seg, "label", ""))


def floor_keys(i: int, seg: Segment) -> tuple[str, ...]:
    """The [optimizer] segment_floors keys that name this segment: as shown, or by number."""
    return (shown_name(i, seg),) if isinstance(seg, str) else segment_keys(i + 1, getattr(seg, "label", ""))


def check_floor_names(opt: OptimizerSettings, segments: Sequence[Segment]) -> None:
    """[optimizer] segment_floors keys are the names reports show (or "segment N"); one line naming the valid keys."""
    valid = {key for i, seg in enumerate(segments) for key in floor_keys(i, seg)}
    unknown = sorted(set(opt.segment_floors) - valid)
    if unknown:
        shown = [shown_name(i, seg) for i, seg in enumerate(segments)]
        raise ConfigError.setting(
            f"optimizer.segment_floors.{unknown[0]}",
            f'a segment as the report names it, or "segment N" ({", ".join(shown)})',
            unknown[0],
        )
