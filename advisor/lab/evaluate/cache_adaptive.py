"""A replayed, labelled stream -> the adaptive (vCache-style) cache's estimated and true rates.

    evaluate_adaptive(matches, truth, p_right, error_bound, seed=0) -> AdaptiveEvaluation

The cache learns from the dataset's ground truth (what a deployed verified cache would see
when it checks an explored call), on the same replay as the static sweep. The estimated
rates average the analyzer's P(right) over the served calls; the true ones read the labels
(advisor.analyzers.cache.adaptive states the method and what it assumes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from advisor.analyzers.cache.adaptive import estimate_adaptive, simulate_adaptive


@dataclass(frozen=True)
class AdaptiveEvaluation:
    error_bound: float  # delta: wrong cached answers per call with a cached neighbour
    hits: int
    hit_rate: float  # of all calls
    false_hit_rate: float | None  # estimated (analyzer's P(right)), share of hits
    true_false_hit_rate: float | None  # from the labels, share of hits
    error_rate: float  # estimated, per call with a cached neighbour (what delta bounds)
    true_error_rate: float  # from the labels, per call with a cached neighbour
    verification_calls: int  # explored calls: each a model call plus an answer comparison

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate_adaptive(
    matches, truth: np.ndarray, p_right: np.ndarray, error_bound: float, *, seed: int = 0
) -> AdaptiveEvaluation:
    """`truth`: per row, its match carries the same label (lab.evaluate.cache.true_same)."""
    run = simulate_adaptive(matches.match_index, matches.match_cosine, truth, error_bound, seed=seed)
    est = estimate_adaptive(run, p_right, np.ones(truth.size), error_bound)
    wrong = int(np.sum(run.served & ~truth))
    with_neighbour = int(np.sum(matches.matched))
    return AdaptiveEvaluation(
        error_bound=float(error_bound),
        hits=est.hits,
        hit_rate=est.hit_rate,
        false_hit_rate=est.false_hit_rate,
        true_false_hit_rate=wrong / est.hits if est.hits else None,
        error_rate=est.error_rate,
        true_error_rate=wrong / with_neighbour if with_neighbour else 0.0,
        verification_calls=est.verification_calls,
    )
