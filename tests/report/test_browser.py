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
