"""Where advisor keeps its own files: ADVISOR_HOME (default ~/.advisor)."""

from __future__ import annotations

import os
from pathlib import Path


def advisor_home() -> Path:
    home = Path(os.environ.get("ADVISOR_HOME") or Path.home() / ".advisor")
    home.mkdir(parents=True, exist_ok=True)
    return home


def package_root() -> Path:
    """The repository / install root that holds models/ and data/ next to the package."""
    return Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    return package_root() / "models"


def data_dir() -> Path:
    return package_root() / "data"
