"""Replayed matches + verdicts -> what a verified, per-entry-threshold cache (vCache) would serve.

    simulate_adaptive(match_index, match_cosine, verdict, error_bound, seed) -> AdaptiveRun
    estimate_adaptive(run, p_right, cost_usd, ...) -> AdaptiveEstimate

The method is vCache's (Schroeder et al., "vCache: Verified Semantic Prompt Caching",
arXiv 2502.03771): every cache entry keeps the (similarity, was the cached answer right)
observations of the calls that were checked against it, fits P(right | s) = sigmoid(gamma (s - t))
to them by logistic regression, and for a new call at similarity s serves the cached answer
only with probability 1 - tau, where tau is the smallest exploration probability whose
worst case over the uncertainty of t (a normal interval from the delta method) keeps
P(serve and wrong) <= delta, the user's error bound. An explored call is answered by the
model and its answer compared with the cached one; that verdict is the entry's next
observation. Below MIN_OBSERVATIONS observations, or while an entry has only seen one kind
of verdict (the regression is then undefined), every call is explored.

What this estimate assumes (docs/cache-adaptive.md):
- The same replay as the static sweep (replay.py): the same best earlier match per call,
  the same TTL and capacity. Unlike vCache, every call's answer enters the cache (vCache
  adds one only when the check found the nearest entry wrong), so observations are spread
  over more entries and more calls are explored than vCache would explore: the hit rate
  here tends to understate vCache's.
- Verification = calling the model (the call a miss pays anyway) and comparing its answer
  with the cached one. The comparison is priced at zero here; an LLM judge would add its
  own cost per verification call, which is why their number is reported.
- The verdicts come from the caller: the dataset's ground truth in `advisor evaluate`,
  draws from the same P(right) the static path uses (calibration, or labels when given) in
  the analyzer. The estimated false-hit rate is that P(wrong) averaged over served calls.
- delta bounds wrong served answers per call that has a cached neighbour (vCache's error
  rate), not per hit (advisor's false-hit rate, the static budget): both are reported.
- Where the observations separate perfectly, maximum likelihood has no finite answer;
  vCache then looks the variance of t up in a table it measured offline. Here the fit is
  Firth's penalized likelihood (finite under separation) with its own delta-method variance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit
from scipy.stats import norm

MIN_OBSERVATIONS = 6  # vCache explores until an entry has seen this many verdicts
EPSILON_GRID = np.linspace(1e-6, 1 - 1e-6, 50)  # confidence levels searched for the smallest tau
_Z = norm.ppf(1 - EPSILON_GRID)
_NEWTON_STEPS = 50


@dataclass(frozen=True)
class AdaptiveRun:
    """Per call of the replay: served from the cache, or explored (answered by the model and checked)."""

    served: np.ndarray  # bool
    verified: np.ndarray  # bool: explored calls that had a cached neighbour (a verification each)


@dataclass(frozen=True)
class AdaptiveEstimate:
    """What the adaptive cache would do over the replayed log, beside the static sweep's rows."""

    error_bound: float  # delta: P(a call gets a wrong cached answer) the cache keeps below
    hits: int
    hit_rate: float  # hits / all calls considered
    false_hit_rate: float | None  # estimated share of hits whose cached answer is wrong
    error_rate: float  # estimated wrong cached answers / calls with a cached neighbour (what delta bounds)
    verification_calls: int  # explored calls, each a model call plus an answer comparison
    monthly_avoided_cost_usd: float
    monthly_net_savings_usd: float  # avoided cost minus the cache's own monthly cost (comparison at $0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> AdaptiveEstimate | None:
        if not isinstance(d, dict):
            return None
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


class EntryThreshold:
    """One cache entry's verdicts and, once fitted, its threshold's upper confidence bounds."""

    __slots__ = ("beta", "gamma", "right", "sims", "t_primes")

    def __init__(self) -> None:
        self.sims: list[float] = []
        self.right: list[float] = []
        self.gamma = 0.0
        self.t_primes: np.ndarray | None = None  # None: explore (too few or one-sided verdicts)
        self.beta: np.ndarray | None = None

    def serves(self, s: float, draw: float, error_bound: float) -> bool:
        """Serve the cached answer at similarity s (else explore), given a uniform `draw` in [0, 1)."""
        if self.t_primes is None:
            return False
        return draw > exploration_probability(s, self.gamma, self.t_primes, error_bound)

    def observe(self, s: float, right: bool) -> None:
        self.sims.append(s)
        self.right.append(1.0 if right else 0.0)
        self.t_primes = None
        n_right = sum(self.right)
        if len(self.right) < MIN_OBSERVATIONS or n_right in (0, len(self.right)):
            return
        fitted = fit_threshold(np.asarray(self.sims), np.asarray(self.right), self.beta)
        if fitted is not None:
            t_hat, self.gamma, var_t, self.beta = fitted
            self.t_primes = np.clip(t_hat + _Z * np.sqrt(var_t), 0.0, 1.0)


def fit_threshold(
    s: np.ndarray, y: np.ndarray, start: np.ndarray | None = None
) -> tuple[float, float, float, np.ndarray] | None:
    """(t_hat, gamma, var(t_hat), coefficients) of P(right | s) = sigmoid(gamma (s - t)), or None.

    Maximum likelihood while right and wrong verdicts overlap in s (vCache); Firth's
    penalized likelihood when they separate (maximum likelihood diverges there). `start`:
    the previous fit's coefficients (one more observation moves them little).
    """
    separated = s[y == 1].min() >= s[y == 0].max()
    beta = _newton(s, y, np.zeros(2) if start is None else start, firth=bool(separated))
    if beta is None:
        return None
    b0, b1 = float(beta[0]), float(beta[1])
    gamma = max(b1, 1e-6)
    t_hat = float(np.clip(-b0 / gamma, 0.0, 1.0))
    inv = _inverse_information(s, expit(b0 + b1 * s))
    if inv is None:
        return None
    grad = np.array([-1.0 / gamma, b0 / gamma**2])
    var_t = max(float(grad @ inv @ grad), 0.0)
    return round(t_hat, 3), round(gamma, 3), var_t, beta


def _inverse_information(s: np.ndarray, p: np.ndarray) -> np.ndarray | None:
    """Inverse Fisher information of (intercept, slope): a 2 x 2 inverse in closed form."""
    w = p * (1 - p)
    a, b, c = float(w.sum()), float(w @ s), float(w @ (s * s))
    det = a * c - b * b
    if not det > 1e-300:
        return None
    return np.array([[c, -b], [-b, a]]) / det


def _newton(s: np.ndarray, y: np.ndarray, beta: np.ndarray, *, firth: bool) -> np.ndarray | None:
    """Logistic regression coefficients by Newton steps (halved while the (penalized) likelihood falls)."""
    ll = _loglik(s, y, beta, firth)
    for _ in range(_NEWTON_STEPS):
        p = expit(beta[0] + beta[1] * s)
        inv = _inverse_information(s, p)
        if inv is None:
            return None
        resid = y - p
        if firth:  # Jeffreys-prior score: leverage-adjusted residuals
            h = p * (1 - p) * (inv[0, 0] + 2 * inv[0, 1] * s + inv[1, 1] * s * s)
            resid = resid + h * (0.5 - p)
        step = inv @ np.array([resid.sum(), resid @ s])
        for _ in range(30):
            new_ll = _loglik(s, y, beta + step, firth)
            if new_ll >= ll - 1e-12:
                break
            step = step / 2
        beta, ll = beta + step, new_ll
        if np.max(np.abs(step)) < 1e-7:
            break
    return beta if np.all(np.isfinite(beta)) else None


def _loglik(s: np.ndarray, y: np.ndarray, beta: np.ndarray, firth: bool) -> float:
    z = beta[0] + beta[1] * s
    ll = float(y @ z - np.logaddexp(0.0, z).sum())
    if firth:
        w = expit(z) * (1 - expit(z))
        det = float(w.sum() * (w @ (s * s)) - (w @ s) ** 2)
        ll += 0.5 * np.log(det) if det > 0 else -np.inf
    return ll


def exploration_probability(s: float, entry_gamma: float, t_primes: np.ndarray, error_bound: float) -> float:
    """vCache's tau: the smallest over the confidence grid of 1 - delta / (1 - alpha), where alpha is a
    lower bound on P(right) at similarity s when t is at its (1 - eps) upper bound."""
    alpha = (1 - EPSILON_GRID) * expit(entry_gamma * (s - t_primes))
    taus = 1.0 - error_bound / np.maximum(1.0 - alpha, 1e-12)
    return float(np.clip(taus.min(), 0.0, 1.0))


def simulate_adaptive(
    match_index: np.ndarray,
    match_cosine: np.ndarray,
    verdict: np.ndarray,
    error_bound: float,
    *,
    seed: int = 0,
) -> AdaptiveRun:
    """Replay the calls in order: each call with a cached neighbour is served or explored by the
    neighbour's learned threshold; an explored call's `verdict` (its neighbour's answer was
    right) becomes the neighbour's next observation. Deterministic for a seed."""
    idx = np.asarray(match_index, dtype=np.int64)
    cos = np.round(np.asarray(match_cosine, dtype=np.float64), 3)
    right = np.asarray(verdict, dtype=bool)
    n = idx.size
    draws = np.random.default_rng(seed).random(n)
    served = np.zeros(n, bool)
    verified = np.zeros(n, bool)
    entries: dict[int, EntryThreshold] = {}
    for i in np.flatnonzero(idx >= 0):
        j = int(idx[i])
        entry = entries.get(j)
        if entry is None:
            entry = entries[j] = EntryThreshold()
        s = float(cos[i])
        if entry.serves(s, float(draws[i]), error_bound):
            served[i] = True
            continue
        verified[i] = True
        entry.observe(s, bool(right[i]))
    return AdaptiveRun(served=served, verified=verified)


def estimate_adaptive(
    run: AdaptiveRun,
    p_right: np.ndarray,
    cost_usd: np.ndarray,
    error_bound: float,
    *,
    n_total: int | None = None,
    monthly_factor: float = 1.0,
    monthly_cache_cost_usd: float = 0.0,
) -> AdaptiveEstimate:
    """Hit rate, estimated false-hit and error rates (P(right) averaged over served calls) and savings."""
    p = np.asarray(p_right, dtype=np.float64)
    served = run.served
    n = served.size
    n_total = n if n_total is None else n_total
    hits = int(served.sum())
    wrong = float(np.sum(1.0 - p[served]))
    with_neighbour = int(np.sum(served | run.verified))
    monthly = float(np.sum(np.asarray(cost_usd, dtype=np.float64)[served])) * monthly_factor
    return AdaptiveEstimate(
        error_bound=float(error_bound),
        hits=hits,
        hit_rate=hits / n_total if n_total else 0.0,
        false_hit_rate=wrong / hits if hits else None,
        error_rate=wrong / with_neighbour if with_neighbour else 0.0,
        verification_calls=int(run.verified.sum()),
        monthly_avoided_cost_usd=monthly,
        monthly_net_savings_usd=monthly - monthly_cache_cost_usd,
    )


def draw_verdicts(p_right: np.ndarray, seed: int = 0) -> np.ndarray:
    """Verdicts for the analyzer's simulation: right with the estimated probability (no labels of the log)."""
    p = np.nan_to_num(np.asarray(p_right, dtype=np.float64), nan=0.0)
    return np.random.default_rng(seed + 7919).random(p.size) < p


# Each explored call refits its entry: about 0.25 ms of CPU a call on the 2-core dev machine (a
# 20,000-call synthetic stream with 100 entries, a one-off count), about 25 s for 100,000 calls;
# an entry with thousands of verdicts refits over all of them, so a log that repeats one question
# very often costs more. Beyond this many cacheable calls the estimate replays the first ones.
MAX_CALLS = 100_000


def adaptive_beside_static(
    match_index: np.ndarray,
    match_cosine: np.ndarray,
    p_right: np.ndarray,
    cost_usd: np.ndarray,
    error_bound: float,
    *,
    seed: int = 0,
    n_total: int | None = None,
    monthly_factor: float = 1.0,
    monthly_cache_cost_usd: float = 0.0,
) -> AdaptiveEstimate:
    """The analyzer's estimate: verdicts drawn from P(right), at most MAX_CALLS calls replayed (the
    first ones); the avoided cost is scaled up to the whole log by the share of calls replayed."""
    m = min(np.asarray(match_index).size, MAX_CALLS)
    n = np.asarray(match_index).size
    run = simulate_adaptive(match_index[:m], match_cosine[:m], draw_verdicts(p_right[:m], seed), error_bound, seed=seed)
    scale = n / m if m else 1.0
    total = n if n_total is None else n_total
    return estimate_adaptive(
        run,
        p_right[:m],
        cost_usd[:m],
        error_bound,
        n_total=round(total * m / n) if n else 0,
        monthly_factor=monthly_factor * scale,
        monthly_cache_cost_usd=monthly_cache_cost_usd,
    )
