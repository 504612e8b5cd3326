"""One analyzed synthetic log, stored and exported once for the deploy tests (FakeEmbedder, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.core.config import Config
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from tests.routing_helpers import learnable_labels

# Routing's learning curve is slow and not what these tests check; 4 segments keep it small.
FAST = Config(sections={"routing": {"learning_curve": False, "n_segments": 4}})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(analysis result, run id, export folder, the log's query texts, turns, db path)."""
    from advisor.deploy.export import export_router
    from advisor.history.store import save_run
    from advisor.ingest import load_log
    from advisor.pipeline import run_analysis

    base = tmp_path_factory.mktemp("deploy")
    log_path = base / "calls.csv"
    sample = generate_log(1500, seed=3, days=4)
    learnable_labels(sample.frame)  # a chance-level router routes nothing; these tests need routed calls
    write_sample(sample, log_path)
    result = run_analysis([log_path], FAST, embedder=FakeEmbedder(), analyzers=("routing", "batch"))
    db = base / "runs.db"
    run_id = save_run(result, path=db)
    folder = export_router(run_id, base / "router", path=db)
    frame = load_log([log_path]).frame
    texts = frame["query"].fillna("").astype(str).tolist()  # as the routing analyzer reads them
    turns = frame["turn"].fillna(1).to_numpy(dtype=float).tolist()
    return result, run_id, folder, texts, turns, db


@pytest.fixture(scope="module")
def chosen(exported):
    from advisor.deploy.router import load_router

    _, _, folder, texts, turns, _ = exported
    return np.asarray(load_router(folder, embedder=FakeEmbedder()).choose(texts, turns=turns))
