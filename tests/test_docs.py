"""Docs name only files that exist: a module moved without its docs is a broken promise."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = re.compile(r"(?<![\w./])((?:advisor|tests)/[\w/]+\.py)")


def test_every_source_path_named_in_the_docs_exists():
    docs = [*ROOT.glob("*.md"), *ROOT.glob("docs/**/*.md"), *ROOT.glob("models/**/*.md"), *ROOT.glob("data/**/*.md")]
    missing = sorted(
        {
            f"{doc.relative_to(ROOT)}: {m}"
            for doc in docs
            for m in PATH.findall(doc.read_text(encoding="utf-8"))
            if not (ROOT / m).exists()
        }
    )
    assert missing == []
