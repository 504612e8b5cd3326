"""`--engine ray`: the same result as one process, on a local 2-CPU Ray cluster; no Ray without it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from advisor.core.config import Config
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from advisor.pipeline import run_analysis

# Routing's learning curve is the slow part and is not what these tests check.
FAST = Config(sections={"routing": {"learning_curve": False, "n_segments": 4}})


def _close(a, b, path: str = "") -> list[str]:
    """Where two JSON trees differ beyond floating-point noise (relative 1e-9)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, (int, float)):
        return [] if np.isclose(a, b, rtol=1e-9, atol=1e-12) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """One generated log written as two files (read by two ingest tasks on Ray)."""
    folder = tmp_path_factory.mktemp("shards")
    whole = folder / "whole" / "calls.csv"
    whole.parent.mkdir()
    write_sample(generate_log(1_500, seed=5, days=6), whole)
    header, *rows = whole.read_text().splitlines(keepends=True)
    paths = [folder / "a.csv", folder / "b.csv"]
    paths[0].write_text(header + "".join(rows[: len(rows) // 2]))
    paths[1].write_text(header + "".join(rows[len(rows) // 2 :]))
    return paths


@pytest.mark.ray
def test_ray_engine_gives_the_single_process_json(shards):
    ray = pytest.importorskip("ray")
    from advisor.engine.ray_engine import analyze_on_ray

    local = run_analysis(shards, FAST, embedder=FakeEmbedder(dim=64))
    # The default one-day TTL: the 6-day log replays in 4 chunks (2 per CPU), each with its overlap.
    stats: dict[str, float] = {}
    on_ray = analyze_on_ray(shards, FAST, num_cpus=2, embedder_factory=lambda: FakeEmbedder(dim=64), stats=stats)
    assert not ray.is_initialized()  # the local cluster it started is shut down
    # The workers did the embedding and the replay, and said what it cost them (bench_scale's CPU rows).
    assert stats["cpus"] == 2
    assert stats["embed_worker_cpu_s"] > 0 and stats["replay_worker_cpu_s"] > 0
    assert stats["embed_worker_peak_mb"] > 0 and stats["replay_worker_peak_mb"] > 0
    a, b = local.to_dict(), on_ray.to_dict()
    assert _close(a, b) == []
    assert [r["title"] for r in a["recommendations"]] == [r["title"] for r in b["recommendations"]]
    assert a["findings"]["cache"]["chosen_threshold"] is not None  # the replay had hits to agree on


def test_nothing_of_ray_is_imported_without_engine_ray(tmp_path):
    path = tmp_path / "calls.csv"
    write_sample(generate_log(200, seed=1, days=2), path)
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from advisor.cli.main import cli\n"
        "import advisor.engine, advisor.engine.ray_engine, advisor.engine.ray_embed, advisor.pipeline\n"
        f"r = CliRunner().invoke(cli, ['analyze', {str(path)!r}, '--analyzers', 'batch,prompt', '--json', '--no-store'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"')) == []
