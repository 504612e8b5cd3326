"""The one progress callback type: stages report (stage name, done, total) and never print."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
# Embedders count texts: (texts done, texts to embed).
CountProgress = Callable[[int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """A Progress that reports nothing (library use, tests)."""
    return None
