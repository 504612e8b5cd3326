"""Labelled query stream -> the cache estimator's estimated vs true precision per threshold.

    evaluate_stream(texts, labels, embedder, label_budget=0, seed=0) -> CacheEvaluation
    replay_stream(texts, embedder) -> StreamMatches            (embedding + replay, label-free)
    evaluate_matches(matches, labels, label_budget=0, seed=0) -> CacheEvaluation
    reveal_pairs(matches, thresholds, n, seed) -> rows whose labels a person would be shown

Rows arrive in file order; two rows with the same label would be served by the same cached
answer. The estimate is the analyzer's own (advisor.analyzers.cache.evidence: calibration, logged
answers when labels measure them, entity conflicts, exact text = right) and never reads the labels, except for the `label_budget` pairs that the
labelling workflow (advisor.analyzers.cache.labels.select_pairs) would show a person: their
labels are revealed and update the calibration. `true_precision` is computed from the labels
afterwards, only for the report. The replay is split from the estimate so that the
evaluation table can draw many label samples from one replayed stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from advisor.analyzers.cache.calibration import load_calibration
from advisor.analyzers.cache.evidence import p_right
from advisor.analyzers.cache.label_fit import SOURCE_CALIBRATION, fit_from_labels
from advisor.analyzers.cache.label_selection import match_clusters, select_pairs
from advisor.analyzers.cache.labels import PairLabels, label_bins
from advisor.analyzers.cache.labels_needed import labels_for_range, labels_to_recommend
from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.sweep import DEFAULT_THRESHOLDS, choose_threshold, sweep
from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET
from advisor.embed import normalize_text
from advisor.lab.evaluate.cache_adaptive import AdaptiveEvaluation, evaluate_adaptive


@dataclass(frozen=True)
class ThresholdEvaluation:
    threshold: float
    hits: int
    hit_rate: float
    estimated_precision: float | None
    precision_interval: tuple[float, float] | None
    true_precision: float | None

    @property
    def error(self) -> float | None:
        """Estimated minus true precision (positive: too optimistic)."""
        if self.estimated_precision is None or self.true_precision is None:
            return None
        return self.estimated_precision - self.true_precision

    @property
    def covered(self) -> bool | None:
        if self.precision_interval is None or self.true_precision is None:
            return None
        return self.precision_interval[0] <= self.true_precision <= self.precision_interval[1]


@dataclass(frozen=True)
class CacheEvaluation:
    n_queries: int
    label_budget: int
    labels_used: int
    calibration: str
    false_hit_budget: float
    thresholds: tuple[ThresholdEvaluation, ...]
    chosen: ThresholdEvaluation | None
    labels_needed: int | None = None  # when nothing is chosen: pairs to label first (labels_needed)
    precision_source: str = SOURCE_CALIBRATION  # label_fit: calibration / calibration + labels / labels
    # With labels: how many more would bring every threshold 0.75..0.95 to +-0.03 (None: the
    # stream alone is too noisy for that); label_warning: the stricter-labels warning, if any.
    more_labels_for_target: int | None = None
    label_warning: str | None = None
    adaptive: AdaptiveEvaluation | None = None  # the vCache-style cache at error bound = the budget

    @property
    def worst(self) -> ThresholdEvaluation | None:
        """The threshold whose estimated precision is furthest from the true one."""
        known = [t for t in self.thresholds if t.estimated_precision is not None and t.true_precision is not None]
        return max(known, key=lambda t: abs(t.error or 0.0), default=None)

    @property
    def coverage(self) -> tuple[int, int]:
        """(thresholds whose 95 % interval holds the true precision, thresholds with both)."""
        both = [t for t in self.thresholds if t.precision_interval is not None and t.true_precision is not None]
        return sum(bool(t.covered) for t in both), len(both)

    def to_dict(self) -> dict:
        return {
            "n_queries": self.n_queries,
            "label_budget": self.label_budget,
            "labels_used": self.labels_used,
            "calibration": self.calibration,
            "false_hit_budget": self.false_hit_budget,
            "thresholds": [asdict(t) for t in self.thresholds],
            "labels_needed": self.labels_needed,
            "precision_source": self.precision_source,
            "more_labels_for_target": self.more_labels_for_target,
            "label_warning": self.label_warning,
            "chosen": None
            if self.chosen is None
            else {**asdict(self.chosen), "true_false_hit_rate": self.chosen_true_false_hit_rate},
            "adaptive": None if self.adaptive is None else self.adaptive.to_dict(),
        }

    @property
    def chosen_true_false_hit_rate(self) -> float | None:
        """Share of the chosen threshold's hits that would serve a wrong answer (from the labels)."""
        if self.chosen is None or self.chosen.true_precision is None:
            return None
        return 1.0 - self.chosen.true_precision


@dataclass(frozen=True)
class StreamMatches:
    """A replayed stream, before any label is read: each row's best earlier match."""

    match_index: np.ndarray  # -1 = nothing earlier
    match_cosine: np.ndarray  # float64, -1.0 where no match
    same_text: np.ndarray  # bool: the match has the same normalized text (always right)
    texts: tuple[str, ...] = ()  # the queries (entity evidence); empty: cosine and exact text only
    responses: tuple[str | None, ...] | None = None  # logged answers, when the stream has them

    @property
    def matched(self) -> np.ndarray:
        return self.match_index >= 0

    @property
    def partner(self) -> np.ndarray:
        return np.maximum(self.match_index, 0)


def replay_stream(texts: Sequence[str], embedder, progress=None, responses=None) -> StreamMatches:
    texts = [str(t) for t in texts]
    r = replay(embedder.encode(texts, progress=progress))
    matched = r.match_index >= 0
    j = np.maximum(r.match_index, 0)
    norm = np.asarray([normalize_text(t) for t in texts], dtype=object)
    return StreamMatches(
        match_index=np.asarray(r.match_index),
        same_text=matched & (norm == norm[j]),
        match_cosine=np.where(matched, r.match_cosine, -1.0).astype(np.float64),
        texts=tuple(texts),
        responses=None if responses is None else tuple(None if x is None else str(x) for x in responses),
    )


def reveal_pairs(m: StreamMatches, thresholds, n: int, seed: int, spread: bool = True) -> np.ndarray:
    """Rows a person would label (as `advisor cache label` picks them): matched, not identical text,
    stratified over the threshold bins and spread over clusters of near-duplicate queries
    (`spread=False`: drawn at random inside a bin, the selection before clusters, for comparison)."""
    candidates = np.flatnonzero(m.matched & ~m.same_text)
    clusters = match_clusters(m.match_index, m.match_cosine)[candidates] if spread else None
    return candidates[select_pairs(m.match_cosine[candidates], label_bins(thresholds), n, seed=seed, clusters=clusters)]


def true_same(m: StreamMatches, labels: Sequence) -> np.ndarray:
    """Per row: its match carries the same label (for reports and evaluation only)."""
    lab = np.asarray([str(x) for x in labels], dtype=object)
    return m.matched & (lab == lab[m.partner])


def evaluate_stream(
    texts: Sequence[str],
    labels: Sequence,
    embedder,
    *,
    label_budget: int = 0,
    thresholds=DEFAULT_THRESHOLDS,
    false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET,
    seed: int = 0,
    calibration_path=None,
    progress=None,
    responses: Sequence | None = None,
    pair_labels: PairLabels | None = None,
    adaptive: bool = False,
) -> CacheEvaluation:
    return evaluate_matches(
        replay_stream(texts, embedder, progress=progress, responses=responses),
        labels,
        label_budget=label_budget,
        thresholds=thresholds,
        false_hit_budget=false_hit_budget,
        seed=seed,
        calibration_path=calibration_path,
        encode=embedder.encode,
        pair_labels=pair_labels,
        adaptive=adaptive,
    )


def evaluate_matches(
    m: StreamMatches,
    labels: Sequence,
    *,
    label_budget: int = 0,
    thresholds=DEFAULT_THRESHOLDS,
    false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET,
    seed: int = 0,
    calibration_path=None,
    encode=None,
    spread: bool = True,
    pair_labels: PairLabels | None = None,
    adaptive: bool = False,
) -> CacheEvaluation:
    """`encode` embeds texts: needed only when the stream has logged answers; `spread`: see
    reveal_pairs. `pair_labels`: labels a person gave (e.g. to `advisor cache label`'s pairs), used
    as `analyze` uses them, instead of revealing `label_budget` pairs of this stream. `adaptive`:
    also replay the vCache-style cache with the false-hit budget as its error bound."""
    truth = true_same(m, labels)
    cos = m.match_cosine
    cal = load_calibration(calibration_path)
    base = "shipped (CLINC150 + HWU64)" if calibration_path is None else f"calibration {calibration_path}"
    if pair_labels is None and label_budget > 0:
        shown = reveal_pairs(m, thresholds, label_budget, seed, spread=spread)
        pair_labels = _revealed(m, shown, truth) if shown.size else None
    recal, name, used, revealed, fit = None, base, 0, None, None
    if pair_labels is not None and len(pair_labels.cosine):
        fit = fit_from_labels(cal, pair_labels.cosine, pair_labels.same, seed=seed, bin_edges=label_bins(thresholds))
        recal, used, revealed = fit.model, len(pair_labels.cosine), pair_labels
        name = f"{base} + {used} labelled pairs ({fit.source})"
    p, draws = _estimate(m, recal if recal is not None else cal, revealed, encode, seed, label_bins(thresholds))
    n = cos.size
    est = sweep(
        cos,
        p,
        np.ones(n),
        thresholds,
        groups=np.arange(n) // 50,
        seed=seed,
        p_right_draws=draws,
        precision_margin=cal.transfer_margin(thresholds),
        margin_applies=m.matched & ~m.same_text,
    )
    rows = []
    for e in est:
        hit = cos >= e.threshold
        rows.append(
            ThresholdEvaluation(
                threshold=e.threshold,
                hits=e.hits,
                hit_rate=e.hit_rate,
                estimated_precision=e.estimated_precision,
                precision_interval=e.precision_interval,
                true_precision=float(truth[hit].mean()) if hit.any() else None,
            )
        )
    chosen = choose_threshold(est, false_hit_budget)
    need = None
    if chosen is None:
        candidates = cos[m.matched & ~m.same_text]
        need = labels_to_recommend(est, false_hit_budget, candidates, label_bins(thresholds), plan_low=recal is None)
    chosen_row = None if chosen is None else next(x for x in rows if x.threshold == chosen.threshold)
    return CacheEvaluation(
        n_queries=n,
        label_budget=label_budget,
        labels_used=used,
        calibration=name,
        false_hit_budget=false_hit_budget,
        thresholds=tuple(rows),
        chosen=chosen_row,
        labels_needed=None if need is None else need.n_labels,
        precision_source=SOURCE_CALIBRATION if fit is None else fit.source,
        more_labels_for_target=labels_for_range(est, used) if used else None,
        label_warning=None if fit is None else fit.warning,
        adaptive=evaluate_adaptive(m, truth, p, false_hit_budget, seed=seed) if adaptive else None,
    )


def _revealed(m: StreamMatches, shown: np.ndarray, truth: np.ndarray) -> PairLabels:
    """The labels a person gave, as the analyzer reads them from pairs.csv (answers included)."""
    responses: tuple[tuple[str, str], ...] = ()
    if m.responses is not None:
        responses = tuple((m.responses[int(k)] or "", m.responses[int(m.partner[k])] or "") for k in shown)
    return PairLabels(cosine=m.match_cosine[shown], same=truth[shown], responses=responses)


def _estimate(m: StreamMatches, model, labels, encode, seed: int, bin_edges) -> tuple[np.ndarray, np.ndarray | None]:
    """P(right) per row by the analyzer's own estimator (advisor.analyzers.cache.evidence)."""
    if not m.texts:  # a hand-built stream: cosine and exact text only
        p = np.where(m.same_text, 1.0, model.predict(m.match_cosine))
        draws = None
        if getattr(model, "n_labels", 0):
            draws = np.where(m.same_text[None, :], 1.0, model.predict(m.match_cosine, draws=400))
        return p, draws
    evidence = p_right(
        model,
        m.match_cosine,
        m.match_index,
        m.texts,
        responses=m.responses,
        labels=labels,
        encode=encode,
        n_draws=400,
        seed=seed,
        bin_edges=bin_edges,
    )
    return evidence.p, evidence.draws
