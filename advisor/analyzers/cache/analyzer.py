"""Semantic-cache analyzer: QueryLog + Baseline + AnalysisContext -> CacheFindings.

"If an exact or semantic response cache sat in front of the model, what share of calls
would it answer, how many of those answers would be wrong, and what would it save per
month?" Steps: pick the cacheable calls (first turns or context-free tasks, with query
text), embed them, replay them in time order (cache_replay), turn each match's cosine into
P(cached answer is right) with every piece of evidence (evidence.py: the shipped calibration,
optionally updated with labelled pairs; logged answers when labels show they help; entity
values that differ; identical text), then sweep
thresholds and pick the one with the most net savings within the false-hit budget
(cache_sweep).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.cache.adaptive import AdaptiveEstimate, adaptive_beside_static
from advisor.analyzers.cache.calibration import embedder_notes
from advisor.analyzers.cache.call_vectors import embed_calls
from advisor.analyzers.cache.entities import entity_signatures
from advisor.analyzers.cache.evidence import p_right
from advisor.analyzers.cache.label_fit import SOURCE_CALIBRATION
from advisor.analyzers.cache.labels import label_bins
from advisor.analyzers.cache.labels_needed import label_advice
from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.scan import Replay
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.analyzers.cache.sweep import ThresholdEstimate, choose_threshold, floored_savings_interval, sweep
from advisor.core import schema as S
from advisor.core.config import settings
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET
from advisor.cost.baseline import Baseline
from advisor.embed.text import normalize_text


@dataclass(frozen=True)
class CacheFindings:
    name: str = "cache"
    monthly_savings_usd: float = 0.0  # net, at the chosen threshold
    savings_interval_usd: tuple[float, float] = (0.0, 0.0)
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    thresholds: tuple[ThresholdEstimate, ...] = ()
    chosen: ThresholdEstimate | None = None
    false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET
    cacheable_share: float = 0.0  # of all calls
    exact_hit_rate: float = 0.0  # of all calls
    exact_monthly_savings_usd: float = 0.0  # net of the store cost (no embeddings needed)
    monthly_cache_cost_usd: float = 0.0  # store + query embeddings
    calibration: str = ""  # "shipped" or "shipped + N labelled pairs"
    n_labelled_pairs: int = 0  # pairs of this traffic the user labelled (0: the shipped curve alone)
    # Where the precision came from (label_fit): "calibration" (no labels), "calibration + labels"
    # (the shipped curve shifted by labels that agree with it) or "labels" (refitted: stricter labels).
    precision_source: str = SOURCE_CALIBRATION
    replay_method: str = ""
    # What the deployed cache must match to be the cache that was priced (advisor export litellm).
    ttl_s: float | None = None
    first_turns_only: bool = True
    embedding_model: str = ""
    text_scope: str = "the user's last message (query)"
    per_call_cacheable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    per_call_hit: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    per_call_match_cosine: np.ndarray = field(default_factory=lambda: np.zeros(0))
    per_call_p_right: np.ndarray = field(default_factory=lambda: np.zeros(0))
    adaptive: AdaptiveEstimate | None = None  # vCache-style cache on the same replay (adaptive.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "monthly_savings_usd": self.monthly_savings_usd,
            "savings_interval_usd": list(self.savings_interval_usd),
            "warnings": list(self.warnings),
            "skipped_reason": self.skipped_reason,
            "chosen_threshold": None if self.chosen is None else self.chosen.threshold,
            "chosen": None if self.chosen is None else self.chosen.to_dict(),
            "thresholds": [t.to_dict() for t in self.thresholds],
            "false_hit_budget": self.false_hit_budget,
            "cacheable_share": self.cacheable_share,
            "exact_hit_rate": self.exact_hit_rate,
            "exact_monthly_savings_usd": self.exact_monthly_savings_usd,
            "monthly_cache_cost_usd": self.monthly_cache_cost_usd,
            "calibration": self.calibration,
            "n_labelled_pairs": self.n_labelled_pairs,
            "precision_source": self.precision_source,
            "replay_method": self.replay_method,
            "ttl_s": self.ttl_s if self.ttl_s is not None and np.isfinite(self.ttl_s) else None,  # None: never
            "first_turns_only": self.first_turns_only,
            "embedding_model": self.embedding_model,
            "text_scope": self.text_scope,
            "adaptive": None if self.adaptive is None else self.adaptive.to_dict(),
        }


def exact_matches(norm_texts: pd.Series, times_s: np.ndarray, ttl_s: float) -> np.ndarray:
    """Calls whose normalized text equals an earlier call's within the TTL (rows in time order)."""
    prev = pd.Series(times_s).groupby(norm_texts.to_numpy()).shift(1).to_numpy()
    return ~np.isnan(prev) & (times_s - prev <= ttl_s)


def _skipped(reason: str, s: CacheSettings, n: int) -> CacheFindings:
    return CacheFindings(
        skipped_reason=reason,
        false_hit_budget=s.false_hit_budget,
        per_call_cacheable=np.zeros(n, bool),
        per_call_hit=np.zeros(n, bool),
        per_call_match_cosine=np.full(n, np.nan),
        per_call_p_right=np.full(n, np.nan),
    )


def _monthly_cache_cost(
    baseline: Baseline, ctx: AnalysisContext, s: CacheSettings, texts: list[str]
) -> tuple[float, float]:
    """(vector store, embedding every cacheable query) per month; an exact cache needs only the first."""
    if s.monthly_cost_usd is not None:
        store = s.monthly_cost_usd
    else:
        from advisor.cost.infrastructure import InfrastructureSettings, state_store_tier

        infra = settings(ctx.config, "infrastructure", InfrastructureSettings)
        store = state_store_tier(baseline.demand.peak_calls_per_hour, infra)[1]
    from advisor.core.tokens import count_tokens

    tokens = float(np.sum(count_tokens(texts))) if texts else 0.0
    return store, tokens * baseline.monthly_factor * s.embedding_cost_per_mtok_usd / 1e6


def _p_right_model(ctx: AnalysisContext, s: CacheSettings):
    """(model, calibration name, labels, LabelFit or None): the shipped curve, or it fitted to labels."""
    from advisor.analyzers.cache.calibration import load_calibration
    from advisor.analyzers.cache.label_fit import fit_from_labels
    from advisor.analyzers.cache.labels import load_pair_labels

    cal = load_calibration(s.calibration_path)
    labels = ctx.cache_pair_labels or (load_pair_labels(s.pair_labels) if s.pair_labels else None)
    if labels is None:
        return cal, "shipped (CLINC150 + HWU64)", None, None
    fit = fit_from_labels(cal, labels.cosine, labels.same, seed=ctx.config.seed, bin_edges=label_bins(s.thresholds))
    name = f"shipped (CLINC150 + HWU64) + {fit.model.n_labels} labelled pairs"
    if fit.warning:
        name = f"refitted from {fit.model.n_labels} labelled pairs (stricter than the shipped calibration)"
    return fit.model, name, labels, fit


def _replay(texts: list[str], times: np.ndarray, ctx: AnalysisContext, s: CacheSettings) -> Replay:
    """Each cacheable call's best earlier match (embedding reported as progress). The replay reads
    distinct vectors + each call's row (call_vectors.py); an engine's text hook embeds on its own."""
    kw: dict[str, Any] = {"capacity": s.capacity or None, "use_threshold": min(s.thresholds), "seed": ctx.config.seed}
    embedder = ctx.get_embedder()
    progress = functools.partial(ctx.progress, "embedding queries")
    if ctx.cache_replay_texts is not None:  # an engine that holds no per-call matrix
        encode = functools.partial(embedder.encode, progress=progress)
        return ctx.cache_replay_texts(texts, encode, times_s=times, ttl_s=s.ttl_s, index=s.index, **kw)
    cv = embed_calls(texts, embedder.encode, progress=progress)
    vectors = cv if ctx.cache_replay is None else cv[np.arange(len(cv))]  # a vector hook takes one per call
    return (ctx.cache_replay or replay)(vectors, times_s=times, ttl_s=s.ttl_s, index=s.index, **kw)


def _responses(log: S.QueryLog, rows: np.ndarray) -> list | None:
    """The logged answers of the cacheable calls, when the log has them."""
    has = S.RESPONSE in log.frame and log.has(S.RESPONSE)
    return log.frame[S.RESPONSE].iloc[rows].tolist() if has else None


@register("cache")
def analyze_cache(log: S.QueryLog, baseline: Baseline, ctx: AnalysisContext) -> CacheFindings:
    s = settings(ctx.config, "cache", CacheSettings)
    frame = log.frame
    n = len(frame)
    if not log.has(S.QUERY):
        return _skipped("no query text column", s, n)
    cacheable = cacheable_mask(frame, s)
    rows = np.flatnonzero(cacheable)
    if rows.size < 2:
        return _skipped("fewer than two cacheable calls (first turns or context-free tasks with query text)", s, n)
    texts = frame[S.QUERY].iloc[rows].astype(str).tolist()
    times = frame[S.TIMESTAMP].iloc[rows].astype("int64").to_numpy() / 1e9
    r = _replay(texts, times, ctx, s)
    model, calibration_name, labels, fit = _p_right_model(ctx, s)
    cos = r.match_cosine.astype(np.float64)
    norm = pd.Series([normalize_text(t) for t in texts])
    sigs = entity_signatures(texts)
    evidence = p_right(
        model,
        cos,
        r.match_index,
        texts,
        entity_conflicts_are_false_hits=s.entity_conflicts_are_false_hits,
        responses=_responses(log, rows),
        labels=labels,
        encode=ctx.get_embedder().encode,
        seed=ctx.config.seed,
        bin_edges=label_bins(s.thresholds),
        signatures=sigs,
    )
    cost = np.asarray(baseline.per_call_cost_usd, dtype=np.float64)[rows]
    store_cost, embedding_cost = _monthly_cache_cost(baseline, ctx, s, texts)
    monthly_cache_cost = store_cost + embedding_cost
    estimates = sweep(
        cos,
        evidence.p,
        cost,
        s.thresholds,
        groups=_bootstrap_groups(frame, rows, times, s),
        has_entities=np.array([bool(x) for x in sigs]),
        monthly_factor=baseline.monthly_factor,
        monthly_cache_cost_usd=monthly_cache_cost,
        n_boot=s.bootstrap_samples,
        seed=ctx.config.seed,
        p_right_draws=evidence.draws,
        n_total=n,
        precision_margin=model.transfer_margin(s.thresholds) if hasattr(model, "transfer_margin") else 0.0,
        margin_applies=(curve_based := (r.match_index >= 0) & (norm.to_numpy() != norm.to_numpy()[r.match_index])),
    )
    chosen = choose_threshold(estimates, s.false_hit_budget)
    n_labels = int(getattr(model, "n_labels", 0))
    advice = label_advice(chosen, estimates, s.false_hit_budget, cos[curve_based], label_bins(s.thresholds), n_labels)
    exact = exact_matches(norm, times, s.ttl_s)
    per_call_hit, per_cos, per_p = _per_call(n, rows, r, evidence.p, chosen)
    return CacheFindings(
        monthly_savings_usd=max(chosen.monthly_net_savings_usd, 0.0) if chosen is not None else 0.0,
        savings_interval_usd=floored_savings_interval(chosen),
        warnings=(*_warnings(chosen, evidence.draws is not None, n_labels, s, fit, ctx), *advice, *evidence.notes),
        thresholds=estimates,
        chosen=chosen,
        false_hit_budget=s.false_hit_budget,
        cacheable_share=rows.size / n,
        exact_hit_rate=float(exact.sum()) / n,
        exact_monthly_savings_usd=float(cost[exact].sum()) * baseline.monthly_factor - store_cost,
        monthly_cache_cost_usd=monthly_cache_cost,
        calibration=calibration_name,
        n_labelled_pairs=n_labels,
        precision_source=SOURCE_CALIBRATION if fit is None else fit.source,
        replay_method=r.method,
        ttl_s=s.ttl_s,
        first_turns_only=s.first_turns_only,
        embedding_model=str(getattr(ctx.get_embedder(), "model_id", "")),
        per_call_cacheable=cacheable,
        per_call_hit=per_call_hit,
        per_call_match_cosine=per_cos,
        per_call_p_right=per_p,
        adaptive=_adaptive(r, evidence.p, cost, s, ctx, baseline, monthly_cache_cost, n_total=n),
    )


def _adaptive(
    r: Replay,
    p: np.ndarray,
    cost: np.ndarray,
    s: CacheSettings,
    ctx: AnalysisContext,
    baseline: Baseline,
    cache_cost: float,
    *,
    n_total: int,
) -> AdaptiveEstimate:
    """The vCache-style cache on the same replay, its error bound the false-hit budget (adaptive.py)."""
    return adaptive_beside_static(
        r.match_index,
        r.match_cosine.astype(np.float64),
        p,
        cost,
        s.false_hit_budget,
        seed=ctx.config.seed,
        n_total=n_total,
        monthly_factor=baseline.monthly_factor,
        monthly_cache_cost_usd=cache_cost,
    )


def _warnings(
    chosen: ThresholdEstimate | None, labelled: bool, n_labels: int, s: CacheSettings, fit, ctx: AnalysisContext
) -> list[str]:
    # First: labels stricter than the calibration (label_fit), the finding that changes the most.
    warnings: list[str] = [fit.warning] if fit is not None and fit.warning else []
    warnings += embedder_notes(s.calibration_path, str(getattr(ctx.get_embedder(), "model_id", "") or ""))
    if not labelled:
        # Measured in docs/cache-evaluation.md: the interval carries the error between
        # intent datasets; strict-duplicate traffic (QQP) is far outside it.
        warnings.append(
            "false-hit rates come from a calibration trained on intent datasets (CLINC150, HWU64), "
            "without labels from this log; where near-identical questions need different answers "
            "they can be far too low: label pairs (`advisor cache label`) and pass them with --pair-labels"
        )
    if chosen is not None and chosen.monthly_net_savings_usd <= 0:
        warnings.append("the cache's own cost exceeds what it saves at every acceptable threshold")
    if chosen is not None and chosen.entity_hit_share and chosen.entity_hit_share > 0.05:
        warnings.append(
            f"{chosen.entity_hit_share:.0%} of the estimated hits carry entity values (order "
            "numbers, e-mails, amounts, dates): key the cache on them or exclude those calls"
        )
    return warnings


def _per_call(
    n: int, rows: np.ndarray, r: Replay, p: np.ndarray, chosen: ThresholdEstimate | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hit at the chosen threshold, match cosine, P(right)) for every call of the log; NaN where unmatched."""
    cos = r.match_cosine.astype(np.float64)
    per_call_hit = np.zeros(n, bool)
    per_cos = np.full(n, np.nan)
    per_p = np.full(n, np.nan)
    per_cos[rows] = np.where(r.match_index >= 0, cos, np.nan)
    per_p[rows] = np.where(r.match_index >= 0, p, np.nan)
    if chosen is not None:
        per_call_hit[rows] = cos >= chosen.threshold
    return per_call_hit, per_cos, per_p


def _bootstrap_groups(frame: pd.DataFrame, rows: np.ndarray, times_s: np.ndarray, s: CacheSettings) -> np.ndarray:
    if S.CONVERSATION_ID in frame and frame[S.CONVERSATION_ID].iloc[rows].notna().all():
        return frame[S.CONVERSATION_ID].iloc[rows].astype(str).to_numpy()
    return np.floor((times_s - times_s.min()) / (s.block_hours * 3600)).astype(np.int64)
