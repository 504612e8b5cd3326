"""The text a Markdown report shows once rendered: advisor escapes Markdown and HTML in every
value (advisor/report/markdown.py), so tests that look for a figure read it unescaped."""

from __future__ import annotations

import html
import re

_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+!|~])")


def plain_markdown(markdown: str) -> str:
    return html.unescape(_ESCAPED.sub(r"\1", markdown))
