"""The HTML report in a real browser: headless Chromium renders it, with no script errors.

Uses Debian's `chromium` package only (installs nothing); skips where /usr/bin/chromium is
absent. The page's own inline script writes the number of charts drawn and any script error
into attributes of <html>, which `--dump-dom` returns after the page ran.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from advisor.report import render_html

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (Debian: apt-get install chromium)")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def test_html_report_renders_in_chromium_with_charts_and_no_script_errors(tmp_path):
    result = json.loads((FIXTURES / "result_v1.json").read_text())
    page = tmp_path / "report.html"
    page.write_text(render_html(result, show_examples=True))
    url = page.as_uri()

    dom = _chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_tag = re.search(r"<html[^>]*>", dom.stdout).group(0)
    assert 'data-script-errors="none"' in html_tag, html_tag
    assert 'data-charts="6"' in html_tag, html_tag
    # Every chart has drawn marks, not just an empty frame.
    for chart in ("cost-breakdown", "waterfall", "cache", "routing", "frontier", "demand"):
        svg = re.search(rf'<svg class="chart" data-chart="{chart}".*?</svg>', dom.stdout, re.DOTALL)
        assert svg is not None, chart
        assert re.search(r'<(rect|polyline) class="(bar|series)"', svg.group(0)), chart

    shot = tmp_path / "report.png"
    taken = _chromium(tmp_path, "--window-size=1200,2400", "--hide-scrollbars", f"--screenshot={shot}", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank 1200x2400 page compresses to a few kB


def test_a_script_error_would_be_caught_by_the_check(tmp_path):
    """The error recorder works: inject a failing script and see it reported."""
    html = render_html({"baseline": {}, "warnings": [], "recommendations": []})
    page = tmp_path / "broken.html"
    page.write_text(html.replace("</body>", "<script>undefinedFunction();</script></body>"))
    dom = _chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    html_tag = re.search(r"<html[^>]*>", dom.stdout).group(0)
    assert "undefinedFunction is not defined" in html_tag


# Measures, in the rendered page, every chart text's box against its <svg>'s box, and each
# chart's y-axis tick labels (the `.tick` texts left of the plot, at the same x).
_GEOMETRY = """<script>
(function () {
  var clipped = [], degenerate = [];
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        clipped.push(svg.dataset.chart + ':' + t.textContent);
    });
    var y = Array.from(svg.querySelectorAll('text.tick[text-anchor=end]')).map(function (t) { return t.textContent; });
    if (y.length > 1 && new Set(y).size < y.length) degenerate.push(svg.dataset.chart + ':' + y.join('|'));
  });
  document.documentElement.setAttribute('data-clipped', clipped.join(';') || 'none');
  document.documentElement.setAttribute('data-degenerate', degenerate.join(';') || 'none');
})();
</script></body>"""


def _geometry(tmp_path: Path, result: dict) -> tuple[str, str, str]:
    page = tmp_path / "geometry.html"
    page.write_text(render_html(result).replace("</body>", _GEOMETRY))
    dom = _chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_tag = re.search(r"<html[^>]*>", dom.stdout).group(0)
    clipped = re.search(r'data-clipped="([^"]*)"', html_tag).group(1)
    degenerate = re.search(r'data-degenerate="([^"]*)"', html_tag).group(1)
    return clipped, degenerate, dom.stdout


def test_chart_labels_are_not_clipped_and_no_axis_repeats_a_tick(tmp_path):
    result = json.loads((FIXTURES / "result_v1.json").read_text())
    # A threshold at the right end of the sweep (its label used to run off the chart) and a
    # frontier whose costs differ by cents (its ticks used to read "3,456" five times).
    result["plan"]["cache_threshold"] = result["findings"]["cache"]["chosen_threshold"] = 0.98
    for i, point in enumerate(result["plan"]["frontier"]):
        point["monthly_cost_usd"] = 3456.1 + 0.05 * i
    clipped, degenerate, _dom = _geometry(tmp_path, result)
    assert clipped == "none"
    assert degenerate == "none"


def test_no_threshold_marker_when_the_plan_runs_no_cache(tmp_path):
    result = json.loads((FIXTURES / "result_v1.json").read_text())
    result["plan"]["cache_threshold"] = None  # the analyzer still chose 0.86
    _clipped, _degenerate, dom = _geometry(tmp_path, result)
    svg = re.search(r'<svg class="chart" data-chart="cache".*?</svg>', dom, re.DOTALL).group(0)
    labels = re.findall(r'class="rule-label">([^<]*)<', svg)
    assert labels == ["false-hit budget 2%"]  # the budget line only, no threshold marker
