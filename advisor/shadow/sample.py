"""Which calls to label: a log's distinct requests, grouped into strata -> a seeded,
stratified sample of `n` of them.

A stratum is the serving model x the task (when the log has one) x the routing segment (when
routing ran on the log). Each stratum gets at least `floor` requests (or all it has), the rest
of `n` goes out in proportion to the stratum's calls (largest remainders), and within a stratum
requests are drawn without replacement with probability proportional to their calls. The same
log, n and seed give the same sample.
"""

from __future__ import annotations

import hashlib

import numpy as np

STRATUM_FLOOR = 5  # a stratum with fewer labels than this says nothing about itself


def allocate(sizes: np.ndarray, weights: np.ndarray, n: int, floor: int = STRATUM_FLOOR) -> np.ndarray:
    """Requests per stratum: at least min(size, floor) each (when n cannot cover every floor,
    n // strata each, or one each for the largest strata), the rest proportional to `weights`,
    never more than a stratum's size; the total is min(n, sizes.sum())."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(min(n, sizes.sum()))
    k = len(sizes)
    order = np.argsort(-np.asarray(weights, dtype=float), kind="stable")
    take = np.minimum(sizes, floor)
    if take.sum() > n:  # the floors alone are too many: an even share each, then one each
        take = np.minimum(sizes, max(1, n // k))
    if take.sum() > n:
        take = np.zeros(k, dtype=np.int64)
        take[order[:n]] = 1
        return take
    while take.sum() < n:
        room = sizes - take
        open_ = room > 0
        share = np.where(open_, weights, 0.0)
        quota = (n - take.sum()) * share / share.sum()
        extra = np.minimum(np.floor(quota).astype(np.int64), room)
        if extra.sum() == 0:  # hand out the remainders, largest first, one each
            for i in np.argsort(-(quota - np.floor(quota)), kind="stable"):
                if take.sum() >= n:
                    break
                if room[i] > 0:
                    take[i] += 1
        take += extra
    return take


def stratified_sample(strata: list[str], weights: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """Positions (sorted) of `n` items: `strata[i]` is item i's stratum, `weights[i]` its calls."""
    strata_arr = np.asarray(strata, dtype=object)
    weights = np.asarray(weights, dtype=float)
    names = sorted(set(strata))
    members = [np.flatnonzero(strata_arr == s) for s in names]
    counts = allocate(np.array([len(m) for m in members]), np.array([weights[m].sum() for m in members]), n)
    picked = []
    for name, rows, k in zip(names, members, counts):
        if k == 0:
            continue
        rng = np.random.default_rng([seed, stable_hash(name)])
        p = weights[rows] / weights[rows].sum()
        picked.append(rng.choice(rows, size=int(k), replace=False, p=p))
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)


def stable_hash(text: str) -> int:
    """A stratum's own seed part, the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
