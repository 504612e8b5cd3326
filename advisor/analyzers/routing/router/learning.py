"""Learning curve: labelled requests -> how the router's AUC and APGR grow with the number of
labels, and the smallest number after which the estimate is stable.

Hold out a seeded test part once; train on random subsets of the rest (`n_repeats`
draws per size) and score each on the same test part. "Stable" = the AUC's spread across
draws is below `max_sd` and its mean is within `tolerance` of the largest size's mean.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.fitting import FitCache, cores
from advisor.analyzers.routing.router.metrics import auc_score, evaluate_scores

CHANCE_AUC = 0.5  # a router that ranks no better than a coin


@dataclass(frozen=True)
class LearningPoint:
    n_labelled: int
    auc_mean: float | None
    auc_sd: float | None
    apgr_mean: float | None


@dataclass(frozen=True)
class LearningCurve:
    points: tuple[LearningPoint, ...]
    n_needed_for_stable_auc: int | None  # None: not shown stable below the number given

    def to_dict(self) -> dict:
        return {"points": [p.__dict__ for p in self.points], "n_needed_for_stable_auc": self.n_needed_for_stable_auc}


def default_sizes(n_train: int) -> list[int]:
    """Doubling sizes up to half the pool, then the whole pool. Draws of more than half the pool
    share most of their calls, so their spread understates how much the answer depends on
    which calls were labelled (the finite-population factor 1 - size / pool) and would pass
    the stability test too easily; they also cost the most."""
    sizes = [s for s in (50, 100, 200, 400, 800, 1600, 3200, 6400) if 2 * s <= n_train]
    return sizes + [n_train]


def learning_curve(
    embeddings: np.ndarray,
    features: np.ndarray,
    weak: np.ndarray,
    strong: np.ndarray,
    *,
    seed: int,
    test_frac: float = 0.3,
    n_repeats: int = 3,
    sizes: list[int] | None = None,
    max_sd: float = 0.02,
    tolerance: float = 0.02,
    threshold: float | None = None,
    split: tuple[np.ndarray, np.ndarray] | None = None,
    stop_when_stable: bool = False,
    text_ids: np.ndarray | None = None,
    cache: FitCache | None = None,
    max_test: int = 3000,
    n_jobs: int | None = None,
) -> LearningCurve:
    """`split` = (training pool, test rows) overrides the seeded hold-out. `text_ids`, `cache`:
    as in RoutingClassifier.fit. n_jobs: threads for the fits (default: the cores, at most 4).

    stop_when_stable: fit the whole pool first, then sizes from the smallest up, and stop at
    the first stable one; the answer is the same, the larger sizes (most of the cost: a fit
    costs about its size) are skipped, and the points stop there."""
    pool, test = _hold_out(len(weak), seed, test_frac, max_test) if split is None else split
    draws = _Draws(
        embeddings=embeddings,
        features=features,
        weak=weak,
        strong=strong,
        threshold=threshold,
        text_ids=text_ids,
        cache=cache,
        seed=seed,
        pool=pool,
        test=test,
    )
    sizes = list(sizes or default_sizes(len(pool)))
    # Every draw is its own seeded fit, so they run on a few threads (each fit keeps BLAS at one
    # thread; numpy and faiss release the GIL) and the points are the same as one after another.
    # The largest size goes first: every stability check needs it. With stop_when_stable the
    # draws are queued smallest first and the queue is dropped at the first stable size, so at
    # most the draws already running are spent beyond it.
    tasks = [(sizes[-1], 0)] + [(size, r) for size in sizes[:-1] for r in range(n_repeats if size < len(pool) else 1)]
    workers = max(1, min(n_jobs or cores(), len(tasks)))
    points: list[LearningPoint] = []
    needed = None
    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = {task: executor.submit(draws.score, *task) for task in tasks}
        # The largest size has one draw (sd 0) and is the reference itself: it proves nothing.
        last = _point(sizes[-1], [futures[(sizes[-1], 0)].result()])
        for size in sizes[:-1]:
            points.append(_point(size, [futures[t].result() for t in tasks if t[0] == size and t != tasks[0]]))
            if needed is None and _stable(points[-1], last.auc_mean, max_sd=max_sd, tolerance=tolerance):
                needed = points[-1].n_labelled
                if stop_when_stable:
                    for f in futures.values():
                        f.cancel()
                    break
    return LearningCurve((*points, last), needed)


def _hold_out(n: int, seed: int, test_frac: float, max_test: int) -> tuple[np.ndarray, np.ndarray]:
    """(training pool, test rows): a seeded permutation, the test part `test_frac` of the rows."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = max(10, round(n * test_frac))
    # Past a few thousand test calls the AUC's noise is well below the 0.02 tolerance and
    # every fit predicts the whole test part: a larger one only costs. The pool stays the
    # other 1 - test_frac, so sizes mean the same as without the cap.
    return perm[n_test:], perm[: min(n_test, max_test)]


@dataclass(frozen=True, kw_only=True)
class _Draws:
    """The labelled rows, the pool to draw training subsets from and the fixed test part."""

    embeddings: np.ndarray
    features: np.ndarray
    weak: np.ndarray
    strong: np.ndarray
    threshold: float | None
    text_ids: np.ndarray | None
    cache: FitCache | None
    seed: int
    pool: np.ndarray
    test: np.ndarray

    def score(self, size: int, r: int) -> tuple[float | None, float | None] | None:
        """(AUC, APGR) of one fit on `size` pool rows drawn with seed + 1 + r; None if it can't fit."""
        test, weak, strong, text_ids = self.test, self.weak, self.strong, self.text_ids
        idx = np.random.default_rng(self.seed + 1 + r).choice(self.pool, size=size, replace=False)
        try:
            model = RoutingClassifier(seed=self.seed).fit(
                self.embeddings[idx],
                self.features[idx],
                weak[idx],
                strong[idx],
                self.threshold,
                text_ids=None if text_ids is None else text_ids[idx],
                cache=self.cache,
                out_of_fold=False,
            )
        except ValueError:  # too few labels or one outcome only at this size
            return None
        test_ids = None if text_ids is None else text_ids[test]
        out = model.predict(self.embeddings[test], self.features[test], text_ids=test_ids, cache=self.cache)
        good_test = (weak[test] >= (strong[test] if self.threshold is None else self.threshold)).astype(int)
        has_gap = bool(np.any(weak[test] != strong[test]))
        apgr = evaluate_scores(out.strong_score, weak[test], strong[test]).apgr if has_gap else None
        return auc_score(out.p_good_enough, good_test), apgr


def _point(size: int, results: list[tuple[float | None, float | None] | None]) -> LearningPoint:
    aucs = [a for a, _ in filter(None, results) if a is not None]
    apgrs = [g for _, g in filter(None, results) if g is not None]
    return LearningPoint(
        n_labelled=int(size),
        auc_mean=float(np.mean(aucs)) if aucs else None,
        auc_sd=float(np.std(aucs)) if len(aucs) > 1 else (0.0 if aucs else None),
        apgr_mean=float(np.mean(apgrs)) if apgrs else None,
    )


def _stable(p: LearningPoint, final: float | None, *, max_sd: float, tolerance: float) -> bool:
    """The AUC's spread across draws is small, its mean is near the largest size's, and it is
    better than chance by two spreads (a chance-level AUC is not a stable router, however flat)."""
    return (
        final is not None
        and p.auc_mean is not None
        and p.auc_sd is not None
        and p.auc_sd <= max_sd
        and abs(p.auc_mean - final) <= tolerance
        and p.auc_mean - 2 * p.auc_sd > CHANCE_AUC
    )
