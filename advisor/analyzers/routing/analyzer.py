"""Routing analyzer: QueryLog + Baseline + AnalysisContext -> RoutingFindings.

Answers "what share of our calls could a model that costs 5-10x less take, and how much
quality would we give up?" per candidate model, calibrated to the quality target
(`quality_target`, relative to today's quality). Labels come from the log (`quality` for the
served model, `quality__<model>` shadow answers) and/or `ctx.labels` (a RoutingLabels from
`--labels FILE`); without labels the shipped default router is used, but only after a domain
check says the log looks like its training data. Segments (KMeans clusters of the queries)
carry volume, tokens and expected quality per model for the optimizer.

Settings (`[routing]` in the config file)::

    candidates = ["gpt-4o-mini", "claude-haiku-4-5"]   # cheaper models to consider
    candidate_providers = { "gpt-4o-mini" = "openai" }  # when the name does not say it
    n_segments = 12            # clusters of similar requests (1..50)
    quality_threshold = 0.8    # optional: "good enough" = candidate score >= this (else >= current)
    min_labels = 50            # labelled calls per candidate needed to train on the user's labels
    router = "default"         # "default", a directory holding router.json/.npz, or "none"
    max_out_of_domain_share = 0.25
    learning_curve = true
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.routing.candidates import CandidateEstimate, CandidateInputs, estimate_from_labels
from advisor.analyzers.routing.router.domain import DomainCheck
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.router.fitting import FitCache, cores
from advisor.analyzers.routing.segments import cluster_requests
from advisor.analyzers.routing.shipped import ShippedFallback
from advisor.core.config import settings
from advisor.core.errors import ConfigError, InputError
from advisor.core.schema import (
    INPUT_TOKENS,
    MODEL,
    OUTPUT_TOKENS,
    PROVIDER,
    QUALITY,
    QUALITY_PREFIX,
    QUERY,
    TURN,
)

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline

MAX_ECE = 0.05  # calibration error above which probabilities get a warning

# Cheaper model per provider when the user names none and has no shadow labels.
DEFAULT_CANDIDATES = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "google": "gemini-2.0-flash",
    "mistral": "mistral-small-latest",
}


@dataclass(frozen=True)
class RoutingSettings:
    candidates: tuple[str, ...] = ()
    candidate_providers: dict = field(default_factory=dict)
    n_segments: int = 12
    quality_threshold: float | None = None
    min_labels: int = 50
    router: str = "default"
    max_out_of_domain_share: float = 0.25
    learning_curve: bool = True

    def validate(self) -> None:
        if not 1 <= self.n_segments <= 50:
            raise ConfigError.setting("routing.n_segments", "an integer from 1 to 50", self.n_segments)
        if self.quality_threshold is not None and not 0.0 <= self.quality_threshold <= 1.0:
            raise ConfigError.setting("routing.quality_threshold", "a number in 0..1", self.quality_threshold)
        if self.min_labels < 20:
            raise ConfigError.setting("routing.min_labels", "an integer >= 20", self.min_labels)
        if not 0.0 < self.max_out_of_domain_share < 1.0:
            raise ConfigError.setting(
                "routing.max_out_of_domain_share", "a number strictly between 0 and 1", self.max_out_of_domain_share
            )


@dataclass(frozen=True)
class RoutingSegment:
    id: int
    name: str
    n_calls: int
    call_share: float
    mean_input_tokens: float
    mean_output_tokens: float
    main_current_model: str
    current_quality: float | None  # absolute 0..1; None when nothing is labelled
    candidate_quality: dict[str, float | None]  # expected absolute quality on each candidate
    relative_quality: dict[str, float | None]  # candidate / current
    n_labelled: dict[str, int]  # "current" and each candidate


@dataclass(frozen=True)
class RoutingFindings:
    name: str = "routing"
    monthly_savings_usd: float = 0.0
    savings_interval_usd: tuple[float, float] = (0.0, 0.0)
    confidence: str = "low"
    quality_target: float = 0.95
    best_candidate: str | None = None
    current_models: tuple[str, ...] = ()
    candidates: tuple[CandidateEstimate, ...] = ()
    segments: tuple[RoutingSegment, ...] = ()
    domain: DomainCheck | None = None
    prerequisites: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    per_call_segment: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("per_call_")
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def guess_provider(model: str, configured: dict, fallback: str) -> str:
    """[routing] candidate_providers first, then the price catalog's own lookup (as ingest does)."""
    if model in configured:
        return str(configured[model])
    from advisor.ingest.providers import UNKNOWN, infer_provider

    provider = infer_provider(model)
    return fallback if provider == UNKNOWN else provider


def _sorted_distinct(values) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values in sorted order, index of each value among them): np.unique's answer for
    strings, by hashing (pandas.factorize) and sorting only the distinct ones; np.unique sorts
    every row by Python comparisons (1.3 s for a million query texts)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def _embed_distinct(embedder, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(distinct texts, their vectors, distinct index per call): work per text, not per call."""
    uniq, inverse = _sorted_distinct(texts)
    uniq = [str(t) for t in uniq]
    return uniq, np.asarray(embedder.encode(uniq), dtype=np.float32), inverse


def _embed_unique(embedder, texts: list[str]) -> np.ndarray:
    _, vectors, inverse = _embed_distinct(embedder, texts)
    return vectors[inverse]


def _labels_for(frame, ctx_labels, model: str | None, texts: list[str], served) -> tuple[np.ndarray, np.ndarray]:
    """(per-call scores, from_file) of `model` (a shadow column / the labels file), or of the
    served model when model is None. from_file marks calls whose score came from --labels:
    one score per text, copied to every call of that text."""
    out = np.full(len(frame), np.nan)
    if model is None:
        if QUALITY in frame.columns:
            out = frame[QUALITY].to_numpy(dtype=float, na_value=np.nan).copy()
        from_log = np.isfinite(out)
        if ctx_labels is not None:
            for name in np.unique(served):
                rows = np.flatnonzero(served == name)
                fill = ctx_labels.for_texts([texts[i] for i in rows], name)
                out[rows] = np.where(np.isfinite(out[rows]), out[rows], fill)
        return out, np.isfinite(out) & ~from_log
    column = QUALITY_PREFIX + model
    if column in frame.columns:
        out = frame[column].to_numpy(dtype=float, na_value=np.nan).copy()
    from_log = np.isfinite(out)
    if ctx_labels is not None:
        fill = ctx_labels.for_texts(texts, model)
        out = np.where(np.isfinite(out), out, fill)
    return out, np.isfinite(out) & ~from_log


def _candidate_names(log, ctx_labels, cfg: RoutingSettings, served_models, providers) -> list[str]:
    if cfg.candidates:
        return list(cfg.candidates)
    labelled = set(log.quality_models()) | (set(ctx_labels.models) if ctx_labels is not None else set())
    names = sorted(labelled - set(served_models))
    if names:
        return names
    return sorted({DEFAULT_CANDIDATES[p] for p in providers if p in DEFAULT_CANDIDATES} - set(served_models))


@register("routing")
def analyze_routing(log: QueryLog, baseline: Baseline, ctx: AnalysisContext) -> RoutingFindings:
    cfg = settings(ctx.config, "routing", RoutingSettings)
    target = float(ctx.config.quality_target)
    frame = log.frame
    if not log.has(QUERY):
        return RoutingFindings(
            quality_target=target,
            skipped_reason="the log has no query text (column 'query'); "
            "routing needs the request text to tell which requests a cheaper model can take.",
        )
    warnings: list[str] = []
    ctx_labels = ctx.labels
    if ctx_labels is not None:
        warnings.extend(ctx_labels.warnings)
    texts = frame[QUERY].fillna("").astype(str).tolist()
    served = frame[MODEL].astype(str).to_numpy()
    served_models, served_code = _sorted_distinct(served)
    served_providers = (
        frame[PROVIDER].astype(str).to_numpy() if PROVIDER in frame.columns else np.array(["unknown"] * len(frame))
    )
    n = len(frame)

    ctx.progress("routing: embedding queries", 0, n)
    distinct_texts, distinct_vectors, text_of_call = _embed_distinct(ctx.get_embedder(), texts)
    ctx.progress("routing: embedding queries", n, n)
    features = text_features(distinct_texts)[text_of_call]  # per call (small: a few columns)
    if log.has(TURN):  # the user-trained classifier may use the turn; the shipped router does not
        user_features = np.c_[features, np.log1p(frame[TURN].fillna(1).to_numpy(dtype=float))]
    else:
        user_features = features

    current_labels, current_from_file = _labels_for(frame, ctx_labels, None, texts, served)
    known_current = current_labels[np.isfinite(current_labels)]
    current_quality = np.where(
        np.isfinite(current_labels), current_labels, known_current.mean() if len(known_current) else 1.0
    )

    per_call_cost = np.asarray(baseline.per_call_cost_usd, dtype=float)
    in_tok = frame[INPUT_TOKENS].to_numpy(dtype=float)
    out_tok = frame[OUTPUT_TOKENS].to_numpy(dtype=float)
    fallback_provider = str(served_providers[0]) if n else "openai"

    fallback = ShippedFallback(
        cfg,
        distinct_vectors,
        text_of_call,
        texts,
        features,
        ctx.config.seed,
        lambda: getattr(ctx.get_embedder(), "model_id", None),
        target,
    )
    fit_cache = FitCache()  # candidates labelled on the same calls share their label-free work
    estimates: list[CandidateEstimate] = []
    labelled_masks: dict[str, np.ndarray] = {}
    # Two passes over the candidates, so the slow parts run on threads while the answer stays the
    # one a single pass gives: the first prices each candidate and starts its fit on labels
    # (and the segment clustering); the second reads the fits in the same order and writes the
    # warnings and fallbacks as before.
    # One more thread than cores: the clustering (single-threaded) starts at once instead of
    # after a candidate; the candidates wait on each other's shared pieces, which leaves room.
    executor = ThreadPoolExecutor(max_workers=cores() + 1)
    try:
        planned = []
        for name in _candidate_names(log, ctx_labels, cfg, served_models, set(served_providers)):
            provider = guess_provider(name, cfg.candidate_providers, fallback_provider)
            try:
                ctx.prices.price(name, provider)  # unknown model: InputError naming close names
            except InputError as exc:
                planned.append((name, exc, None, None, None))
                continue
            # Same tokens at the candidate's list prices (no cache discount assumed on the new model).
            cand_cost = np.asarray(ctx.prices.call_cost_usd(name, provider, in_tok, out_tok), dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(per_call_cost > 0, cand_cost / per_call_cost, 1.0)
            eligible = (served != name) & (cand_cost < per_call_cost)
            candidate_labels, candidate_from_file = _labels_for(frame, ctx_labels, name, texts, served)
            inputs = CandidateInputs(
                model=name,
                provider=provider,
                eligible=eligible,
                per_call_saving_usd=np.where(eligible, per_call_cost - cand_cost, 0.0),
                cost_ratio=ratio,
                current_quality=current_quality,
                candidate_labels=candidate_labels,
                current_labels=current_labels,
                monthly_factor=float(baseline.monthly_factor),
                labels_per_text=current_from_file | candidate_from_file,
            )
            labelled = np.isfinite(inputs.candidate_labels) & np.isfinite(current_labels)
            good = inputs.candidate_labels[labelled] >= (
                current_labels[labelled] if cfg.quality_threshold is None else cfg.quality_threshold
            )
            trainable = bool(labelled.sum() >= cfg.min_labels and 0 < good.sum() < len(good))
            job = (
                executor.submit(
                    estimate_from_labels,
                    inputs,
                    distinct_vectors,
                    user_features,
                    target=target,
                    threshold=cfg.quality_threshold,
                    seed=ctx.config.seed,
                    with_learning_curve=cfg.learning_curve,
                    text_ids=text_of_call,
                    cache=fit_cache,
                )
                if trainable
                else None
            )
            planned.append((name, None, inputs, labelled, job))
        # Cluster distinct texts weighted by their calls: the same segments, a fraction of the work.
        calls_per_text = np.bincount(text_of_call, minlength=len(distinct_texts))
        clustering = (
            executor.submit(
                cluster_requests,
                distinct_vectors,
                distinct_texts,
                n_segments=min(cfg.n_segments, n),
                seed=ctx.config.seed,
                weights=calls_per_text,
            )
            if any(p[1] is None for p in planned)
            else None
        )

        for name, price_error, inputs, labelled, job in planned:
            if price_error is not None:
                warnings.append(f"routing candidate '{name}' skipped: {price_error}")
                continue
            labelled_masks[name] = labelled
            ctx.progress(f"routing: {name}", 0, 1)
            estimate, notes = _labels_estimate(name, job, labelled, cfg.min_labels)
            warnings.extend(notes)
            if estimate is None:
                estimate, notes = fallback.estimate(inputs)
                warnings.extend(notes)
            estimates.append(estimate)
            ctx.progress(f"routing: {name}", 1, 1)

        if not estimates:
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
    clusters = dataclasses.replace(clusters, per_call_segment=clusters.per_call_segment[text_of_call])
    segments = _segments(
        clusters,
        frame,
        (served_models, served_code),
        current_labels,
        current_quality,
        estimates,
        labelled_masks,
        in_tok,
        out_tok,
    )
    ctx.progress("routing: segments", 1, 1)

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
        current_models=tuple(served_models.tolist()),
        candidates=tuple(estimates),
        segments=segments,
        domain=fallback.domain,
        prerequisites=prerequisites,
        warnings=tuple(warnings),
        per_call_segment=clusters.per_call_segment,
    )


def _labels_estimate(
    name: str, job, labelled: np.ndarray, min_labels: int
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
    if estimate.metrics.ece is not None and estimate.metrics.ece > MAX_ECE:
        notes.append(
            f"routing: {name}'s probabilities are off by {estimate.metrics.ece:.2f} on average "
            f"(expected calibration error, out of fold; aim <= {MAX_ECE}); its share interval is "
            "widened by that much. More labels usually fix this."
        )
    return estimate, notes


def _segments(
    clusters,
    frame,
    served: tuple[np.ndarray, np.ndarray],
    current_labels,
    current_quality,
    estimates,
    labelled_masks,
    in_tok,
    out_tok,
) -> tuple[RoutingSegment, ...]:
    """served: (served model names, sorted; each call's index among them)."""
    n = len(frame)
    served_models, served_code = served
    any_current = bool(np.isfinite(current_labels).any())
    out = []
    for sid, seg_name in enumerate(clusters.names):
        rows = np.flatnonzero(clusters.per_call_segment == sid)
        if len(rows) == 0:
            continue
        # Calls per served model (names sorted; the first of equal counts is the main one).
        counts = np.bincount(served_code[rows], minlength=len(served_models))
        cur = float(current_quality[rows].mean()) if any_current else None
        cand_q, rel_q, n_lab = {}, {}, {"current": int(np.isfinite(current_labels[rows]).sum())}
        for e in estimates:
            n_lab[e.model] = int(labelled_masks[e.model][rows].sum())
            if e.per_call_p_good_enough is None:
                cand_q[e.model], rel_q[e.model] = None, None
                continue
            p = e.per_call_p_good_enough[rows]
            base = current_quality[rows]
            expected = p * base + (1.0 - p) * np.minimum(e.fail_quality, base)
            rel_q[e.model] = float(expected.sum() / base.sum()) if base.sum() > 0 else None
            cand_q[e.model] = float(expected.mean()) if any_current else None
        out.append(
            RoutingSegment(
                id=sid,
                name=seg_name,
                n_calls=len(rows),
                call_share=len(rows) / n,
                mean_input_tokens=float(in_tok[rows].mean()),
                mean_output_tokens=float(out_tok[rows].mean()),
                main_current_model=str(served_models[np.argmax(counts)]),
                current_quality=cur,
                candidate_quality=cand_q,
                relative_quality=rel_q,
                n_labelled=n_lab,
            )
        )
    return tuple(out)
