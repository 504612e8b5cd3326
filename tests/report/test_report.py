"""Reports: terminal, Markdown, HTML and JSON render the pipeline's numbers; examples redacted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from markdown_plain import plain_markdown
from rich.console import Console

from advisor.core.redact import redact_text, report_examples
from advisor.report import (
    render_html,
    render_json,
    render_markdown,
    render_terminal,
    validate_result,
    write_reports,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MINIMAL = {
    "schema_version": "1.0",
    "price_date": "2026-11-03",
    "warnings": [],
    "recommendations": [],
    "baseline": {"api_cost_per_month_usd": 10.0, "total_cost_per_month_usd": 10.0},
}


@pytest.fixture
def result():
    return json.loads((FIXTURES / "result_v1.json").read_text())


def _terminal(result, **kw) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    render_terminal(result, console, **kw)
    return console.export_text()


def test_terminal_shows_baseline_ranked_recommendations_warnings_and_price_date(result):
    text = _terminal(result)
    assert "$4,097" in text  # total cost per month
    assert text.index("Route 62 % of calls") < text.index("Summarize conversation history")
    assert "$160" in text and "$140 – $178" in text
    assert "not stable yet" in text
    assert "Prices as of 2026-11-03." in text


def test_terminal_never_shows_query_texts_without_show_examples(result):
    text = _terminal(result)
    assert "charged twice" not in text


def test_terminal_examples_are_redacted_and_placeholders_survive_rich_markup(result):
    text = _terminal(result, show_examples=True)
    assert "charged twice" in text
    assert "4111" not in text and "jo@example.com" not in text and "555 0100" not in text
    assert "[card]" in text and "[email]" in text and "[phone]" in text


def test_markdown_holds_tables_and_lists_missing_charts(result):
    md = plain_markdown(render_markdown(MINIMAL))
    assert "| Total cost per month | $10.00 |" in md
    assert "No recommendation" in md
    assert "Cost-quality frontier: not available (the plan has no cost-quality frontier)" in md
    full = plain_markdown(render_markdown(result))
    assert "| 1 | Route 62 % of calls to claude-haiku-4-5 | routing | $160 |" in full


def test_missing_fields_render_as_not_available_not_as_errors():
    text = _terminal(MINIMAL)
    assert "not available" in text
    html = render_html(MINIMAL)
    assert "Not available: the plan has no per-lever savings attribution." in html


def test_html_is_self_contained_with_all_six_charts(result):
    html = render_html(result)
    for chart in ("cost-breakdown", "waterfall", "cache", "routing", "frontier", "demand"):
        assert f'data-chart="{chart}"' in html, chart
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<link" not in html and "src=" not in html
    assert "default-src 'none'" in html


def test_html_escapes_text_from_the_result(result):
    result["recommendations"][0]["title"] = "<script>alert(1)</script>"
    html = render_html(result)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_json_report_matches_its_schema_and_drops_examples_by_default(result):
    pytest.importorskip("jsonschema")
    data = json.loads(render_json(result))
    assert validate_result(data) == []
    assert "examples" not in data["findings"]["cache"]
    shown = json.loads(render_json(result, show_examples=True))
    assert shown["findings"]["cache"]["examples"][0]["query"] == (
        "my card [card] was charged twice, mail me at [email]"
    )


def test_schema_names_the_field_that_is_wrong(result):
    pytest.importorskip("jsonschema")
    result["recommendations"][0]["monthly_savings_usd"] = "a lot"
    errors = validate_result(result)
    assert errors == ["recommendations/0/monthly_savings_usd: 'a lot' is not of type 'number'"]


def test_write_reports_writes_each_requested_file(tmp_path, result):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    paths = write_reports(result, html=tmp_path / "r.html", markdown=tmp_path / "r.md", json_path=tmp_path / "r.json")
    assert len(paths) == 3
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "r.json").read_text())["schema_version"] == "1.0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json", "r.md"]  # no temp files left


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail jo.x@example.com now", "mail [email] now"),
        ("card 4111 1111 1111 1111 ok", "card [card] ok"),
        ("4111-1111-1111-1111", "[card]"),
        ("call +1 415 555 0100", "call [phone]"),
        ("call (415) 555-0100", "call [phone]"),
        ("order 12345678 is late", "order [number] is late"),
        ("what is the apr 5.5 on 2 cards", "what is the apr 5.5 on 2 cards"),
        ("since 2026-10-01", "since 2026-10-01"),
    ],
)
def test_redaction_masks_private_values_and_keeps_ordinary_text(text, expected):
    assert redact_text(text) == expected


def test_report_examples_empty_unless_asked(result):
    assert report_examples(result, show_examples=False) == []
    assert report_examples(result, show_examples=True)[0]["analyzer"] == "cache"


def test_numpy_values_and_nan_in_a_result_become_plain_json():
    import numpy as np

    data = dict(
        MINIMAL,
        baseline={
            "api_cost_per_month_usd": np.float64(10.0),
            "total_cost_per_month_usd": 10.0,
            "api_share": float("nan"),
            "by_model": (np.int64(3),),
        },
    )
    out = json.loads(render_json(data))
    assert out["baseline"] == {
        "api_cost_per_month_usd": 10.0,
        "total_cost_per_month_usd": 10.0,
        "api_share": None,
        "by_model": [3],
    }


def test_routing_evidence_shows_labels_auc_interval_ece_and_learning_curve_in_terminal_and_markdown():
    data = dict(MINIMAL)
    data["findings"] = {
        "routing": {
            "candidates": [
                {
                    "model": "gpt-4o-mini",
                    "mode": "labels",
                    "n_labelled": 412,
                    "metrics": {"auc": 0.6612, "ece": 0.0234},
                    "auc_interval": [0.6011, 0.7195],
                    "learning": {
                        "points": [{"n_labelled": 100, "auc_mean": 0.58}, {"n_labelled": 200, "auc_mean": 0.65}],
                        "n_needed_for_stable_auc": 200,
                    },
                    "max_share_at_target": 0.31,
                    "quality_lower_bound": 0.9512,
                    "confidence": "medium",
                }
            ]
        }
    }
    markdown = plain_markdown(render_markdown(data))
    assert "## Routing evidence" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| gpt-4o-mini"))
    for shown in ("your labels", "412", "0.661 [0.601, 0.720]", "0.023", "100: 0.580, 200: 0.650 (stable from 200)"):
        assert shown in row
    assert "31.0% of calls, quality >= 95.1% (lower bound)" in row
    terminal = _terminal(data)
    assert "Routing evidence" in terminal and "0.661 [0.601, 0.720]" in terminal


def test_no_routing_candidates_means_no_routing_evidence_table():
    assert "Routing evidence" not in plain_markdown(render_markdown(MINIMAL))
