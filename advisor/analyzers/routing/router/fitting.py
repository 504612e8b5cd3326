"""Fitting helpers for the router, all closed form or a few Newton steps on small matrices:
rows -> distinct embeddings; weighted ridge regression, cross-fitted from one Gram matrix;
a small L2 logistic regression; seeded folds; a one-thread BLAS context; and a cache of the
label-free work that candidate models labelled on the same calls share.

Why not scikit-learn's estimators here: the analyzer fits the router once per candidate and
once per learning-curve point; a 384-dimensional ridge is one 384 x 384 system per fold (and
the systems carry no labels, so candidates share them), and the stacked logistic has about
ten inputs, so both are cheaper written out (tests check them against scikit-learn's).
"""

from __future__ import annotations

import threading

import numpy as np

_CONTROLLER: list = []  # [(modules loaded when made, ThreadpoolController)]
_CONTROLLER_LOCK = threading.Lock()


def cores() -> int:
    """Threads for independent fits: the cores this process may use, at most 4 (each fit keeps
    BLAS at one thread, so more threads than cores only queue)."""
    import os

    return min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _controller():
    """threadpoolctl's view of the loaded BLAS / OpenMP libraries. Finding them costs ~3 ms, so
    it is kept, and looked for again only when modules were imported since: faiss and scipy
    bring their own OpenBLAS (and faiss its OpenMP), and a controller made before they loaded
    left them at every core, oversubscribing the threads that each meant to use one."""
    import sys

    from threadpoolctl import ThreadpoolController

    with _CONTROLLER_LOCK:
        if not _CONTROLLER or _CONTROLLER[0][0] != len(sys.modules):
            _CONTROLLER[:] = [(len(sys.modules), ThreadpoolController())]
        return _CONTROLLER[0][1]


_PINNED = [0]  # > 0 while a pinned_single_thread() region is active (process-wide)


def threads(n: int):
    """A context with BLAS / OpenMP at `n` threads (see single_threaded); inside a
    pinned_single_thread() region it changes nothing."""
    import contextlib

    if _PINNED[0]:
        return contextlib.nullcontext()
    return _controller().limit(limits=n)


class pinned_single_thread:
    """BLAS / OpenMP at one thread for a whole region that runs fits on several Python threads.

    threadpoolctl's limits are process-wide: with each fit setting one thread on entry and
    restoring the previous value on exit, one fit's exit gave the others running beside it
    every core, so a sum's order (and its last bits) depended on timing, and two runs of the
    same analysis differed (a learning-curve AUC by up to 2 %). Inside this region the limit
    stays at one; faiss and scipy are loaded first so their own BLAS copies are covered.
    """

    def __enter__(self) -> pinned_single_thread:
        import faiss  # noqa: F401  (its OpenBLAS / OpenMP must be loaded before limiting)
        import scipy.linalg  # noqa: F401

        self._limit = _controller().limit(limits=1)
        self._limit.__enter__()
        _PINNED[0] += 1
        return self

    def __exit__(self, *exc: object) -> None:
        _PINNED[0] -= 1
        self._limit.__exit__(*exc)


def single_threaded():
    """A context with BLAS / OpenMP at one thread. The router's matrices are small (384 x 384,
    a few thousand rows): threads gain little on them, and on a busy 2-core machine they
    oversubscribe the cores (a 384 x 384 eigh measured 2.3 s with 2 threads vs 0.024 s with 1)."""
    return threads(1)


class FitCache:
    """Label-free pieces of router fits and predictions (projections, nearest neighbours,
    ridge systems), keyed by a hash of their inputs' bytes.

    Candidate models are usually labelled on the same shadow calls, so their fits, learning
    curves and predictions share every piece that does not depend on the labels; one cache
    per analysis computes each once. Entries are plain arrays; nothing is written anywhere.
    Callers key by text ids when they have them (small integer arrays, cheap to hash; valid
    because one analysis embeds each text once), else by the embeddings themselves."""

    def __init__(self) -> None:
        self._memo: dict[bytes, object] = {}
        # Fits of several candidates run on threads: the first to ask computes a piece, the
        # others wait for it instead of computing it again.
        self._locks: dict[bytes, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, arrays, params, compute):
        import hashlib

        h = hashlib.blake2b(name.encode(), digest_size=16)
        for a in arrays:
            if isinstance(a, bytes):
                h.update(a)
                continue
            a = np.ascontiguousarray(a)
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.data)
        h.update(repr(params).encode())
        key = h.digest()
        if key in self._memo:
            return self._memo[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
        return self._memo[key]


def weighted_ridge(X: np.ndarray, Y: np.ndarray, w: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(coef (d, targets), intercept (targets,)) minimising sum_i w_i |y_i - b0 - x_i b|^2 + alpha |b|^2.

    The same solution as scikit-learn's Ridge(alpha).fit(X, Y, sample_weight=w): the intercept
    is not penalised (weighted centring). A row of weight c whose target is the mean of c
    labels gives the same coefficients as the c labelled rows themselves."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    w = np.asarray(w, dtype=np.float64)
    total = w.sum()
    x_mean = w @ X / total
    y_mean = w @ Y / total
    Xc = X - x_mean
    Xw = Xc * w[:, None]
    A = Xw.T @ Xc
    A[np.diag_indices_from(A)] += alpha
    coef = np.linalg.solve(A, Xw.T @ (Y - y_mean))
    return coef, y_mean - x_mean @ coef


def weighted_logistic(
    Z: np.ndarray, y: np.ndarray, w: np.ndarray, *, C: float = 1.0, max_iter: int = 50, tol: float = 1e-8
) -> tuple[np.ndarray, float]:
    """(coef, intercept) of an L2 logistic regression by Newton's method, for a few inputs.

    Objective as scikit-learn's LogisticRegression(C=C) with sample weights: 0.5 |coef|^2 +
    C * sum_i w_i logloss_i, intercept unpenalised. `y` may be a fraction in 0..1 (the share
    of a text's labelled calls that were good enough): the log-loss is linear in y, so a
    fraction with weight c equals c rows of 0/1 labels."""
    Z = np.asarray(Z, dtype=np.float64)
    A = np.c_[Z, np.ones(len(Z))]
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64) * C
    penalty = np.ones(A.shape[1])
    penalty[-1] = 0.0

    def loss(b: np.ndarray) -> float:
        z = A @ b
        # log(1 + e^z) - y z, written to stay finite for large |z|
        return float(w @ (np.logaddexp(0.0, z) - y * z) + 0.5 * penalty @ (b * b))

    beta = np.zeros(A.shape[1])
    current = loss(beta)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(A @ beta)))
        grad = A.T @ (w * (p - y)) + penalty * beta
        hess = (A * (w * p * (1.0 - p))[:, None]).T @ A + np.diag(penalty) + 1e-9 * np.eye(A.shape[1])
        step = np.linalg.solve(hess, grad)
        # Damped Newton: halve the step until the loss does not rise (plain Newton can overshoot).
        for _ in range(30):
            trial = loss(beta - step)
            if trial <= current + 1e-12:
                break
            step = step / 2.0
        beta = beta - step
        current = min(current, trial)
        if np.max(np.abs(step)) < tol:
            break
    return beta[:-1], float(beta[-1])


def group_folds(n_groups: int, n_folds: int, seed: int) -> np.ndarray:
    """Fold id (0..n_folds-1) per group, shuffled with the seed, sizes differing by at most one."""
    fold = np.arange(n_groups) % n_folds
    return fold[np.random.default_rng(seed).permutation(n_groups)]


def cross_fitted_ridge(
    Xu: np.ndarray,
    text: np.ndarray,
    Y: np.ndarray,
    folds: np.ndarray,
    n_folds: int,
    alpha: float,
    *,
    cache: FitCache | None = None,
    key=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge of per-call targets `Y` (n, t) on their text's embedding `Xu[text]`, intercept
    unpenalised: (out-of-fold predictions per call (n, t), coef (d, t), intercept (t,)) with
    the calls' `folds` (0..n_folds-1).

    From sufficient statistics: one Gram matrix of the texts weighted by their calls; a fold's
    fit subtracts only the Gram of the texts with calls in that fold. The Gram matrices carry
    no labels, so `cache` shares them between candidate models."""
    from scipy.linalg import cho_factor, cho_solve

    Xu = np.asarray(Xu, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(text), -1)
    n_texts = len(Xu)

    def systems():
        def gram(rows):
            count = np.bincount(text[rows], minlength=n_texts).astype(np.float64)
            seen = count > 0
            return count.sum(), count @ Xu, (Xu[seen] * count[seen, None]).T @ Xu[seen]

        # Every call is in one fold, so the folds' statistics add up to the whole set's.
        parts = [gram(folds == f) for f in range(n_folds)]
        total = tuple(sum(p[i] for p in parts) for i in range(3))
        out = []
        for f in [*range(n_folds), None]:
            s0, s1, s2 = total if f is None else (a - b for a, b in zip(total, parts[f]))
            x_mean = s1 / s0
            A = s2 - s0 * np.outer(x_mean, x_mean)
            A[np.diag_indices_from(A)] += alpha
            # A is a scatter matrix plus alpha I, so positive definite: factor it once (Cholesky,
            # half an LU's work) and every fit on it, of any candidate, is two triangular solves.
            out.append((s0, x_mean, cho_factor(A, check_finite=False)))
        return out

    solved = (
        systems()
        if cache is None
        else cache.get("kfold-ridge", (Xu if key is None else key, text, folds), (n_folds, alpha), systems)
    )

    def fit(rows, s0, x_mean, factor):
        sums = np.stack([np.bincount(text[rows], Y[rows, j], minlength=n_texts) for j in range(Y.shape[1])], axis=1)
        y_mean = sums.sum(axis=0) / s0
        coef = cho_solve(factor, Xu.T @ sums - s0 * np.outer(x_mean, y_mean), check_finite=False)
        return coef, y_mean - x_mean @ coef

    oof = np.zeros(Y.shape)
    for f in range(n_folds):
        out = folds == f
        coef, intercept = fit(~out, *solved[f])
        oof[out] = Xu[text[out]] @ coef + intercept
    coef, intercept = fit(np.ones(len(text), dtype=bool), *solved[-1])
    return oof, coef, intercept


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), p clipped to [1e-4, 1 - 1e-4]."""
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))
