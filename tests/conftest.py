"""Shared fixtures: every test gets its own ADVISOR_HOME so no test reads or writes ~/.advisor.

ONNX exports (the default embedder's int8 model, built from the installed MiniLM) go to one
folder for the whole session (ADVISOR_MODELS), so the tests that load the real model build
it once, not once per test.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _shared_models(tmp_path_factory):
    old = os.environ.get("ADVISOR_MODELS")
    os.environ["ADVISOR_MODELS"] = str(tmp_path_factory.mktemp("advisor_models"))
    yield
    if old is None:
        os.environ.pop("ADVISOR_MODELS", None)
    else:
        os.environ["ADVISOR_MODELS"] = old


@pytest.fixture(autouse=True)
def _advisor_home(tmp_path, monkeypatch):
    home = tmp_path / "advisor_home"
    home.mkdir()
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    return home
