"""Routing analyzer: QueryLog + Baseline + AnalysisContext -> RoutingFindings.

Answers "what share of our calls could a model that costs 5-10x less take, and how much
quality would we give up?" per candidate model, calibrated to the quality target
(`quality_target`, relative to today's quality). Labels come from the log (`quality` for the
served model, `quality__<model>` shadow answers) and/or `ctx.labels` (a RoutingLabels from
`--labels FILE`); without labels the shipped default router is used, but only after a domain
check says the log looks like its training data. Segments (KMeans clusters of the queries)
carry volume, tokens and expected quality per model for the optimizer.

Settings: `[routing]` in the config file, see advisor.analyzers.routing.settings.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.routing.calls import (
    RoutingCalls,
    candidate_inputs,
    candidate_names,
    guess_provider,
    read_calls,
)
from advisor.analyzers.routing.candidates import CandidateEstimate, CandidateInputs, estimate_from_labels
from advisor.analyzers.routing.examples import segment_examples
from advisor.analyzers.routing.findings import RoutingFindings, RoutingSegment
from advisor.analyzers.routing.router.fitting import FitCache, cores, pinned_single_thread
from advisor.analyzers.routing.segments import Clustering, cluster_requests, summarize_segments
from advisor.analyzers.routing.settings import MAX_ECE, RoutingSettings
from advisor.analyzers.routing.shipped import ShippedFallback
from advisor.core.config import settings
from advisor.core.errors import InputError
from advisor.core.schema import QUERY

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline

# Moved to their own modules; still importable from here.
__all__ = ["RoutingFindings", "RoutingSegment", "RoutingSettings", "analyze_routing"]


@dataclass(frozen=True)
class _Planned:
    """One candidate after the first pass: priced (or the price error) and its fit started."""

    name: str
    price_error: InputError | None = None
    inputs: CandidateInputs | None = None
    labelled: np.ndarray | None = None  # calls labelled for both the candidate and the current model
    job: Future[CandidateEstimate] | None = None  # the fit on the user's labels, when there are enough


@register("routing")
def analyze_routing(log: QueryLog, baseline: Baseline, ctx: AnalysisContext) -> RoutingFindings:
    cfg = settings(ctx.config, "routing", RoutingSettings)
    target = float(ctx.config.quality_target)
    if not log.has(QUERY):
        return RoutingFindings(
            quality_target=target,
            skipped_reason="the log has no query text (column 'query'); "
            "routing needs the request text to tell which requests a cheaper model can take.",
        )
    warnings: list[str] = list(ctx.labels.warnings) if ctx.labels is not None else []
    calls = read_calls(log, baseline, ctx)
    fallback = ShippedFallback(
        cfg,
        calls,
        seed=ctx.config.seed,
        embedder_id=lambda: getattr(ctx.get_embedder(), "model_id", None),
        target=target,
    )
    # Two passes over the candidates, so the slow parts run on threads while the answer stays the
    # one a single pass gives: the first prices each candidate and starts its fit on labels
    # (and the segment clustering); the second reads the fits in the same order and writes the
    # warnings and fallbacks as before.
    # One more thread than cores: the clustering (single-threaded) starts at once instead of
    # after a candidate; the candidates wait on each other's shared pieces, which leaves room.
    executor = ThreadPoolExecutor(max_workers=cores() + 1)
    pinned = pinned_single_thread().__enter__()  # same sums, same answer, whatever the timing
    try:
        fit_cache = FitCache()  # candidates labelled on the same calls share their label-free work
        planned = [
            _plan_candidate(name, calls, cfg, ctx, executor=executor, target=target, cache=fit_cache)
            for name in candidate_names(log, ctx.labels, cfg, calls)
        ]
        clustering = _start_clustering(executor, calls, cfg, ctx.config.seed) if _any_priced(planned) else None
        estimates, labelled_masks = _collect_estimates(planned, fallback, cfg, ctx, warnings)
        if not estimates or clustering is None:
            return RoutingFindings(
                quality_target=target,
                warnings=tuple(warnings),
                domain=fallback.domain,
                skipped_reason="no candidate model with a known price is cheaper than the current one; "
                "name candidates in [routing] candidates.",
            )
        ctx.progress("routing: segments", 0, 1)
        clusters = clustering.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        pinned.__exit__(None, None, None)
    by_text = clusters.per_call_segment
    clusters = dataclasses.replace(clusters, per_call_segment=clusters.per_call_segment[calls.text_of_call])
    segments = summarize_segments(clusters, calls, estimates, labelled_masks)
    examples = segment_examples(
        by_text,
        calls.distinct_vectors,
        clusters.centroids,
        calls.distinct_texts,
        [s.id for s in segments],
        names=[s.name for s in segments],
    )
    ctx.progress("routing: segments", 1, 1)
    found = _findings(estimates, segments, calls, clusters, fallback=fallback, warnings=warnings, target=target)
    embedder_id = getattr(ctx.get_embedder(), "model_id", None)
    return dataclasses.replace(found, examples=examples, centroids=clusters.centroids, embedding_model_id=embedder_id)


def _any_priced(planned: list[_Planned]) -> bool:
    """Whether any candidate was priced (only then are there segments to cluster)."""
    return any(p.price_error is None for p in planned)


def _plan_candidate(
    name: str,
    calls: RoutingCalls,
    cfg: RoutingSettings,
    ctx: AnalysisContext,
    *,
    executor: ThreadPoolExecutor,
    target: float,
    cache: FitCache,
) -> _Planned:
    """First pass for one candidate: price it on the calls' tokens and, with enough labels of
    both outcomes, start its fit on the user's labels."""
    fallback_provider = str(calls.providers[0]) if len(calls) else "openai"
    provider = guess_provider(name, cfg.candidate_providers, fallback_provider)
    try:
        ctx.prices.price(name, provider)  # unknown model: InputError naming close names
    except InputError as exc:
        return _Planned(name, price_error=exc)
    # Same tokens at the candidate's list prices (no cache discount assumed on the new model).
    cost = ctx.prices.call_cost_usd(name, provider, calls.input_tokens, calls.output_tokens)
    inputs = candidate_inputs(calls, name, provider, np.asarray(cost, dtype=float), ctx.labels)
    current_labels = calls.current_labels
    labelled = np.isfinite(inputs.candidate_labels) & np.isfinite(current_labels)
    good = inputs.candidate_labels[labelled] >= (
        current_labels[labelled] if cfg.quality_threshold is None else cfg.quality_threshold
    )
    trainable = bool(labelled.sum() >= cfg.min_labels and 0 < good.sum() < len(good))
    job = (
        executor.submit(
            estimate_from_labels,
            inputs,
            calls.distinct_vectors,
            calls.user_features,
            target=target,
            threshold=cfg.quality_threshold,
            seed=ctx.config.seed,
            with_learning_curve=cfg.learning_curve,
            text_ids=calls.text_of_call,
            cache=cache,
        )
        if trainable
        else None
    )
    return _Planned(name, inputs=inputs, labelled=labelled, job=job)


def _start_clustering(
    executor: ThreadPoolExecutor, calls: RoutingCalls, cfg: RoutingSettings, seed: int
) -> Future[Clustering]:
    # Cluster distinct texts weighted by their calls: the same segments, a fraction of the work.
    calls_per_text = np.bincount(calls.text_of_call, minlength=len(calls.distinct_texts))
    return executor.submit(
        cluster_requests,
        calls.distinct_vectors,
        calls.distinct_texts,
        n_segments=min(cfg.n_segments, len(calls)),
        seed=seed,
        weights=calls_per_text,
        min_queries=cfg.segment_name_min_queries,
    )


def _collect_estimates(
    planned: list[_Planned],
    fallback: ShippedFallback,
    cfg: RoutingSettings,
    ctx: AnalysisContext,
    warnings: list[str],
) -> tuple[list[CandidateEstimate], dict[str, np.ndarray]]:
    """Second pass, in candidate order: (estimates, labelled calls per candidate); the fit on
    labels when it worked, else the shipped router's fallback. Appends to `warnings`."""
    estimates: list[CandidateEstimate] = []
    labelled_masks: dict[str, np.ndarray] = {}
    for p in planned:
        if p.price_error is not None or p.inputs is None or p.labelled is None:
            warnings.append(f"routing candidate '{p.name}' skipped: {p.price_error}")
            continue
        labelled_masks[p.name] = p.labelled
        ctx.progress(f"routing: {p.name}", 0, 1)
        estimate, notes = _labels_estimate(p.name, p.job, p.labelled, cfg.min_labels)
        warnings.extend(notes)
        if estimate is None:
            estimate, notes = fallback.estimate(p.inputs)
            warnings.extend(notes)
        estimates.append(estimate)
        ctx.progress(f"routing: {p.name}", 1, 1)
    return estimates, labelled_masks


def _labels_estimate(
    name: str, job: Future[CandidateEstimate] | None, labelled: np.ndarray, min_labels: int
) -> tuple[CandidateEstimate | None, list[str]]:
    """(the estimate from the user's labels or None, warnings) for one candidate's fit `job`."""
    if job is None:
        if labelled.any():
            return None, [
                f"routing: only {int(labelled.sum())} calls have labels for both the current model and "
                f"{name} (need {min_labels} with both outcomes); not training on them."
            ]
        return None, []
    try:
        estimate = job.result()
    except InputError as exc:  # e.g. every label on a handful of texts: nothing to generalise from
        return None, [f"routing: not training on {name}'s labels: {exc}"]
    notes = []
    if estimate.metrics is not None and estimate.metrics.ece is not None and estimate.metrics.ece > MAX_ECE:
        notes.append(
            f"routing: {name}'s probabilities are off by {estimate.metrics.ece:.2f} on average "
            f"(expected calibration error, out of fold; aim <= {MAX_ECE}); its share interval is "
            "widened by that much. More labels usually fix this."
        )
    return estimate, notes


def _findings(
    estimates: list[CandidateEstimate],
    segments: tuple[RoutingSegment, ...],
    calls: RoutingCalls,
    clusters: Clustering,
    *,
    fallback: ShippedFallback,
    warnings: list[str],
    target: float,
) -> RoutingFindings:
    """The headline is the candidate that saves most (or, when none saves at the target, the
    one with the largest upper bound)."""
    best = max(estimates, key=lambda e: e.monthly_savings_usd)
    if best.monthly_savings_usd <= 0:
        best = max(estimates, key=lambda e: e.savings_interval_usd[1])
    prerequisites = tuple(dict.fromkeys(p for e in estimates for p in e.prerequisites))
    return RoutingFindings(
        monthly_savings_usd=best.monthly_savings_usd,
        savings_interval_usd=best.savings_interval_usd,
        confidence=best.confidence,
        quality_target=target,
        best_candidate=best.model,
        current_models=tuple(calls.served_models.tolist()),
        candidates=tuple(estimates),
        segments=segments,
        domain=fallback.domain,
        prerequisites=prerequisites,
        warnings=tuple(warnings),
        per_call_segment=clusters.per_call_segment,
    )
