"""Pipeline: a small generated log through every stage, with a fake embedder."""

from __future__ import annotations

import json

import pytest

from advisor.core.config import Config
from advisor.core.errors import ConfigError, InfeasiblePlanError
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from advisor.pipeline import AnalysisResult, input_hash, run_analysis


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "calls.csv"
    write_sample(generate_log(800, seed=3, days=4), path)
    return path


# Routing's learning curve is the slow part and is not what these tests check.
FAST = Config(sections={"routing": {"learning_curve": False, "n_segments": 4}})


def _run(path, **kw):
    kw.setdefault("analyzers", ("routing", "batch"))
    return run_analysis([path], kw.pop("config", FAST), embedder=FakeEmbedder(), **kw)


@pytest.fixture(scope="module")
def result(small_log):
    return _run(small_log)


def test_pipeline_runs_every_stage_and_recommendations_add_up_to_the_plan(result):
    assert isinstance(result, AnalysisResult)
    assert set(result.findings) == {"routing", "batch"}
    plan = result.plan
    assert sum(a.monthly_savings_usd for a in plan.lever_attribution) == pytest.approx(plan.monthly_savings_usd)
    assert plan.monthly_cost_usd == pytest.approx(result.baseline.total_cost_per_month_usd - plan.monthly_savings_usd)
    assert plan.expected_relative_quality >= plan.quality_target - 1e-6
    recs = result.recommendations
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    assert [r.monthly_savings_usd for r in recs] == sorted((r.monthly_savings_usd for r in recs), reverse=True)
    assert sum(r.monthly_savings_usd for r in recs) <= plan.monthly_savings_usd + 1e-6


def test_same_input_and_config_give_byte_identical_json(small_log, result):
    a = json.dumps(result.to_dict(), sort_keys=True, allow_nan=False)
    b = json.dumps(_run(small_log).to_dict(), sort_keys=True, allow_nan=False)
    assert a == b


def test_json_has_the_versioned_contract_fields(result):
    data = result.to_dict()
    assert data["schema_version"].startswith("1.")
    assert {
        "baseline",
        "findings",
        "plan",
        "recommendations",
        "warnings",
        "price_date",
        "input_hash",
        "config_hash",
        "advisor_version",
        "log",
    } <= set(data)
    for rec in data["recommendations"]:
        assert {
            "rank",
            "title",
            "lever",
            "monthly_savings_usd",
            "savings_interval_usd",
            "quality_impact",
            "effort",
            "prerequisites",
            "confidence",
        } <= set(rec)
        if rec["interval_source"].startswith("none"):
            assert rec["savings_interval_usd"] is None  # no interval, not a zero-width one
            continue
        low, high = rec["savings_interval_usd"]
        assert low <= high
    assert "per_call_segment" not in data["findings"]["routing"]


def test_a_missing_analyzer_is_a_warning_not_a_crash(small_log, monkeypatch):
    from advisor.analyzers import REGISTRY

    def broken(log, baseline, ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(REGISTRY, "batch", broken)
    result = _run(small_log, analyzers=("batch",))
    assert "batch" not in result.findings
    assert any("batch analyzer failed" in w and "boom" in w for w in result.warnings)
    assert result.plan is not None


def test_unknown_analyzer_name_is_a_config_error(small_log):
    with pytest.raises(ConfigError, match="'analyzers' setting"):
        _run(small_log, analyzers=("routing", "magic"))


def test_unreachable_quality_target_raises_with_the_best_reachable_value(small_log):
    with pytest.raises(InfeasiblePlanError, match=r"quality >= 1\.30") as info:
        _run(small_log, config=Config(quality_target=1.3), analyzers=("batch",))
    assert info.value.best_value < 1.3


def test_input_hash_changes_with_the_file_bytes(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n")
    first = input_hash([str(f)])
    f.write_text("x\n2\n")
    assert input_hash([str(f)]) != first


def test_prepared_inputs_reproduce_todays_cost_when_no_lever_is_used(small_log, result):
    from advisor.cost.baseline import compute_baseline
    from advisor.ingest import load_log
    from advisor.optimizer.prepare import prepare_inputs
    from advisor.optimizer.solve import solve_cost
    from advisor.prices.catalog import load_prices

    log = load_log([str(small_log)])
    prices = load_prices(FAST)
    baseline = compute_baseline(log, prices, FAST)
    inputs = prepare_inputs(log, baseline, result.findings, config=FAST, prices=prices)
    assert inputs.calls_per_month == pytest.approx(baseline.calls_per_month)
    # Routing on this log ranks calls no better than chance (hashed words): it routes nothing (#17).
    assert "batch" in inputs.levers and not {"cache", "routing"} & inputs.levers
    # Reserving is gated on a stable verdict from the capacity analyzer.
    found = result.findings.get("capacity")
    stable = found is not None and not found.skipped_reason and found.stability.verdict == "stable"
    assert ("capacity" in inputs.levers) == stable
    today_cost, today_quality = solve_cost(inputs, levers=frozenset())
    assert today_cost == pytest.approx(baseline.total_cost_per_month_usd)
    assert today_quality == pytest.approx(1.0)


def test_result_json_validates_against_the_published_schema(result):
    pytest.importorskip("jsonschema")
    from advisor.result.schema import validate_result

    assert validate_result(result.to_dict()) == []


def test_recommendation_titles_state_the_plans_own_figures(result):
    """Titles quote the plan (rounded): routed shares and models, batch share and task names."""
    plan = result.plan
    segments = {s.name: s for s in plan.segments}
    recs = result.recommendations
    # Routing titles: tests/optimizer/test_routing_plan.py (this log's router is at chance level).
    assert any(r.lever == "batch" for r in recs)
    for rec in recs:
        a = rec.action
        if rec.lever == "routing" and "segment" in a:
            seg = segments[a["segment"]]
            assert a["segment_share_of_calls"] == pytest.approx(seg.call_share)
            assert set(a["to_models"]) == {
                m.model for m in seg.shares if not m.is_current and m.realtime_share + m.batch_share > 1e-9
            }
            assert all(m in rec.title for m in a["to_models"]) and f"'{seg.name}'" in rec.title
        if rec.lever == "batch":
            assert a["share_of_calls"] == pytest.approx(plan.batch_share_of_calls)
            assert f"({a['share_of_calls']:.0%} of calls)" in rec.title
            kinds = [g.label for g in result.findings["batch"].eligible_groups]
            assert a["kinds"] == kinds and all(k in rec.title for k in kinds[:3])
            assert not any(f"'{s.name}'" in rec.title for s in plan.segments)


def test_each_query_text_is_embedded_once_per_run(small_log):
    import pandas as pd

    from advisor.embed import normalize_text

    emb = FakeEmbedder()
    run_analysis([small_log], FAST, embedder=emb, analyzers=("cache", "routing"))
    queries = pd.read_csv(small_log)["query"].fillna("").astype(str)
    assert emb.calls == len({normalize_text(q) for q in queries})


def _failing_analyzer(exc):
    def analyze(log, baseline, ctx):
        raise exc

    return analyze


@pytest.fixture
def registry(monkeypatch):
    """The analyzer registry, restored after the test."""
    from advisor.analyzers import LEVERS, REGISTRY, get_analyzer

    for lever in LEVERS:
        get_analyzer(lever)  # registered before the copy
    monkeypatch.setattr("advisor.pipeline.REGISTRY", dict(REGISTRY))
    from advisor import pipeline

    return pipeline.REGISTRY


def test_a_failing_analyzer_becomes_a_warning_and_the_others_still_run(small_log, registry, monkeypatch):
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    registry["batch"] = _failing_analyzer(RuntimeError("boom"))
    result = _run(small_log, analyzers=("batch", "capacity"))
    assert set(result.findings) == {"capacity"}
    (warning,) = [w for w in result.warnings if w.startswith("The batch analyzer failed")]
    assert "RuntimeError: boom" in warning and "ADVISOR_DEBUG" in warning


def test_with_advisor_debug_an_analyzer_failure_propagates(small_log, registry, monkeypatch):
    monkeypatch.setenv("ADVISOR_DEBUG", "1")
    registry["batch"] = _failing_analyzer(RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        _run(small_log, analyzers=("batch",))


def test_an_input_error_inside_an_analyzer_is_the_users_to_fix_and_stops_the_run(small_log, registry, monkeypatch):
    from advisor.core.errors import InputError

    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    registry["batch"] = _failing_analyzer(InputError("labels.csv, line 3: expected a score"))
    with pytest.raises(InputError, match=r"labels\.csv, line 3"):
        _run(small_log, analyzers=("batch",))


def test_a_missing_package_names_the_package_not_an_unknown_analyzer(small_log, registry, monkeypatch):
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    registry["batch"] = _failing_analyzer(ModuleNotFoundError("No module named 'sklearn'", name="sklearn"))
    result = _run(small_log, analyzers=("batch", "capacity"))
    assert "The batch analyzer failed and its lever is left out: it needs the 'sklearn' package" in result.warnings


def test_an_analyzer_module_that_cannot_import_its_package_is_reported_by_name(monkeypatch):
    from advisor import analyzers
    from advisor.core.errors import AdvisorError

    def no_sklearn(name):
        raise ModuleNotFoundError("No module named 'sklearn'", name="sklearn")

    monkeypatch.setattr(analyzers, "REGISTRY", {})
    monkeypatch.setattr(analyzers.importlib, "import_module", no_sklearn)
    assert analyzers.missing_package("routing") == "sklearn"
    with pytest.raises(AdvisorError, match="The routing analyzer needs the 'sklearn' package"):
        analyzers.get_analyzer("routing")


def test_a_missing_advisor_module_is_a_bug_and_propagates(monkeypatch):
    from advisor import analyzers

    def renamed(name):
        raise ModuleNotFoundError(f"No module named '{name}'", name=name)

    monkeypatch.setattr(analyzers, "REGISTRY", {})
    monkeypatch.setattr(analyzers.importlib, "import_module", renamed)
    with pytest.raises(ModuleNotFoundError):
        analyzers.missing_package("routing")


def test_an_embedding_failure_is_warned_about_not_swallowed(small_log, monkeypatch):
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)

    class BrokenEmbedder(FakeEmbedder):
        def encode(self, texts, progress=None):
            raise RuntimeError("model file is corrupt")

    result = run_analysis([small_log], FAST, embedder=BrokenEmbedder(), analyzers=("routing", "batch"))
    assert any(
        w.startswith("Embedding the queries failed: RuntimeError: model file is corrupt") for w in result.warnings
    )


def test_the_plan_prices_a_lever_as_its_analyzer_does(small_log):
    """One source of truth: batch alone in the plan saves what the batch analyzer says, to the cent,
    because the program moves the tolerant calls at their own price, not their segment's average."""
    result = _run(small_log, analyzers=("batch", "capacity"))
    batch = next(a for a in result.plan.lever_attribution if a.lever == "batch")
    assert batch.alone_monthly_savings_usd == pytest.approx(result.findings["batch"].monthly_savings_usd, abs=0.005)
    table = {r.lever: r.monthly_savings_usd for r in result.recommendations}
    assert table.get("batch", 0.0) == pytest.approx(batch.monthly_savings_usd, abs=0.005)
    # A 4-day log is too short to judge stability: no reservation, whatever the optimizer could save.
    assert result.findings["capacity"].stability.verdict != "stable"
    assert "capacity" not in table and result.plan.reserved_workers is None
