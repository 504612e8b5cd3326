"""Run history: save/load, listing, comparison, migrations from the first schema, CLI errors."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.history.compare import compare_runs
from advisor.history.migrations import MIGRATIONS, applied
from advisor.history.store import default_db_path, list_runs, load_run, open_store, save_run
from advisor.report import render_html
from advisor.result.schema import without_examples
from advisor.result.view import as_result_dict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def result():
    return json.loads((FIXTURES / "result_v1.json").read_text())


def test_save_and_load_round_trips_the_stored_parts(result):
    run_id = save_run(result)
    run = load_run(run_id)
    assert run.status == "complete"
    stored = as_result_dict(result)  # what is stored: routing segments named "segment N"
    # ... and no query examples: they are for one run's --show-examples reports, never kept.
    assert "examples" in stored["findings"]["cache"] and "examples" not in run.result["findings"]["cache"]
    stored["findings"] = without_examples(stored["findings"], False)
    for key in (
        "advisor_version",
        "config_hash",
        "input_hash",
        "price_date",
        "baseline",
        "plan",
        "recommendations",
        "warnings",
        "findings",
        "log",
    ):
        assert run.result[key] == stored[key], key
    assert run.result["run"]["id"] == run_id


def test_load_without_id_returns_the_latest_run(result):
    save_run(result)
    later = copy.deepcopy(result)
    later["price_date"] = "2026-12-01"
    second = save_run(later)
    assert load_run(None).id == second
    assert load_run(None).result["price_date"] == "2026-12-01"


def test_list_runs_summarizes_each_run_oldest_first(result):
    save_run(result, created_utc="2026-10-01T00:00:00+00:00")
    save_run(result, created_utc="2026-11-01T00:00:00+00:00")
    runs = list_runs()
    assert [r.id for r in runs] == [1, 2]
    assert runs[0].total_cost_per_conversation_usd == result["baseline"]["total_cost_per_conversation_usd"]
    assert runs[0].n_recommendations == 4


def test_every_migration_is_recorded_in_order(result):
    save_run(result)
    db = sqlite3.connect(default_db_path())
    assert applied(db) == [m.__name__ for m in MIGRATIONS]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_database_written_by_the_first_schema_is_upgraded_and_keeps_its_run(tmp_path, result):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "runs_m001.db", path)
    before = sqlite3.connect(path)
    assert applied(before) == ["m001_initial"]
    before.close()
    old = load_run(1, path=path)  # opening upgrades it
    assert old.status == "complete"
    assert old.result["advisor_version"] == "0.0.9"
    assert old.result["findings"] is None
    assert len(old.result["recommendations"]) == 2
    new_id = save_run(result, path=path)
    assert new_id == 2
    assert applied(sqlite3.connect(path)) == [m.__name__ for m in MIGRATIONS]
    # The old run still compares with a new one; what it lacks is "not available", not an error.
    comparison = compare_runs(old.result, load_run(2, path=path).result)
    assert comparison.stability_a is None and not comparison.stability_changed
    # And it still renders: what the first schema did not store is "not available".
    html = render_html(old.result)
    assert "Not available: the cache analyzer did not run." in html


def test_compare_reports_appeared_vanished_changed_and_stability(result):
    later = copy.deepcopy(result)
    later["findings"]["capacity"]["stability"]["verdict"] = "stable"
    later["recommendations"] = [r for r in later["recommendations"] if r["lever"] != "batch"]
    later["recommendations"][0]["monthly_savings_usd"] = 200.0
    later["recommendations"].append(
        {"rank": 4, "title": "Reserve 2 workers", "lever": "capacity", "monthly_savings_usd": 90.0}
    )
    later["baseline"]["calls_per_month"] = result["baseline"]["calls_per_month"] * 1.5
    comparison = compare_runs(result, later)
    status = {r.title: r.status for r in comparison.recommendations}
    assert status == {
        "Route 62 % of calls to claude-haiku-4-5": "changed",
        "Summarize conversation history after turn 4": "unchanged",
        "Semantic cache for first turns at similarity 0.86": "unchanged",
        "Send analytics calls to the batch API": "vanished",
        "Reserve 2 workers": "appeared",
    }
    assert comparison.stability_a == "unstable" and comparison.stability_b == "stable"
    assert comparison.stability_changed
    calls = next(m for m in comparison.metrics if m.key == "calls_per_month")
    assert calls.change_share == pytest.approx(0.5)


def test_compare_matches_recommendations_whose_numbers_moved(result):
    later = copy.deepcopy(result)
    later["recommendations"][0]["title"] = "Route 70 % of calls to claude-haiku-4-5"
    later["recommendations"][2]["title"] = "Semantic cache for all turns at similarity 0.9"
    statuses = {r.title: (r.status, r.details) for r in compare_runs(result, later).recommendations}
    assert statuses["Route 70 % of calls to claude-haiku-4-5"][0] == "changed"
    cache = statuses["Semantic cache for all turns at similarity 0.9"]
    assert cache[0] == "changed" and any(d.startswith("title:") for d in cache[1])
    assert len(statuses) == 4


def test_runs_cli_list_show_compare_and_trend(result):
    save_run(result, created_utc="2026-10-01T00:00:00+00:00")
    later = copy.deepcopy(result)
    later["baseline"]["total_cost_per_conversation_usd"] = 0.25
    save_run(later, created_utc="2026-11-01T00:00:00+00:00")
    runner = CliRunner()
    listed = runner.invoke(cli, ["runs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["id"] for r in json.loads(listed.output)] == [1, 2]
    shown = runner.invoke(cli, ["runs", "show", "1"])
    assert shown.exit_code == 0 and "Recommendations" in shown.output and "Prices as of 2026-11-03" in shown.output
    compared = runner.invoke(cli, ["runs", "compare", "1", "2", "--json"])
    assert compared.exit_code == 0
    conv = next(m for m in json.loads(compared.output)["metrics"] if m["key"] == "total_cost_per_conversation_usd")
    assert conv["value_b"] == 0.25
    trend = runner.invoke(cli, ["runs", "trend", "--json"])
    assert [p["cost_per_conversation_usd"] for p in json.loads(trend.output)["points"]] == [
        result["baseline"]["total_cost_per_conversation_usd"],
        0.25,
    ]


def test_runs_trend_writes_an_html_chart(tmp_path, result):
    save_run(result)
    out = tmp_path / "trend.html"
    res = CliRunner().invoke(cli, ["runs", "trend", "--html", str(out)])
    assert res.exit_code == 0, res.output
    assert 'data-chart="trend"' in out.read_text()


def test_runs_show_unknown_id_is_a_clean_error(result):
    save_run(result)
    res = CliRunner().invoke(cli, ["runs", "show", "7"])
    assert res.exit_code == 2
    assert "expected a stored run 7, found no such run" in res.output
    assert "advisor runs list" in res.output


def test_runs_show_non_numeric_id_is_a_clean_error():
    res = CliRunner().invoke(cli, ["runs", "show", "latest-ish"])
    assert res.exit_code == 2
    assert "expected a run number from `advisor runs list`, found 'latest-ish'" in res.output


def test_export_without_any_run_is_a_clean_error():
    res = CliRunner().invoke(cli, ["export", "json"])
    assert res.exit_code == 2
    assert "no stored runs yet" in res.output


def test_a_file_that_is_not_sqlite_is_a_clean_error(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "runs.db").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    res = CliRunner().invoke(cli, ["runs", "list"])
    assert res.exit_code == 2
    assert "expected an advisor run database (SQLite)" in res.output
    assert "Move the file away" in res.output


def test_runs_list_on_an_empty_history_says_so():
    res = CliRunner().invoke(cli, ["runs", "list"])
    assert res.exit_code == 0
    assert "No stored runs yet" in res.output


def test_open_store_is_idempotent():
    open_store().close()
    db = open_store()
    assert db.execute("SELECT COUNT(*) FROM _advisor_migrations").fetchone()[0] == len(MIGRATIONS)


def test_save_run_accepts_an_object_with_to_dict_and_numpy_values(result):
    import numpy as np

    class FakeResult:
        def to_dict(self):
            return {**result, "baseline": {**result["baseline"], "calls_per_month": np.float64(12.5)}}

    run = load_run(save_run(FakeResult()))
    assert run.result["baseline"]["calls_per_month"] == 12.5


def test_compare_says_which_settings_differ():
    base = {"baseline": {}, "recommendations": [], "price_date": "2026-01-01"}
    a = {
        **base,
        "config_hash": "a",
        "config": {"quality_target": 0.95, "seed": 0, "sections": {"cache": {"ttl_s": 60}}},
    }
    b = {
        **base,
        "config_hash": "b",
        "config": {"quality_target": 0.9, "seed": 0, "sections": {"batch": {"tasks": ["x"]}}},
    }
    note, usage_note = compare_runs(a, b).notes  # the runs carry no per-model usage either
    assert "stored no per-model usage" in usage_note
    assert note == (
        "The runs used different configurations: batch.tasks: '(default)' -> ['x']; "
        "cache.ttl_s: 60 -> '(default)'; quality_target: 0.95 -> 0.9."
    )
    older = {**a, "config": None}
    assert "did not keep its settings" in compare_runs(older, b).notes[0]
