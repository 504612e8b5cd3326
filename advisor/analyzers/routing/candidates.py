"""Per-candidate routing estimate: per-call labels or the shipped router -> CandidateEstimate.

For one cheaper model: which calls could move to it, the calibrated probability each would be
good enough, the quality-versus-share curve, the largest share meeting the quality target
(with an interval), and the monthly savings at that share. Three sources, best first:

- "labels": the user's own labels for this candidate (shadow answers) train a RoutingClassifier;
  labelled calls get out-of-fold predictions, so the metrics and curves are not fitted to
  themselves;
- "default_router": the shipped MMLU router, only when the domain check says the log looks
  like its training data; still low confidence, since it was trained on another model pair;
- "none": no supportable estimate; savings 0 with an interval from 0 to routing every
  eligible call, confidence low, and a prerequisite to collect labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from advisor.analyzers.routing.curves import (
    QualityCurve,
    expected_delta,
    gap_delta,
    lower_bound_quality,
    max_routed_calls,
    quality_curve,
    relative_quality_at,
    routing_order,
    savings_usd,
)
from advisor.analyzers.routing.labels_needed import label_prerequisites, labels_to_collect, more_labels_needed
from advisor.analyzers.routing.ordering import label_bounds, rank_within, threshold_at
from advisor.analyzers.routing.router.classifier import RouterScores, RoutingClassifier
from advisor.analyzers.routing.router.fitting import FitCache
from advisor.analyzers.routing.router.learning import LearningCurve, learning_curve
from advisor.analyzers.routing.router.metrics import (
    RouterMetrics,
    bootstrap_auc_interval,
    evaluate_scores,
    widened,
)

LABELS, DEFAULT_ROUTER, NONE = "labels", "default_router", "none"


@dataclass(frozen=True)
class CandidateEstimate:
    model: str
    provider: str
    mode: str  # labels | default_router | none
    confidence: str  # medium | low
    n_labelled: int
    eligible_share: float  # calls the candidate is cheaper for
    mean_cost_ratio: float  # candidate cost / current cost over eligible calls
    curve: QualityCurve | None
    max_share_at_target: float
    share_interval: tuple[float, float]
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    metrics: RouterMetrics | None = None  # out-of-fold, on the labelled calls
    auc_interval: tuple[float, float] | None = None
    learning: LearningCurve | None = None
    prerequisites: tuple[str, ...] = field(default=())
    fail_quality: float = 0.0  # candidate's score when not good enough (0 for pass/fail)
    per_call_p_good_enough: np.ndarray | None = None
    per_call_routable_order: np.ndarray | None = None
    # Per call: expected quality change if routed (candidate minus current, gains counted); on
    # labelled calls the measured change (the label), elsewhere the model's out-of-fold estimate.
    per_call_expected_delta: np.ndarray | None = None
    quality_at_share: float | None = None  # relative quality at max_share_at_target, point estimate
    quality_lower_bound: float | None = None  # its cross-fitted lower confidence bound (labels only)
    score_threshold: float | None = None  # route calls whose routing score is <= this (labels only)
    more_labels_needed: int | None = None  # labels still to collect (labels only; labels_needed.py)
    per_call_saving_usd: np.ndarray | None = None  # over the log; the plan prices routed calls with it
    scorer: RoutingClassifier | None = field(default=None, metadata={"json": False})  # for advisor export router
    per_call_deploy_score: np.ndarray | None = None  # the scorer's score per call (labels' or shipped router's)


@dataclass(frozen=True)
class CandidateInputs:
    """Everything about one candidate that does not depend on where probabilities come from."""

    model: str
    provider: str
    eligible: np.ndarray  # bool per call
    per_call_saving_usd: np.ndarray  # over the log (not yet monthly)
    cost_ratio: np.ndarray  # candidate / current cost per call
    current_quality: np.ndarray  # per call, filled (labelled value, else the labelled mean, else 1)
    candidate_labels: np.ndarray  # per call, NaN where unknown
    current_labels: np.ndarray  # per call, NaN where unknown
    monthly_factor: float
    labels_per_text: np.ndarray | None = None  # per call: its label is one per text (--labels), copied to each call


def _finish(
    inp: CandidateInputs,
    *,
    mode: str,
    confidence: str,
    strong_score: np.ndarray,
    p_good: np.ndarray,
    delta: np.ndarray,
    target: float,
    n_labelled: int,
    bounds: tuple[int, int, int] | None = None,
    margin: float = 0.0,
    fail_quality: float = 0.0,
    metrics: RouterMetrics | None = None,
    auc_interval: tuple[float, float] | None = None,
    learning: LearningCurve | None = None,
    prerequisites: Sequence[str] = (),
    realized: np.ndarray | None = None,
) -> CandidateEstimate:
    """The estimate from per-call expected changes: route the most routable eligible calls first.
    bounds: (calls routed, low, high) when the caller computed them (labels: a cross-fitted lower
    bound); else as many calls as keep quality at `target`, the interval shifting every
    probability by +-margin (loss-only changes)."""
    n = len(inp.eligible)
    order = routing_order(strong_score, inp.eligible)
    curve = quality_curve(order, delta, inp.current_quality, n)
    if bounds is None:
        cq, fq = inp.current_quality, fail_quality
        n_mid = max_routed_calls(order, delta, cq, target)
        n_lo = max_routed_calls(order, expected_delta(np.clip(p_good - margin, 0, 1), cq, fq), cq, target)
        n_hi = max_routed_calls(order, expected_delta(np.clip(p_good + margin, 0, 1), cq, fq), cq, target)
    else:
        n_mid, n_lo, n_hi = bounds
    per_call = delta if realized is None else np.where(np.isfinite(realized), realized, delta)

    def money(k: int) -> float:
        return savings_usd(order, k, inp.per_call_saving_usd) * inp.monthly_factor

    return CandidateEstimate(
        model=inp.model,
        provider=inp.provider,
        mode=mode,
        confidence=confidence,
        n_labelled=n_labelled,
        eligible_share=float(inp.eligible.mean()) if n else 0.0,
        mean_cost_ratio=float(inp.cost_ratio[inp.eligible].mean()) if inp.eligible.any() else 1.0,
        curve=curve,
        max_share_at_target=n_mid / n if n else 0.0,
        share_interval=(n_lo / n if n else 0.0, n_hi / n if n else 0.0),
        monthly_savings_usd=money(n_mid),
        savings_interval_usd=(money(n_lo), money(n_hi)),
        metrics=metrics,
        auc_interval=auc_interval,
        learning=learning,
        prerequisites=tuple(prerequisites),
        fail_quality=float(fail_quality),
        per_call_p_good_enough=p_good,
        per_call_routable_order=order,
        per_call_expected_delta=per_call,
        quality_at_share=relative_quality_at(order, delta, inp.current_quality, n_mid),
        quality_lower_bound=lower_bound_quality(order, realized, inp.current_quality, n_mid),
        score_threshold=None,
        per_call_saving_usd=inp.per_call_saving_usd,
    )


def _training_rows(labelled: np.ndarray, text_ids: np.ndarray, labels_per_text: np.ndarray | None):
    """(positions in `labelled` to train on, position of each labelled call's training row);
    text_ids: each call's text.

    A label given per text (--labels) is copied to every call of the text; training on the
    copies would put the same label on both sides of a fold. One call per such text trains,
    and its copies take its out-of-fold prediction."""
    rep = np.arange(len(labelled))
    if labels_per_text is not None and labels_per_text[labelled].any():
        copied = np.flatnonzero(labels_per_text[labelled])
        _, first, inverse = np.unique(text_ids[labelled[copied]], return_index=True, return_inverse=True)
        rep[copied] = copied[first][inverse]
    train = np.flatnonzero(rep == np.arange(len(labelled)))
    where = np.full(len(labelled), -1)
    where[train] = np.arange(len(train))
    return train, where[rep]


def estimate_from_labels(
    inp: CandidateInputs,
    vectors,
    features,
    *,
    target: float,
    threshold: float | None,
    seed: int,
    with_learning_curve: bool,
    text_ids: np.ndarray,
    cache: FitCache | None = None,
) -> CandidateEstimate:
    """vectors: one row per distinct text; text_ids: each call's row in `vectors` (calls of a text
    share it, and the per-call matrix is never built: 1.5 GB on a million calls); cache: one
    FitCache for all candidates of an analysis (they share label-free work)."""
    text_ids = np.asarray(text_ids)
    of = lambda r: vectors[text_ids[r]]  # noqa: E731 - the calls' vectors, built only for the rows asked
    labelled = np.flatnonzero(np.isfinite(inp.candidate_labels) & np.isfinite(inp.current_labels))
    train, train_of_labelled = _training_rows(labelled, text_ids, inp.labels_per_text)
    rows = labelled[train]
    weak, strong = inp.candidate_labels[rows], inp.current_labels[rows]
    good = weak >= (strong if threshold is None else threshold)
    model = RoutingClassifier(seed=seed).fit(
        of(rows), features[rows], weak, strong, threshold, text_ids=text_ids[rows], cache=cache
    )
    out = model.predict_by_text(vectors, text_ids, features, cache=cache)
    full_score = out.strong_score  # the fit on every label, as a deployed router scores
    strong_score, p_good = out.strong_score.copy(), out.p_good_enough.copy()
    # Labelled calls: the fit's out-of-fold predictions, so metrics and curves are not fitted to themselves.
    oof_score, oof_p = model.oof_strong_score_, model.oof_p_good_enough_
    strong_score[labelled], p_good[labelled] = oof_score[train_of_labelled], oof_p[train_of_labelled]
    metrics = evaluate_scores(oof_score, weak, strong, p_good_enough=oof_p, good=good)
    interval = widened(bootstrap_auc_interval(oof_p, good, seed=seed, groups=text_ids[rows]), metrics.auc)
    learning = None
    if with_learning_curve and len(rows) >= 200:
        learning = learning_curve(
            of(rows),
            features[rows],
            weak,
            strong,
            seed=seed,
            threshold=threshold,
            stop_when_stable=True,
            text_ids=text_ids[rows],
            cache=cache,
        )
    fail_quality = float(weak[~good].mean()) if (~good).any() else 0.0
    stable = learning is not None and learning.n_needed_for_stable_auc is not None
    better_than_chance = interval is not None and interval[0] > 0.5
    more = more_labels_needed(len(labelled), metrics.auc, float(good.mean()), stable=stable, better=better_than_chance)
    prerequisites = label_prerequisites(inp.model, len(labelled), stable=stable, better=better_than_chance, more=more)
    rank = rank_within(strong_score, labelled)
    realized = np.full(len(inp.eligible), np.nan)
    realized[labelled] = inp.candidate_labels[labelled] - inp.current_labels[labelled]
    delta = gap_delta(strong_score, inp.current_quality)
    bounds = label_bounds(routing_order(rank, inp.eligible), realized, delta, inp.current_quality, target)
    if not better_than_chance:  # AUC interval includes 0.5: route nothing, keep the upper end
        bounds = (0, 0, bounds[2])
    estimate = _finish(
        inp,
        mode=LABELS,
        confidence="medium" if stable and better_than_chance else "low",
        strong_score=rank,
        p_good=p_good,
        delta=delta,
        bounds=bounds,
        realized=realized,
        fail_quality=fail_quality,
        target=target,
        n_labelled=len(labelled),
        metrics=metrics,
        auc_interval=interval,
        learning=learning,
        prerequisites=prerequisites,
    )
    cut = threshold_at(full_score, rank, estimate.per_call_routable_order, bounds[0])
    return replace(
        estimate, score_threshold=cut, more_labels_needed=more, scorer=model, per_call_deploy_score=full_score
    )


def estimate_from_router(
    inp: CandidateInputs, scores: RouterScores, router_ece: float, *, target: float
) -> CandidateEstimate:
    # The shipped router knows one model pair (Mixtral vs GPT-4); widen its band for transfer.
    margin = router_ece + 0.05
    return _finish(
        inp,
        mode=DEFAULT_ROUTER,
        confidence="low",
        strong_score=scores.strong_score,
        p_good=scores.p_good_enough,
        delta=expected_delta(scores.p_good_enough, inp.current_quality, 0.0),
        fail_quality=0.0,
        margin=margin,
        target=target,
        n_labelled=0,
        prerequisites=[
            (
                f"Collect about {labels_to_collect()} shadow answers of {inp.model} (quality__{inp.model} "
                "or --labels) to replace the default router's estimate with your own."
            )
        ],
    )


def estimate_unsupported(inp: CandidateInputs, reason: str) -> CandidateEstimate:
    n = len(inp.eligible)
    everything = float(inp.per_call_saving_usd[inp.eligible].sum()) * inp.monthly_factor
    return CandidateEstimate(
        model=inp.model,
        provider=inp.provider,
        mode=NONE,
        confidence="low",
        n_labelled=0,
        eligible_share=float(inp.eligible.mean()) if n else 0.0,
        mean_cost_ratio=float(inp.cost_ratio[inp.eligible].mean()) if inp.eligible.any() else 1.0,
        curve=None,
        max_share_at_target=0.0,
        share_interval=(0.0, float(inp.eligible.mean()) if n else 0.0),
        monthly_savings_usd=0.0,
        savings_interval_usd=(0.0, everything),
        prerequisites=(
            reason,
            (
                f"Collect about {labels_to_collect()} shadow answers of {inp.model} (quality__{inp.model} "
                "column or --labels FILE) so advisor can measure which requests it can take."
            ),
        ),
    )
