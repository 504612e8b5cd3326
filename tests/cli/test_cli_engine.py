"""`advisor analyze --engine ray`: the options reach advisor/engine/ray_engine.py; without the
extra, one line says what to install. (The engine itself: tests/engine/test_ray_engine.py.)"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from advisor.pipeline import run_analysis


@pytest.fixture(scope="module")
def log_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "calls.csv"
    write_sample(generate_log(300, seed=2, days=2), path)
    return str(path)


def test_engine_ray_options_reach_analyze_on_ray(log_file, monkeypatch, tmp_path):
    pytest.importorskip("ray")
    import advisor.engine.ray_engine as ray_engine

    seen = {}

    def fake(paths, config, *, address, num_cpus, model_path, **run_kwargs):
        seen.update(address=address, num_cpus=num_cpus, model_path=model_path, embedder=run_kwargs.pop("embedder"))
        return run_analysis(paths, config, embedder=FakeEmbedder(), **run_kwargs)

    monkeypatch.setattr(ray_engine, "analyze_on_ray", fake)
    model = tmp_path / "model"
    args = [log_file, "--analyzers", "batch", "--json", "--no-store", "--engine", "ray"]
    args += ["--ray-address", "10.0.0.1:6379", "--ray-cpus", "3", "--embedding-model", str(model)]
    res = CliRunner().invoke(cli, ["analyze", *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["findings"]["batch"]["name"] == "batch"
    # The model folder goes to the Ray actors; the driver builds no embedder of its own.
    assert seen == {"address": "10.0.0.1:6379", "num_cpus": 3, "model_path": model, "embedder": None}


def test_engine_ray_without_the_extra_is_one_line_naming_it(log_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    res = CliRunner().invoke(cli, ["analyze", log_file, "--engine", "ray", "--no-store"])
    assert res.exit_code == 2
    assert "pip install 'advisor[ray]'" in res.stderr and len(res.stderr.strip().splitlines()) == 1
