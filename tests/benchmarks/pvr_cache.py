"""Projected vs realized, the semantic cache: the plan's threshold and TTL replayed on held-back calls.

    cache_outcomes(vectors, times_s, held_back, classes, threshold=..., ttl_s=...) -> CacheOutcome
    replay_held_back(train, test, classes_train, classes_test, embedder, threshold=..., settings=...) -> CacheOutcome

The cacheable calls of both halves (the analyzer's rule: first turns with query text,
advisor/analyzers/cache/settings.py) go through the analyzer's own replay
(advisor/analyzers/cache/replay.py) in time order, so the first half's entries warm the cache
for the second within the TTL. A held-back call is a hit when its best alive earlier entry is at
or above the threshold; the hit serves that entry's answer, which is right exactly when the
generator's answer class of the entry equals the call's (advisor/lab/synthetic/responses.py).
As in the analyzer's replay, every cacheable call's own answer enters the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.analyzers.cache.replay import replay
from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
from advisor.core.schema import QUERY, TIMESTAMP


@dataclass(frozen=True)
class CacheOutcome:
    hit: np.ndarray  # per held-back call (all of them, cacheable or not)
    false_hit: np.ndarray  # hit whose served answer class differs from the call's
    match_cosine: np.ndarray  # NaN where the call is not cacheable or found nothing


def cache_outcomes(
    vectors: np.ndarray,
    times_s: np.ndarray,
    held_back: np.ndarray,
    classes: np.ndarray,
    *,
    threshold: float,
    ttl_s: float,
    capacity: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hit, false hit, match cosine) of the rows in `held_back`; rows are cacheable calls in time order."""
    r = replay(vectors, times_s=times_s, ttl_s=ttl_s, capacity=capacity, use_threshold=threshold)
    matched = r.match_index >= 0
    cos = np.where(matched, r.match_cosine.astype(np.float64), np.nan)
    hit = matched & (cos >= threshold)
    served = np.asarray(classes, dtype=object)[np.where(matched, r.match_index, 0)]
    false = hit & (served != np.asarray(classes, dtype=object))
    return hit[held_back], false[held_back], cos[held_back]


def replay_held_back(
    train: pd.DataFrame,
    test: pd.DataFrame,
    classes_train: np.ndarray,
    classes_test: np.ndarray,
    embedder,
    *,
    threshold: float,
    settings: CacheSettings,
) -> CacheOutcome:
    """The plan's cache (threshold, the analyzer's TTL and capacity) on the held-back calls, warmed by the first half."""
    keep_train, keep_test = cacheable_mask(train, settings), cacheable_mask(test, settings)
    both = pd.concat([train[keep_train], test[keep_test]], ignore_index=True)
    held = np.r_[np.zeros(int(keep_train.sum()), bool), np.ones(int(keep_test.sum()), bool)]
    classes = np.r_[
        np.asarray(classes_train, dtype=object)[keep_train], np.asarray(classes_test, dtype=object)[keep_test]
    ]
    order = np.argsort(both[TIMESTAMP].to_numpy(), kind="stable")
    both, held, classes = both.iloc[order].reset_index(drop=True), held[order], classes[order]
    vectors = np.asarray(embedder.encode(both[QUERY].astype(str).tolist()), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    times = both[TIMESTAMP].astype("int64").to_numpy() / 1e9
    hit, false, cos = cache_outcomes(
        vectors, times, held, classes, threshold=threshold, ttl_s=settings.ttl_s, capacity=settings.capacity or None
    )
    # the held-back rows' places in `test`: sorted position -> index among test's cacheable calls -> row
    rows = np.flatnonzero(keep_test)[order[held] - int(keep_train.sum())]
    n = len(test)
    out = [np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.nan)]
    for full, part in zip(out, (hit, false, cos)):
        full[rows] = part
    return CacheOutcome(*out)
