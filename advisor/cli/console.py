"""The rich consoles the commands print with: markup and emoji codes off.

Model names, business units, file names and warnings come from the user's files; with markup
on, "[/x]" in a model name raises MarkupError and "[projection]" in a shipped warning is eaten
as a style tag. Styling is passed explicitly (style=..., Text) instead.
"""

from __future__ import annotations


def console(*, stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False)
