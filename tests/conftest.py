"""Shared fixtures: every test gets its own ADVISOR_HOME so no test reads or writes ~/.advisor."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _advisor_home(tmp_path, monkeypatch):
    home = tmp_path / "advisor_home"
    home.mkdir()
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    return home
