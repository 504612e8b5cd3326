"""Deployable outputs: LiteLLM proxy config and plan JSON; atomic file writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write
from advisor.history.store import save_run
from advisor.result.export import litellm_config, litellm_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Top-level sections and cache_params keys documented for the LiteLLM proxy config.yaml.
LITELLM_SECTIONS = {"model_list", "router_settings", "litellm_settings", "general_settings", "environment_variables"}
LITELLM_CACHE_KEYS = {
    "type",
    "host",
    "port",
    "password",
    "ttl",
    "similarity_threshold",
    "redis_semantic_cache_embedding_model",
    "namespace",
    "supported_call_types",
    "mode",  # "default_off": cache only requests that ask for it
}


@pytest.fixture
def result():
    return json.loads((FIXTURES / "result_v1.json").read_text())


def test_litellm_config_splits_traffic_by_the_plan_and_sets_the_cache(result):
    config = yaml.safe_load(litellm_yaml(result))
    assert set(config) <= LITELLM_SECTIONS
    group = [d for d in config["model_list"] if d["model_name"] == "claude-sonnet-4-5"]
    weights = {d["litellm_params"]["model"]: d["litellm_params"]["weight"] for d in group}
    assert weights == {"anthropic/claude-sonnet-4-5": pytest.approx(0.38), "anthropic/claude-haiku-4-5": 0.62}
    assert all(d["litellm_params"]["api_key"] == "os.environ/ANTHROPIC_API_KEY" for d in group)
    assert config["router_settings"]["routing_strategy"] == "simple-shuffle"
    cache = config["litellm_settings"]["cache_params"]
    assert config["litellm_settings"]["cache"] is True
    assert set(cache) <= LITELLM_CACHE_KEYS
    assert cache["type"] == "redis-semantic" and cache["similarity_threshold"] == 0.86 and cache["ttl"] == 86400
    assert cache["mode"] == "default_off"  # priced on first turns only
    # The embedding model the cache uses must be a model_list entry.
    assert cache["redis_semantic_cache_embedding_model"] in {d["model_name"] for d in config["model_list"]}


def test_litellm_config_without_a_plan_keeps_todays_models_and_says_so(result):
    result["plan"] = None
    result["findings"].pop("cache")
    config, notes = litellm_config(result)
    assert [d["litellm_params"]["model"] for d in config["model_list"]] == ["anthropic/claude-sonnet-4-5"]
    assert "litellm_settings" not in config
    assert any("no plan" in n for n in notes)


def test_export_cli_writes_yaml_and_plan_json(tmp_path, result):
    save_run(result)
    out = tmp_path / "litellm.yaml"
    res = CliRunner().invoke(cli, ["export", "litellm", "--run", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("# LiteLLM proxy config written by advisor 0.1.0 from run 1")
    res = CliRunner().invoke(cli, ["export", "json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["plan"]["quality_target"] == 0.95 and data["recommendations"][0]["rank"] == 1


def test_export_into_a_missing_folder_is_a_clean_error(tmp_path, result):
    save_run(result)
    res = CliRunner().invoke(cli, ["export", "json", "--out", str(tmp_path / "no" / "plan.json")])
    assert res.exit_code == 2
    assert "expected an existing folder to write into" in res.output


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    atomic_write(target, "old")
    atomic_write(target, b"new")
    assert target.read_text() == "new"
    assert os.listdir(target.parent) == ["report.html"]


def test_atomic_write_gives_the_file_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        target = atomic_write(tmp_path / "report.html", "x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    atomic_write(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["advisor_home", "report.md"]


def test_atomic_write_into_missing_folder_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="no folder"):
        atomic_write(tmp_path / "missing" / "x.txt", "x")
