"""`advisor evaluate cache` JSON's `adaptive` block, and vCache's own-cache simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import evaluate as evaluate_cli
from advisor.cli.main import cli
from advisor.embed import FakeEmbedder
from advisor.lab.evaluate.cache_adaptive import simulate_own_cache

STREAM = [
    ("how do i reset my password", "pw"),
    ("what time do you open", "hours"),
    ("how can i reset my password", "pw"),
    ("when do you open today", "hours"),
    ("cancel my subscription", "cancel"),
    ("how do i cancel my subscription", "cancel"),
    ("what is the weather", "oos1"),
] * 4


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch):
    monkeypatch.setattr(evaluate_cli, "_load_embedder", lambda model_path=None: FakeEmbedder())


def test_json_has_an_adaptive_block_beside_chosen(tmp_path):
    p = tmp_path / "stream.csv"
    p.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in STREAM))
    res = CliRunner().invoke(cli, ["evaluate", "cache", str(p), "--false-hit-budget", "0.05", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    a = out["adaptive"]
    assert {"hit_rate", "false_hit_rate", "true_false_hit_rate", "error_bound"} <= set(a)
    assert a["error_bound"] == 0.05
    # 28 calls, one per row: the first one has nothing cached, every other one is served or verified.
    assert a["hits"] + a["verification_calls"] == len(STREAM) - 1
    assert 0.0 <= a["hit_rate"] <= 1.0


def test_own_cache_inserts_only_answers_found_wrong_and_serves_after_learning():
    # Two answers, each asked 400 times with small noise: vCache's cache ends up with few entries.
    rng = np.random.default_rng(0)
    centers = np.eye(8, dtype=np.float32)[:2]
    labels = rng.integers(0, 2, 800)
    v = centers[labels] + rng.normal(0, 0.15, (800, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    run = simulate_own_cache(v, labels, 0.05, seed=0)
    hit_rate, _, wrong_per_call, verifications = run.rates()
    assert run.entries < 20  # a call enters only when its check found the neighbour wrong
    # The first call of the second answer is checked against the first entry and found wrong:
    # from then on both kinds of verdict exist and the entries learn to serve (0.235 measured).
    assert hit_rate > 0.1
    assert run.served.sum() + verifications == 799
    # 799 calls: 3 binomial sd above the bound is the tolerance.
    assert wrong_per_call <= 0.05 + 3 * np.sqrt(0.05 / 799)
