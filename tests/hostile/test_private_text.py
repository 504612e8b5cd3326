"""No query words in any output, store or export: routing segments (named after words of
their queries) become "segment N" in JSON, runs.db, `export json`, and the reports."""

from __future__ import annotations

import json
from pathlib import Path

from advisor.history.store import load_run, save_run
from advisor.report.html import render_html
from advisor.report.markdown import render_markdown
from advisor.result.export import plan_json
from advisor.result.schema import render_json

FIXTURE = Path(__file__).parents[1] / "fixtures" / "result_v1.json"
PRIVATE = "lopez / ana.lopez@example.com"


def _result_with_private_segment_name() -> dict:
    result = json.loads(FIXTURE.read_text())
    old = result["plan"]["segments"][0]["name"]
    text = json.dumps(result).replace(json.dumps(old), json.dumps(PRIVATE)).replace(f"'{old}'", f"'{PRIVATE}'")
    result = json.loads(text)
    result["recommendations"][0]["title"] = f"Send the '{PRIVATE}' segment to gpt-4o-mini"
    return result


def test_segment_names_leave_json_store_export_and_reports_neutral(tmp_path):
    result = _result_with_private_segment_name()
    outputs = {
        "json": render_json(result),
        "json --show-examples": render_json(result, show_examples=True),
        "markdown": render_markdown(result),
        "html": render_html(result),
    }
    run = load_run(save_run(result, path=tmp_path / "runs.db"), path=tmp_path / "runs.db")
    outputs["runs.db"] = json.dumps(run.result)
    outputs["export json"] = plan_json(run.result)
    for name, text in outputs.items():
        assert "lopez" not in text.lower(), name
    assert "segment 1" in outputs["json"]
    assert "Send the 'segment 1' segment" in outputs["json"]
