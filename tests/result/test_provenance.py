"""Every number in the result JSON says where it comes from (issue #22).

The walk covers the whole JSON, so a figure added to the baseline, plan or recommendations
without a provenance entry fails here. Analyzer findings are covered per analyzer (their
figures inherit their lever's provenance) and capacity's sizing by the worker settings.
"""

from __future__ import annotations

import pytest

from advisor.core.config import Config, load_config
from advisor.core.provenance import (
    ASSUMED,
    CONFIGURED,
    MEASURED,
    PROJECTED,
    Provenance,
    combine,
    lookup,
    without_provenance,
)
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from advisor.pipeline import run_analysis
from advisor.result.schema import validate_result

SAMPLE = "data/sample/customer_service.csv"
FAST = {"routing": {"learning_curve": False, "n_segments": 4}}


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "calls.csv"
    write_sample(generate_log(800, seed=3, days=4), path)
    return path


def _run(path, config: Config) -> dict:
    for section, values in FAST.items():
        config = config.with_section(section, **values)
    return run_analysis([path], config, embedder=FakeEmbedder()).to_dict()


@pytest.fixture(scope="module")
def no_settings(small_log):
    """A log with no infrastructure settings at all: every infrastructure figure is a default."""
    return _run(small_log, Config())


def test_every_number_has_a_provenance_on_a_log_with_no_settings(no_settings):
    assert without_provenance(no_settings) == []
    assert validate_result(no_settings) == []


def test_a_figure_added_without_provenance_is_caught(no_settings):
    data = {**no_settings, "baseline": {**no_settings["baseline"], "new_cost_usd": 1.0}}
    assert without_provenance(data) == ["baseline.new_cost_usd"]


def test_api_is_measured_and_totals_with_defaults_are_assumed(no_settings):
    prov = no_settings["provenance"]
    assert prov["baseline.api_cost_per_month_usd"]["kind"] == MEASURED
    total = prov["baseline.total_cost_per_month_usd"]
    assert total["kind"] == ASSUMED
    assert "infrastructure.worker_cost_per_month_usd" in total["defaults"]
    assert "operations.security_compliance_cost_per_month_usd" in total["defaults"]


def test_capacity_advice_on_default_worker_prices_names_the_setting_and_is_not_high(no_settings):
    capacity = [r for r in no_settings["recommendations"] if r["lever"] == "capacity"]
    for rec in capacity:
        assert any("[infrastructure] worker_cost_per_month_usd" in p for p in rec["prerequisites"])
        assert rec["confidence"] != "high"


def test_own_worker_figures_remove_the_prerequisite(small_log):
    own = Config().with_section(
        "infrastructure",
        worker_cost_per_month_usd=150.0,
        worker_calls_per_hour=1200.0,
        worker_conversations_per_hour=200.0,
    )
    data = _run(small_log, own)
    prov = data["provenance"]["baseline.infrastructure.worker_cost_per_month_usd"]
    assert prov["kind"] == ASSUMED  # utilization ceiling and min_workers are still defaults
    assert "infrastructure.worker_cost_per_month_usd" in prov["settings"]
    assert "infrastructure.worker_cost_per_month_usd" not in prov["defaults"]
    for rec in data["recommendations"]:
        assert not any("worker_cost_per_month_usd" in p for p in rec["prerequisites"])


def test_hosted_only_has_no_worker_line_and_no_reservation_advice(small_log):
    data = _run(small_log, Config().with_section("infrastructure", self_hosted=False))
    infra = data["baseline"]["infrastructure"]
    assert "workers" not in infra and "worker_cost_per_month_usd" not in infra
    assert not [r for r in data["recommendations"] if r["lever"] == "capacity"]
    assert "capacity" not in data["findings"]
    assert data["plan"]["reserved_workers"] is None
    assert without_provenance(data) == []


@pytest.mark.integration  # the whole shipped sample: about 20 s
def test_every_number_has_a_provenance_on_the_shipped_sample():
    data = _run(SAMPLE, load_config("data/sample/advisor.toml"))
    assert without_provenance(data) == []
    prov = data["provenance"]
    # The sample projects to 5,000 conversations a day, so monthly API figures are projections.
    assert prov["baseline.api_cost_per_month_usd"]["kind"] == PROJECTED
    assert prov["baseline.api_cost_per_month_usd"]["settings"] == ["projection.conversations_per_day"]
    assert prov["baseline.conversation.api_mean_usd"]["kind"] == MEASURED


def test_combine_takes_the_weakest_kind_and_every_setting():
    a = Provenance(MEASURED)
    b = Provenance(CONFIGURED, ("x.a",))
    c = Provenance(ASSUMED, ("x.b",), "", ("x.b",))
    assert combine([a, b]).kind == CONFIGURED
    assert combine([a, b, c]) == Provenance(ASSUMED, ("x.a", "x.b"), "", ("x.b",))


def test_lookup_prefers_the_most_specific_pattern():
    prov = {"f.**": "tree", "f.*.x": "star", "f.a.x": "exact"}
    assert lookup(prov, "f.a.x") == "exact"
    assert lookup(prov, "f.b.x") == "star"
    assert lookup(prov, "f.b.y.z") == "tree"
    assert lookup(prov, "g") is None
