"""fewer_malloc_arenas: set on Linux glibc, left alone when the user chose MALLOC_ARENA_MAX."""

from __future__ import annotations

import sys

import pytest

from advisor.core.memory import fewer_malloc_arenas


def test_a_users_malloc_arena_max_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert fewer_malloc_arenas() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_on_linux_glibc_the_cap_is_set(monkeypatch):
    import platform

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert fewer_malloc_arenas() is True
