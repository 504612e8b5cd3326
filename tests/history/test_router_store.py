"""A run's fitted router in runs.db (table run_routers): saved with the run, read back as the same
arrays; the shipped router's classifier is kept when the run used it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from advisor.core.errors import InputError
from advisor.history.router_store import load_router_state, router_of, save_router_state
from advisor.history.store import open_store


def _result(scorer, n=50):
    rng = np.random.default_rng(0)
    candidate = SimpleNamespace(
        model="small",
        provider="openai",
        mode="default_router",
        mean_cost_ratio=0.2,
        scorer=scorer,
        per_call_deploy_score=rng.random(n),
    )
    routing = SimpleNamespace(
        per_call_segment=rng.integers(0, 3, n),
        centroids=rng.random((3, 384)).astype(np.float32),
        candidates=[candidate],
        embedding_model_id="m",
    )
    return SimpleNamespace(findings={"routing": routing})


def test_the_shipped_routers_classifier_round_trips_through_the_run_store(tmp_path):
    from advisor.analyzers.routing.router.model import load_router

    shipped = load_router(None).classifier
    result = _result(shipped)
    db = open_store(tmp_path / "runs.db")
    db.execute(
        "INSERT INTO runs (id, created_utc, advisor_version, baseline_json, recommendations_json, warnings_json) "
        "VALUES (7, 'now', '0', '{}', '[]', '[]')"
    )
    assert save_router_state(db, 7, result)
    back = load_router_state(db, 7)
    stored = router_of(result)
    assert stored is not None
    assert back.embedding_model_id == "m" and back.candidates[0].mode == "default_router"
    np.testing.assert_array_equal(back.per_call_segment, stored.per_call_segment)
    np.testing.assert_array_equal(back.candidates[0].per_call_score, stored.candidates[0].per_call_score)
    x = np.random.default_rng(1).normal(size=(5, 384)).astype(np.float32)
    f = np.random.default_rng(2).random((5, 4))
    np.testing.assert_array_equal(
        back.candidates[0].classifier.predict(x, f).strong_score, shipped.predict(x, f).strong_score
    )


def test_no_router_is_stored_without_routing_and_reading_it_says_to_rerun_analyze(tmp_path):
    db = open_store(tmp_path / "runs.db")
    assert not save_router_state(db, 1, SimpleNamespace(findings={"batch": object()}))
    assert not save_router_state(db, 1, {"findings": {}})  # a stored dict has no in-memory router
    with pytest.raises(InputError, match=r"run 3: expected a run whose routing analysis kept its fitted router.*Rerun"):
        load_router_state(db, 3)
