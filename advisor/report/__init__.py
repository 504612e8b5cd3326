"""Reports: AnalysisResult (or its JSON dict) -> terminal, Markdown, HTML and JSON.

Report code renders what the pipeline computed; chart series are prepared in
advisor/report/data.py. Query texts appear only with show_examples=True, redacted.
"""

from __future__ import annotations

from advisor.core.redact import redact_text
from advisor.report.html import render_html, render_trend_html
from advisor.report.markdown import render_markdown
from advisor.report.terminal import render_terminal
from advisor.result.schema import SCHEMA_VERSION, render_json, result_schema, validate_result

__all__ = [
    "SCHEMA_VERSION",
    "redact_text",
    "render_html",
    "render_json",
    "render_markdown",
    "render_terminal",
    "render_trend_html",
    "result_schema",
    "validate_result",
    "write_reports",
]


def write_reports(result, *, html=None, markdown=None, json_path=None, show_examples: bool = False) -> list[str]:
    """Write the requested report files atomically; return the paths written."""
    from advisor.core.fileio import atomic_write

    written = []
    if html:
        written.append(str(atomic_write(html, render_html(result, show_examples=show_examples))))
    if markdown:
        written.append(str(atomic_write(markdown, render_markdown(result, show_examples=show_examples))))
    if json_path:
        written.append(str(atomic_write(json_path, render_json(result, show_examples=show_examples))))
    return written
