"""A replayed, labelled stream -> the adaptive (vCache-style) cache's estimated and true rates.

    evaluate_adaptive(matches, truth, p_right, error_bound, seed=0) -> AdaptiveEvaluation
    simulate_own_cache(vectors, labels, error_bound, seed=0) -> OwnCacheRun

The cache learns from the dataset's ground truth (what a deployed verified cache would see
when it checks an explored call), on the same replay as the static sweep. The estimated
rates average the analyzer's P(right) over the served calls; the true ones read the labels
(advisor.analyzers.cache.adaptive states the method and what it assumes).

`simulate_own_cache` drops the one assumption that departs from vCache: there the cache holds
only the answers of calls whose check found their neighbour wrong (and the first call), and
each call looks for its nearest neighbour among those entries (exact search, no TTL). It needs
the vectors and a sequential search, so it is an evaluation tool, not the analyzer's estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from advisor.analyzers.cache.adaptive import EntryThreshold, estimate_adaptive, simulate_adaptive


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


@dataclass(frozen=True)
class OwnCacheRun:
    """vCache with its own insertion rule, per call: served, verified, and served wrong (from the labels)."""

    served: np.ndarray
    verified: np.ndarray
    wrong: np.ndarray
    entries: int  # answers the cache ended up holding

    def rates(self) -> tuple[float, float | None, float, int]:
        """(hit rate of all calls, true false-hit rate, true wrong per call with a neighbour, verifications)."""
        n, hits = self.served.size, int(self.served.sum())
        with_neighbour = int(np.sum(self.served | self.verified))
        wrong = int(self.wrong.sum())
        return (
            hits / n if n else 0.0,
            wrong / hits if hits else None,
            wrong / with_neighbour if with_neighbour else 0.0,
            int(self.verified.sum()),
        )


def simulate_own_cache(vectors: np.ndarray, labels, error_bound: float, *, seed: int = 0) -> OwnCacheRun:
    """Rows in arrival order (L2-normalized vectors); two rows with the same label share an answer."""
    v = np.asarray(vectors, dtype=np.float32)
    lab = np.asarray([str(x) for x in labels], dtype=object)
    n = len(v)
    draws = np.random.default_rng(seed).random(n)
    held = np.empty_like(v)
    rows: list[int] = []  # the row whose answer each entry holds
    models: list[EntryThreshold] = []
    served, verified, wrong = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    for i in range(n):
        if rows:
            sims = held[: len(rows)] @ v[i]
            e = int(np.argmax(sims))
            s = round(float(sims[e]), 3)
            right = bool(lab[i] == lab[rows[e]])
            if models[e].serves(s, float(draws[i]), error_bound):
                served[i], wrong[i] = True, not right
                continue
            verified[i] = True
            models[e].observe(s, right)
            if right:
                continue
        held[len(rows)] = v[i]
        rows.append(i)
        models.append(EntryThreshold())
    return OwnCacheRun(served=served, verified=verified, wrong=wrong, entries=len(rows))
