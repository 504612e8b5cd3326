"""`advisor cost` driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.core import schema as S

SEED = str(Path(__file__).resolve().parents[2] / "data" / "scenarios" / "seed_customer_service.toml")


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def test_cost_scenario_json_has_the_reference_figures():
    r = _run("cost", "--scenario", SEED, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["api_cost_per_day_usd"] == 360.0
    assert d["input_cost_per_day_usd"] == 225.0
    assert d["output_cost_per_day_usd"] == 135.0
    assert d["api_cost_per_month_usd"] == 10800.0
    assert d["api_cost_per_conversation_usd"] == 0.072
    assert d["total_cost_per_conversation_usd"] == pytest.approx(0.082)
    assert d["frontier_api_cost_per_month_usd"] == 36000.0
    assert d["stated_input_tokens_per_conversation"] == 15000
    assert d["turn_structure_input_tokens_per_conversation"] == 10200


def test_cost_scenario_table_shows_both_token_figures_and_the_costs():
    r = _run("cost", "--scenario", SEED)
    assert r.exit_code == 0, r.output
    for text in ("15,000", "10,200", "$360.00", "$10,800.00", "$0.0720", "$0.0820", "$36,000.00"):
        assert text in r.output


def test_cost_scenario_can_price_the_turn_structure():
    d = json.loads(_run("cost", "--scenario", SEED, "--tokens", "turn-structure", "--json").output)
    assert d["tokens_priced"] == "turn structure"
    assert d["input_cost_per_day_usd"] == pytest.approx(153.0)


def test_cost_without_scenario_or_logs_is_a_usage_error():
    r = _run("cost")
    assert r.exit_code == 2
    assert "Give either --scenario FILE or one or more LOGS" in r.output


def test_cost_missing_scenario_file_exits_2_with_one_line():
    r = _run("cost", "--scenario", "no/such.toml")
    assert r.exit_code == 2
    assert (
        "no/such.toml: expected a scenario TOML file, found no such file. Check the path given to --scenario."
        in r.output
    )
    assert "Traceback" not in r.output


def test_cost_bad_scenario_setting_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(SEED).read_text().replace("conversations_per_day = 5000", "conversations_per_day = -5"))
    r = _run("cost", "--scenario", str(bad))
    assert r.exit_code == 2
    assert "The 'scenario.conversations_per_day' setting must be a number > 0. Got -5 instead." in r.output


def test_cost_bad_price_file_exits_2(tmp_path):
    prices = tmp_path / "p.csv"
    prices.write_text("model,input,output\nacme,cheap,1\n")
    r = _run("cost", "--scenario", SEED, "--prices", str(prices))
    assert r.exit_code == 2
    assert "p.csv line 2: The 'prices.acme.input' setting must be a price in USD per million tokens" in r.output


def test_cost_bad_config_setting_exits_2(tmp_path):
    cfg = tmp_path / "advisor.toml"
    cfg.write_text('[prices]\nas_of = "soon"\n')
    r = _run("cost", "--scenario", SEED, "--config", str(cfg))
    assert r.exit_code == 2
    assert "The 'prices.as_of' setting must be an ISO date" in r.output


def _fake_ingest(monkeypatch, frame):
    """Stand in for the log loader behind `advisor cost LOGS` with one returning a fixed QueryLog.

    Patched where the sampled loader looks it up (a whole-log load is load_log itself), so the
    real mapping and sampling code runs and nothing depends on which modules were imported first.
    """
    monkeypatch.setattr(
        "advisor.ingest.sampling.load.load_log", lambda paths, **kw: S.QueryLog(frame=frame, sources=tuple(paths))
    )


def _frame(model="small"):
    ts = pd.Timestamp("2026-11-01", tz="UTC") + pd.to_timedelta(np.arange(4), unit="h")
    return pd.DataFrame(
        {
            S.TIMESTAMP: ts,
            S.MODEL: model,
            S.PROVIDER: "acme",
            S.INPUT_TOKENS: 1_000_000,
            S.OUTPUT_TOKENS: 0,
            S.CONVERSATION_ID: ["a", "a", "b", "b"],
        }
    )


def _config(tmp_path):
    cfg = tmp_path / "advisor.toml"
    cfg.write_text('[prices]\nas_of = "2026-11-20"\n[prices."small"]\nprovider = "acme"\ninput = 1.0\noutput = 2.0\n')
    return str(cfg)


def test_cost_of_a_log_prints_the_baseline_json(monkeypatch, tmp_path):
    _fake_ingest(monkeypatch, _frame())
    r = _run("cost", "calls.csv", "--config", _config(tmp_path), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    # 4 calls x $1 over 3 hours -> x 240 for a 30-day month
    assert d["api_cost_per_month_usd"] == pytest.approx(4.0 * 240)
    assert d["conversation"]["api_mean_usd"] == pytest.approx(2.0)


def test_cost_of_a_log_prints_tables(monkeypatch, tmp_path):
    _fake_ingest(monkeypatch, _frame())
    r = _run("cost", "calls.csv", "--config", _config(tmp_path))
    assert r.exit_code == 0, r.output
    assert "Baseline" in r.output and "$960.00" in r.output and "By model" in r.output
    assert "Prices: genai-prices" in r.output and "data dated 20" in r.output


def test_cost_of_a_log_with_an_unknown_model_exits_2(monkeypatch, tmp_path):
    _fake_ingest(monkeypatch, _frame(model="smal"))
    r = _run("cost", "calls.csv", "--config", _config(tmp_path))
    assert r.exit_code == 2
    assert "column 'model': expected a model with a known price at provider 'acme', found 'smal'" in r.output
    assert "Close known names: small" in r.output


def test_cost_of_a_real_csv_log_through_ingest(tmp_path):
    pytest.importorskip("advisor.ingest")
    log = tmp_path / "calls.csv"
    log.write_text(
        "timestamp,model,provider,input_tokens,output_tokens,conversation_id\n"
        "2026-11-01T00:00:00Z,small,acme,1000000,0,a\n"
        "2026-11-01T06:00:00Z,small,acme,0,1000000,b\n"
    )
    r = _run("cost", str(log), "--config", _config(tmp_path), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    # $1 + $2 over 6 hours -> x 120 for a 30-day month
    assert d["api_cost_per_month_usd"] == pytest.approx(3.0 * 120)


def test_cost_of_a_real_log_with_a_column_mapping(tmp_path):
    pytest.importorskip("advisor.ingest")
    log = tmp_path / "export.csv"
    log.write_text(
        "created_at,model,provider,prompt_tokens,output_tokens\n"
        "2026-11-01T00:00:00Z,small,acme,1000000,0\n"
        "2026-11-01T06:00:00Z,small,acme,1000000,0\n"
    )
    r = _run(
        "cost",
        str(log),
        "--config",
        _config(tmp_path),
        "--json",
        "--map",
        "timestamp=created_at,input_tokens=prompt_tokens",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["api_cost_per_month_usd"] == pytest.approx(2.0 * 120)


def test_map_with_a_scenario_is_a_usage_error():
    r = _run("cost", "--scenario", SEED, "--skip-bad-rows")
    assert r.exit_code == 2
    assert "--map and --skip-bad-rows apply to LOGS only." in r.output


def test_cost_explain_lists_every_default_with_its_value_and_source(monkeypatch, tmp_path):
    _fake_ingest(monkeypatch, _frame())
    r = _run("cost", "calls.csv", "--config", _config(tmp_path), "--explain")
    assert r.exit_code == 0, r.output
    assert "Defaults in use" in r.output and "[infrastructure]" in r.output and "[operations]" in r.output
    assert "worker_cost_per_month_usd" in r.output and "article: 100–200" in r.output
    # The API is measured (no mark); infrastructure rests on defaults and says so.
    assert "$960.00 [" not in r.output
    assert "total, incl. assumed figures" in r.output and "[a]" in r.output


def test_cost_json_gives_every_number_a_provenance(monkeypatch, tmp_path):
    from advisor.core.provenance import lookup, numeric_paths

    _fake_ingest(monkeypatch, _frame())
    d = json.loads(_run("cost", "calls.csv", "--config", _config(tmp_path), "--json").output)
    body = {k: v for k, v in d.items() if k not in ("provenance", "defaults_in_use")}
    assert [p for p in numeric_paths(body) if lookup(d["provenance"], p) is None] == []
    assert d["provenance"]["api_cost_per_month_usd"]["kind"] == "measured"
    used = {row["setting"]: row for row in d["defaults_in_use"]}
    assert used["infrastructure.worker_cost_per_month_usd"]["value"] == 150.0


def test_cost_hosted_only_has_no_worker_line(monkeypatch, tmp_path):
    _fake_ingest(monkeypatch, _frame())
    cfg = Path(_config(tmp_path))
    cfg.write_text(cfg.read_text() + "[infrastructure]\nself_hosted = false\n")
    r = _run("cost", "calls.csv", "--config", str(cfg), "--explain")
    assert r.exit_code == 0, r.output
    assert "workers" not in r.output and "worker_cost_per_month_usd" not in r.output
    d = json.loads(_run("cost", "calls.csv", "--config", str(cfg), "--json").output)
    assert "workers" not in d["infrastructure"] and d["infrastructure"]["self_hosted"] is False
    # The components left (no workers) make the whole infrastructure total.
    assert d["infrastructure"]["total_cost_per_month_usd"] == pytest.approx(
        sum(
            d["infrastructure"][k]
            for k in (
                "cache_cost_per_month_usd",
                "database_cost_per_month_usd",
                "networking_cost_per_month_usd",
                "storage_cost_per_month_usd",
            )
        )
    )


def test_cost_explain_is_for_logs_only():
    r = _run("cost", "--scenario", SEED, "--explain")
    assert r.exit_code == 2 and "--explain" in r.output
