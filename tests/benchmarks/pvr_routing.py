"""Projected vs realized, routing and batch: the run's exported router applied to held-back calls.

    route_held_back(result, embedder, test) -> (model per call, plan segment index per call)
    batch_calls(plan, segment, tolerant, eligible_share, u) -> bool per call

Routing is what a user deploying `advisor export router` gets: the run is stored
(advisor.history.store.save_run) in a scratch database, its router exported
(advisor.deploy.export.export_router) and loaded back (`advisor.load_router(DIR, embedder=...)`),
and `choose(texts, turns=...)` names the model of each held-back call. Batch: the router
answers per request and has no clock, so each segment sends the plan's batch share of its calls
to the batch API, drawn among the calls the generator's truth marks batch-tolerant.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.schema import QUERY, TURN


def route_held_back(result, embedder, test: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(model, plan segment index) of each held-back call, as the exported router routes it."""
    from advisor.deploy.export import export_router
    from advisor.deploy.router import load_router
    from advisor.history.store import save_run

    texts = test[QUERY].fillna("").astype(str).tolist()
    turns = test[TURN].fillna(1).to_numpy(dtype=float).tolist() if TURN in test else None
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        folder = export_router(save_run(result, path=db), Path(tmp) / "router", path=db)
        router = load_router(folder, embedder=embedder)
        model = np.asarray(router.choose(texts, turns=turns), dtype=object)
        segment_id = router.segment_of(np.asarray(embedder.encode(texts), dtype=np.float32))
    index = {p.segment_id: i for i, p in enumerate(result.plan.segments)}
    return model, np.array([index.get(int(s), -1) for s in segment_id], dtype=np.int64)


def batch_calls(
    plan, segment: np.ndarray, tolerant: np.ndarray, eligible_share: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Per call: sent to the batch API. A segment's batch share of the plan, over the share of its
    analyzed calls the batch analyzer found eligible, is the chance a tolerant call goes to batch."""
    go = np.zeros(len(segment), dtype=bool)
    for i, sp in enumerate(plan.segments):
        rows = np.flatnonzero(segment == i)
        b_share = sum(m.batch_share for m in sp.shares)
        p = min(1.0, b_share / eligible_share[i]) if eligible_share[i] > 0 else 0.0
        go[rows] = tolerant[rows] & (u[rows] < p)
    return go


def conversation_sticky(model: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    """The gateway alternative: every call of a conversation on the model the router chose for its
    first call in the held-back calls, so its prompt prefix stays on one model's cache."""
    from advisor.core.schema import CONVERSATION_ID

    conv = test[CONVERSATION_ID].astype(str).to_numpy()
    return pd.Series(model).groupby(conv, sort=False).transform("first").to_numpy(dtype=object)
