"""Model versus invoice: >10 % differences flagged with the likely cause; bad invoices are clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.history.invoice import load_invoice, period_days
from advisor.history.reconcile import reconcile
from advisor.history.store import save_run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def result():
    data = json.loads((FIXTURES / "result_v1.json").read_text())
    # A round baseline: 1000 calls observed, factor 3 -> 3000 calls and $300 per 30-day month.
    data["baseline"]["monthly_factor"] = 3.0
    data["baseline"]["by_model"] = [
        {
            "model": "claude-sonnet-4-5",
            "provider": "anthropic",
            "calls": 1000,
            "api_cost_per_month_usd": 300.0,
            "tokens_per_month": 3_000_000,
        }
    ]
    return data


def _invoice(tmp_path, text: str) -> Path:
    path = tmp_path / "invoice.csv"
    path.write_text(text)
    return path


def test_line_within_ten_percent_is_not_flagged(tmp_path, result):
    # 30-day month (2026-11): projection $300.
    lines = reconcile(
        load_invoice(_invoice(tmp_path, "period,model,amount_usd\n2026-11,claude-sonnet-4-5,320\n")), result
    )
    line = lines.lines[0]
    assert line.projected_usd == pytest.approx(300.0)
    assert line.difference_share == pytest.approx(20 / 300)
    assert not line.flagged and line.likely_cause == "ok"


def test_more_calls_than_projected_names_traffic_volume(tmp_path, result):
    text = (
        "period,model,amount_usd,calls,input_tokens,output_tokens\n2026-11,claude-sonnet-4-5,450,4500,3500000,1000000\n"
    )
    line = reconcile(load_invoice(_invoice(tmp_path, text)), result).lines[0]
    assert line.flagged and line.likely_cause == "traffic volume"


def test_same_calls_more_tokens_names_token_counts(tmp_path, result):
    text = (
        "period,model,amount_usd,calls,input_tokens,output_tokens\n2026-11,claude-sonnet-4-5,450,3000,3500000,1000000\n"
    )
    line = reconcile(load_invoice(_invoice(tmp_path, text)), result).lines[0]
    assert line.likely_cause == "token counts"


def test_same_calls_and_tokens_names_price(tmp_path, result):
    text = (
        "period,model,amount_usd,calls,input_tokens,output_tokens\n2026-11,claude-sonnet-4-5,450,3000,2000000,1000000\n"
    )
    line = reconcile(load_invoice(_invoice(tmp_path, text)), result).lines[0]
    assert line.likely_cause == "price"


def test_without_usage_columns_the_cause_is_stated_as_unknown(tmp_path, result):
    line = reconcile(
        load_invoice(_invoice(tmp_path, "period,model,amount_usd\n2026-11,claude-sonnet-4-5,450\n")), result
    ).lines[0]
    assert line.flagged and line.likely_cause.startswith("unknown")


def test_projection_scales_to_the_period_and_matches_dated_model_names(tmp_path, result):
    text = "period,model,amount_usd\n2026-10-01..2026-10-15,claude-sonnet-4-5-20250929,150\n"
    line = reconcile(load_invoice(_invoice(tmp_path, text)), result).lines[0]
    assert line.projected_usd == pytest.approx(150.0)  # 15 days of a $300 month
    assert not line.flagged


def test_invoice_model_missing_from_the_log_is_flagged_as_volume(tmp_path, result):
    text = "period,model,amount_usd\n2026-11,gpt-4o-mini,12\n"
    out = reconcile(load_invoice(_invoice(tmp_path, text)), result)
    assert out.lines[0].flagged and out.lines[0].projected_usd is None
    assert out.lines[0].likely_cause == "traffic volume"
    assert any("claude-sonnet-4-5 is in the analysed log but on no invoice line" in w for w in out.warnings)


@pytest.mark.parametrize(
    "period, days", [("2026-02", 28), ("2024-02", 29), ("2026-12", 31), ("2026-10-01..2026-10-07", 7)]
)
def test_period_days(period, days):
    assert period_days(period, file="f", row=1) == days


def test_reconcile_cli_prints_flags_and_causes(tmp_path, result):
    save_run(result)
    text = "period,model,amount_usd,calls\n2026-11,claude-sonnet-4-5,450,4500\n2026-11,claude-sonnet-4-5,301,3000\n"
    res = CliRunner().invoke(cli, ["reconcile", "--invoice", str(_invoice(tmp_path, text)), "--json"])
    assert res.exit_code == 0, res.output
    lines = json.loads(res.output)["lines"]
    assert [line["flagged"] for line in lines] == [True, False]
    assert lines[0]["likely_cause"] == "traffic volume"
    table = CliRunner().invoke(cli, ["reconcile", "--invoice", str(_invoice(tmp_path, text))])
    assert "OVER 10 %" in table.output and "traffic volume" in table.output


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "period,model\n2026-11,x\n",
            "line 1: expected columns period, model, amount_usd, found columns period, model; missing amount_usd",
        ),
        ("period,model,amount_usd\n2026-13,x,5\n", "row 1, column 'period': expected a month 'YYYY-MM'"),
        ("period,model,amount_usd\n2026-11,x,lots\n", "row 1, column 'amount_usd': expected a number, found 'lots'"),
        ("period,model,amount_usd\n2026-11,x,-5\n", "expected a non-negative number, found '-5'"),
        ("period,model,amount_usd\n", "expected at least one invoice line, found none"),
    ],
)
def test_bad_invoice_is_a_clean_error(tmp_path, result, text, message):
    save_run(result)
    res = CliRunner().invoke(cli, ["reconcile", "--invoice", str(_invoice(tmp_path, text))])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_missing_invoice_file_is_a_clean_error(tmp_path, result):
    save_run(result)
    res = CliRunner().invoke(cli, ["reconcile", "--invoice", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2
    assert "expected a readable invoice CSV" in res.output
