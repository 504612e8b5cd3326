"""The fitted router of a run, kept beside it in runs.db: RoutingFindings -> (arrays, JSON) -> RunRouter.

`advisor export router` needs what the routing analyzer computed in memory and the JSON result
leaves out: each segment's centroid, each call's segment, each candidate's fitted classifier
(the user's labels, or the shipped router's) and its score on every call of the analyzed log.
They go into the `run_routers` table (migration m005) as an .npz blob of plain arrays, read
back with allow_pickle=False, in the same transaction as the run. Runs where routing did not
run (or had no deployable candidate) store nothing.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.model import classifier_from_state, classifier_state
from advisor.core.errors import InputError
from advisor.core.jsonable import to_jsonable

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StoredCandidate:
    model: str
    provider: str
    mode: str  # labels | default_router
    mean_cost_ratio: float  # candidate / current cost over the calls it is cheaper for
    classifier: RoutingClassifier
    per_call_score: np.ndarray  # the classifier's routing score on each call (lower = route first)


@dataclass(frozen=True)
class RunRouter:
    """What a run's router export reads: segments and per-candidate scorers of the analyzed log."""

    embedding_model_id: str | None
    centroids: np.ndarray  # (segments, dim); row = segment id
    per_call_segment: np.ndarray  # int per call of the analyzed log
    candidates: tuple[StoredCandidate, ...]


def router_of(result: Any) -> RunRouter | None:
    """The deployable router in an AnalysisResult's routing findings, or None (a stored dict,
    routing not run, or no candidate with a fitted scorer)."""
    findings = getattr(result, "findings", None)
    routing = findings.get("routing") if isinstance(findings, dict) else None
    segment = getattr(routing, "per_call_segment", None)
    centroids = getattr(routing, "centroids", None)
    if routing is None or segment is None or centroids is None:
        return None
    candidates = tuple(
        StoredCandidate(
            str(c.model),
            str(c.provider),
            str(c.mode),
            float(c.mean_cost_ratio),
            c.scorer,
            np.asarray(c.per_call_deploy_score, dtype=np.float64),
        )
        for c in routing.candidates
        if c.scorer is not None and c.per_call_deploy_score is not None
    )
    if not candidates:
        return None
    return RunRouter(
        routing.embedding_model_id,
        np.asarray(centroids, dtype=np.float32),
        np.asarray(segment, dtype=np.int64),
        candidates,
    )


def save_router_state(db: sqlite3.Connection, run_id: int, result: Any) -> bool:
    """Insert the run's router (inside the caller's transaction); False when there is none."""
    router = router_of(result)
    if router is None:
        return False
    arrays: dict[str, np.ndarray] = {
        "segments.centroids": router.centroids,
        "segments.per_call": router.per_call_segment,
    }
    described = []
    for j, cand in enumerate(router.candidates):
        state_arrays, state = classifier_state(cand.classifier)
        arrays[f"c{j}.score"] = cand.per_call_score
        arrays.update({f"c{j}.classifier.{k}": np.asarray(v) for k, v in state_arrays.items()})
        described.append(
            {
                "model": cand.model,
                "provider": cand.provider,
                "mode": cand.mode,
                "mean_cost_ratio": cand.mean_cost_ratio,
                "classifier": to_jsonable(state),
            }
        )
    meta = {"format_version": FORMAT_VERSION, "embedding_model_id": router.embedding_model_id, "candidates": described}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as its bool option
    db.execute(
        "INSERT INTO run_routers (run_id, arrays_npz, meta_json) VALUES (?, ?, ?)",
        (run_id, buffer.getvalue(), json.dumps(meta, sort_keys=True, allow_nan=False)),
    )
    return True


def load_router_state(db: sqlite3.Connection, run_id: int) -> RunRouter:
    """The stored router of run `run_id`; a one-line InputError when the run has none."""
    row = db.execute("SELECT arrays_npz, meta_json FROM run_routers WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        raise InputError.at(
            f"run {run_id}",
            expected="a run whose routing analysis kept its fitted router",
            found="none stored (routing did not run, found no deployable candidate, or the run predates this version)",
            fix="Rerun `advisor analyze LOGS` (with the routing analyzer) and export that run.",
        )
    meta = json.loads(row[1])
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError.at(
            f"run {run_id}",
            expected=f"stored router format {FORMAT_VERSION}",
            found=repr(meta.get("format_version")),
            fix="Rerun `advisor analyze LOGS` with this version of advisor.",
        )
    with np.load(io.BytesIO(row[0]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    candidates = []
    for j, desc in enumerate(meta["candidates"]):
        prefix = f"c{j}.classifier."
        state = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        candidates.append(
            StoredCandidate(
                desc["model"],
                desc["provider"],
                desc["mode"],
                float(desc["mean_cost_ratio"]),
                classifier_from_state(state, desc["classifier"]),
                arrays[f"c{j}.score"],
            )
        )
    return RunRouter(
        meta.get("embedding_model_id"), arrays["segments.centroids"], arrays["segments.per_call"], tuple(candidates)
    )
