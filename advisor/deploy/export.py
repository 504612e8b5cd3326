"""`advisor export router`: a stored run -> DIR/{router.npz, router.json, MODEL_CARD.md}.

Reads the run's plan (runs.db) and its fitted router (the run_routers blob), turns the plan's
shares into per-(segment, candidate) cut-offs (advisor/deploy/thresholds.py) and writes plain
arrays (np.savez_compressed, read back with allow_pickle=False), JSON and a model card. Only the
candidates some route uses are written.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from advisor.analyzers.routing.router.features import TEXT_FEATURES
from advisor.analyzers.routing.router.model import classifier_state
from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write
from advisor.core.jsonable import to_jsonable
from advisor.deploy.card import model_card
from advisor.deploy.router import ARRAYS_FILE, CARD_FILE, FORMAT_VERSION, KIND, META_FILE
from advisor.deploy.thresholds import plan_rules
from advisor.history.store import load_run, load_run_router


def _out_dir(out: str | os.PathLike) -> Path:
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise InputError.at(str(d), expected="a folder (or a new path)", found="a file", fix="Choose another --out.")
    if not d.parent.is_dir():
        raise InputError.at(
            str(d), expected="an existing parent folder", found=f"no folder '{d.parent}'", fix="Create it first."
        )
    d.mkdir(exist_ok=True)
    return d


def export_router(run_id: int | str | None, out: str | os.PathLike, *, path: str | os.PathLike | None = None) -> Path:
    """Write the router of run `run_id` (None: the latest) to `out`; return the folder."""
    stored = load_run(run_id, path=path)
    plan = stored.result.get("plan")
    if not plan:
        raise InputError.at(
            f"run {stored.id}",
            expected="a plan",
            found="none (the optimizer did not run)",
            fix="Rerun `advisor analyze LOGS` with the optimizer.",
        )
    router = load_run_router(stored.id, path=path)
    rules = plan_rules(plan, router)
    used = {r.model for rule in rules for r in rule.routes}
    arrays: dict[str, np.ndarray] = {"segments.centroids": router.centroids}
    candidates: list[dict[str, Any]] = []
    for cand in (c for c in router.candidates if c.model in used):
        state_arrays, state = classifier_state(cand.classifier)
        j = len(candidates)
        arrays.update({f"c{j}.classifier.{k}": np.asarray(v) for k, v in state_arrays.items()})
        turn = cand.classifier.n_features_ == len(TEXT_FEATURES) + 1
        candidates.append(
            {
                "model": cand.model,
                "provider": cand.provider,
                "mode": cand.mode,
                "features": [*TEXT_FEATURES, *(["log1p_turn"] if turn else [])],
                "classifier": to_jsonable(state),
            }
        )
    meta = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "run_id": stored.id,
        "embedding_model_id": router.embedding_model_id,
        "quality_target": plan.get("quality_target"),
        "candidates": candidates,
        "segments": [asdict(rule) for rule in rules],
    }
    d = _out_dir(out)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as its bool option
    atomic_write(d / ARRAYS_FILE, buffer.getvalue())
    # Cut-offs are written exactly (repr round-trips a float): they sit between two of the log's scores.
    atomic_write(d / META_FILE, json.dumps(meta, indent=2, sort_keys=True, allow_nan=False) + "\n")
    atomic_write(d / CARD_FILE, model_card(stored.result, stored.id, rules, router.embedding_model_id))
    return d
