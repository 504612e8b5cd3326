"""Semantic-cache analyzer: QueryLog + Baseline + AnalysisContext -> CacheFindings.

"If an exact or semantic response cache sat in front of the model, what share of calls
would it answer, how many of those answers would be wrong, and what would it save per
month?" Steps: pick the cacheable calls (first turns or context-free tasks, with query
text), embed them, replay them in time order (cache_replay), turn each match's cosine into
P(cached answer is right) with the shipped calibration (optionally updated with labelled
pairs), zero it for matches whose entity values differ (cache_entities), then sweep
thresholds and pick the one with the most net savings within the false-hit budget
(cache_sweep).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.cache.entities import entity_conflict, entity_signatures
from advisor.analyzers.cache.labels import label_bins
from advisor.analyzers.cache.labels_needed import label_advice
from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.scan import Replay
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.analyzers.cache.sweep import ThresholdEstimate, choose_threshold, sweep
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
    replay_method: str = ""
    per_call_cacheable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    per_call_hit: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    per_call_match_cosine: np.ndarray = field(default_factory=lambda: np.zeros(0))
    per_call_p_right: np.ndarray = field(default_factory=lambda: np.zeros(0))

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
            "replay_method": self.replay_method,
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
    from advisor.analyzers.cache.calibration import load_calibration, update_with_labels
    from advisor.analyzers.cache.labels import load_pair_labels

    cal = load_calibration(s.calibration_path)
    labels = ctx.cache_pair_labels or (load_pair_labels(s.pair_labels) if s.pair_labels else None)
    if labels is None:
        return cal, "shipped (CLINC150 + HWU64)"
    rec = update_with_labels(cal, labels.cosine, labels.same, seed=ctx.config.seed, bin_edges=label_bins(s.thresholds))
    return rec, f"shipped (CLINC150 + HWU64) + {rec.n_labels} labelled pairs"


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
    vectors = ctx.get_embedder().encode(texts, progress=lambda d, t: ctx.progress("embedding queries", d, t))
    r = replay(
        vectors,
        times_s=times,
        ttl_s=s.ttl_s,
        capacity=s.capacity or None,
        use_threshold=min(s.thresholds),
        seed=ctx.config.seed,
        index=s.index,
    )
    model, calibration_name = _p_right_model(ctx, s)
    cos = r.match_cosine.astype(np.float64)
    norm = pd.Series([normalize_text(t) for t in texts])
    sigs = entity_signatures(texts)
    p, draws = _p_right(model, cos, r.match_index, norm.to_numpy(), sigs, s)
    if S.RESPONSE in frame and log.has(S.RESPONSE):
        p, draws = _with_response_evidence(frame, rows, r.match_index, p, draws, ctx, getattr(model, "base", model))
    cost = np.asarray(baseline.per_call_cost_usd, dtype=np.float64)[rows]
    store_cost, embedding_cost = _monthly_cache_cost(baseline, ctx, s, texts)
    monthly_cache_cost = store_cost + embedding_cost
    estimates = sweep(
        cos,
        p,
        cost,
        s.thresholds,
        groups=_bootstrap_groups(frame, rows, times, s),
        has_entities=np.array([bool(x) for x in sigs]),
        monthly_factor=baseline.monthly_factor,
        monthly_cache_cost_usd=monthly_cache_cost,
        n_boot=s.bootstrap_samples,
        seed=ctx.config.seed,
        p_right_draws=draws,
        n_total=n,
        precision_margin=model.transfer_margin(s.thresholds) if hasattr(model, "transfer_margin") else 0.0,
        margin_applies=(curve_based := (r.match_index >= 0) & (norm.to_numpy() != norm.to_numpy()[r.match_index])),
    )
    chosen = choose_threshold(estimates, s.false_hit_budget)
    candidates = cos[curve_based]
    n_labels = getattr(model, "n_labels", 0)
    advice = label_advice(chosen, estimates, s.false_hit_budget, candidates, label_bins(s.thresholds), n_labels)
    exact = exact_matches(norm, times, s.ttl_s)
    per_call_hit, per_cos, per_p = _per_call(n, rows, r, p, chosen)
    return CacheFindings(
        monthly_savings_usd=max(chosen.monthly_net_savings_usd, 0.0) if chosen is not None else 0.0,
        savings_interval_usd=(
            (max(chosen.savings_interval_usd[0], 0.0), max(chosen.savings_interval_usd[1], 0.0))
            if chosen
            else (0.0, 0.0)
        ),
        warnings=tuple(_warnings(chosen, draws is not None, n_labels, s) + advice),
        thresholds=estimates,
        chosen=chosen,
        false_hit_budget=s.false_hit_budget,
        cacheable_share=rows.size / n,
        exact_hit_rate=float(exact.sum()) / n,
        exact_monthly_savings_usd=float(cost[exact].sum()) * baseline.monthly_factor - store_cost,
        monthly_cache_cost_usd=monthly_cache_cost,
        calibration=calibration_name,
        replay_method=r.method,
        per_call_cacheable=cacheable,
        per_call_hit=per_call_hit,
        per_call_match_cosine=per_cos,
        per_call_p_right=per_p,
    )


def _p_right(
    model: Any, cos: np.ndarray, match_index: np.ndarray, norm: np.ndarray, sigs: list, s: CacheSettings
) -> tuple[np.ndarray, np.ndarray | None]:
    """P(cached answer is right) per call from its match cosine, and posterior draws when the
    calibration has labels: zero where entity values conflict, one where the text is the same."""
    p = model.predict(cos)
    # 100 posterior draws x calls: enough for a 95 % interval, and memory stays n x 800 bytes.
    draws = model.predict(cos, draws=100) if hasattr(model, "mean_ab") else None
    if s.entity_conflicts_are_false_hits:
        conflict = np.array([j >= 0 and entity_conflict(sigs[i], sigs[j]) for i, j in enumerate(match_index)])
        p = np.where(conflict, 0.0, p)
        if draws is not None:
            draws = np.where(conflict[None, :], 0.0, draws)
    # The same question asked again gets the same answer: identical text is always right.
    same_text = (match_index >= 0) & (norm == norm[np.maximum(match_index, 0)])
    p = np.where(same_text, 1.0, p)
    if draws is not None:
        draws = np.where(same_text[None, :], 1.0, draws)
    return p, draws


def _warnings(chosen: ThresholdEstimate | None, labelled: bool, n_labels: int, s: CacheSettings) -> list[str]:
    warnings: list[str] = []
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


def _with_response_evidence(frame, rows, match_index, p, draws, ctx, cal):
    """Lower P(right) when the two calls' logged answers differ.

    The logged responses are what each call actually got; if they read as different answers,
    serving one for the other is likely wrong. The response cosine goes through the same
    calibration curve and the smaller of the two probabilities is kept: response evidence can
    only lower the query-based estimate, never raise it (two right answers can be worded
    differently, and we have no labelled responses to learn how much to trust agreement).
    `cal` is the calibration in use for the queries (the shipped one or `calibration_path`),
    before any label update: the labels were given for query pairs, not response pairs.
    """
    resp = frame[S.RESPONSE].iloc[rows]
    has = (match_index >= 0) & resp.notna().to_numpy()
    j = np.maximum(match_index, 0)
    has &= resp.notna().to_numpy()[j]
    if not has.any():
        return p, draws
    emb = ctx.get_embedder()
    idx = np.flatnonzero(has)
    a = emb.encode(resp.iloc[idx].astype(str).tolist())
    b = emb.encode(resp.iloc[j[idx]].astype(str).tolist())
    p_resp = np.ones_like(p)
    p_resp[idx] = cal.predict(np.sum(a * b, axis=1))
    p = np.minimum(p, p_resp)
    if draws is not None:
        draws = np.minimum(draws, p_resp[None, :])
    return p, draws
