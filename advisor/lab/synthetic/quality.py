"""True answer quality for the sample generator: (topic, turn, task) -> P(good) and outcome per model.

Each model's chance of a good answer depends on the request's content: the topic intent's
complexity (simple FAQ topics are answered as well by a cheap model; complex ones worse),
the turn (later turns carry more context and are harder), and the background task. Outcomes
share a per-call difficulty draw, so a request one model gets wrong is more likely to be one
another model also gets wrong, as on real benchmarks; part of each cheap model's outcome is
independent, so a cheap model sometimes succeeds where the served one fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SERVED_MODEL = ("claude-sonnet-4-5", "anthropic")
# Cheaper candidates, cheapest last: (model, provider, quality gap on a complex topic,
# extra gap per later turn on a complex topic, gap on background tasks).
CHEAP_MODELS = (
    ("claude-haiku-4-5", "anthropic", 0.20, 0.015, 0.01),
    ("gpt-4.1-mini", "openai", 0.38, 0.025, 0.04),
)
# P(good) of the served model.
_SERVED_BASE = 0.95
_SERVED_PER_COMPLEXITY = 0.10
_SERVED_PER_TURN = 0.012
_SERVED_OOS = 0.70
_SERVED_BACKGROUND = {"nightly_summary": 0.96, "analytics": 0.94}
_OOS_GAP = 0.10  # cheap models on out-of-scope questions
_INDEPENDENT_SHARE = 0.3  # share of a cheap model's outcome not tied to the shared difficulty


@dataclass(frozen=True)
class ModelQuality:
    models: tuple[str, ...]  # served first, then the cheap candidates
    providers: tuple[str, ...]
    p_good: np.ndarray  # (n_calls, n_models) true probability of a good answer
    outcome: np.ndarray  # (n_calls, n_models) 0/1 realized quality


def model_quality(
    rng: np.random.Generator, complexity: np.ndarray, turn: np.ndarray, is_oos: np.ndarray, task: np.ndarray
) -> ModelQuality:
    """P(good) and a 0/1 outcome per call for the served model and every cheap candidate.

    `complexity` is the conversation topic's (0..1); background calls have task names in
    `_SERVED_BACKGROUND` and ignore topic and turn.
    """
    n = len(turn)
    later = np.maximum(turn - 1, 0).astype(np.float64)
    served = _SERVED_BASE - _SERVED_PER_COMPLEXITY * complexity - _SERVED_PER_TURN * later
    served = np.where(is_oos, _SERVED_OOS - _SERVED_PER_TURN * later, served)
    background = np.zeros(n, dtype=bool)
    for name, p in _SERVED_BACKGROUND.items():
        rows = task == name
        served = np.where(rows, p, served)
        background |= rows
    cols = [served]
    for _model, _prov, gap, turn_gap, bg_gap in CHEAP_MODELS:
        g = complexity * (gap + turn_gap * later)
        g = np.where(is_oos, _OOS_GAP, g)
        g = np.where(background, bg_gap, g)
        cols.append(served - g)
    p_good = np.clip(np.column_stack(cols), 0.01, 0.99)

    shared = rng.random(n)
    u = np.repeat(shared[:, None], p_good.shape[1], axis=1)
    own = rng.random((n, p_good.shape[1] - 1)) < _INDEPENDENT_SHARE
    u[:, 1:] = np.where(own, rng.random((n, p_good.shape[1] - 1)), u[:, 1:])
    outcome = (u < p_good).astype(np.float64)
    models = (SERVED_MODEL[0],) + tuple(m[0] for m in CHEAP_MODELS)
    providers = (SERVED_MODEL[1],) + tuple(m[1] for m in CHEAP_MODELS)
    return ModelQuality(models=models, providers=providers, p_good=p_good, outcome=outcome)
