"""Reports and exports are safe by construction: Markdown escaped, CSV cells neutralised,
outputs written atomically without following symlinks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from advisor.analyzers.cache.labels import write_pairs
from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write, check_output_path, spreadsheet_safe
from advisor.report.markdown import render_markdown

FIXTURE = Path(__file__).parents[1] / "fixtures" / "result_v1.json"
PAYLOADS = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](http://evil.example/x.png)",
    "a|b\n# heading",
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_report_renders_hostile_names_as_text(payload):
    result = json.loads(FIXTURE.read_text())
    result["baseline"]["business_unit_name"] = payload
    for row in result["baseline"]["by_model"]:
        row["model"] = payload
    result["warnings"] = [payload]
    html = MarkdownIt("commonmark").enable("table").render(render_markdown(result))
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<h1>heading" not in html
    # The text itself is still there for the reader (as escaped entities).
    assert "&lt;script&gt;" in html or "<script>" not in payload


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_plain_text_and_numbers_are_left_alone():
    assert spreadsheet_safe("where is my order") == "where is my order"
    assert spreadsheet_safe(-0.25) == -0.25


def test_label_file_cells_cannot_run_as_formulas(tmp_path):
    out = tmp_path / "pairs.csv"
    write_pairs(out, [{"query_a": '=HYPERLINK("http://x")', "query_b": "@cmd", "cosine": -0.5}])
    with out.open(newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert row["query_a"].startswith("'=") and row["query_b"] == "'@cmd"
    assert row["cosine"] == "-0.5"


def test_atomic_write_replaces_a_symlink_and_leaves_its_target(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(victim)
    atomic_write(link, "<html></html>")
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "<html></html>"


@pytest.mark.parametrize("target", ["/dev/full", "/dev/null"])
def test_devices_are_refused_before_any_write(target):
    with pytest.raises(InputError, match="a device or special file"):
        check_output_path(target)


def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    import os

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError):
        atomic_write(folder / "r.md", "x")
    assert list(folder.iterdir()) == []
