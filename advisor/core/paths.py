"""Where advisor keeps its own files: ADVISOR_HOME (default ~/.advisor)."""

from __future__ import annotations

import os
from pathlib import Path

from advisor.core.errors import InputError


def advisor_home() -> Path:
    home = Path(os.environ.get("ADVISOR_HOME") or Path.home() / ".advisor")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        found = "a file there" if home.exists() else (exc.strerror or type(exc).__name__).lower()
        raise InputError.at(
            f"ADVISOR_HOME ({home})",
            expected="a folder advisor can create and write",
            found=found,
            fix="Point ADVISOR_HOME at a writable folder, or unset it to use ~/.advisor.",
        ) from None
    return home


def package_root() -> Path:
    """The repository / install root that holds models/ and data/ next to the package."""
    return Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    return package_root() / "models"


def data_dir() -> Path:
    return package_root() / "data"
