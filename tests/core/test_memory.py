"""fewer_malloc_arenas: set on Linux glibc, left alone when the user chose MALLOC_ARENA_MAX;
peak_rss_mb: this process's own peak, not one inherited from its parent."""

from __future__ import annotations

import subprocess
import sys

import pytest

from advisor.core.memory import fewer_malloc_arenas, peak_rss_mb


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's /proc/self/status")
def test_peak_memory_of_a_child_does_not_include_its_big_parent():
    # ru_maxrss survives fork + exec: a child of a 400 MB parent would report >= 400 MB. A bare
    # Python child peaks near 15-40 MB; 200 MB leaves room for any interpreter and allocator.
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so it is resident
    code = "from advisor.core.memory import peak_rss_mb; print(peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert float(out) < 200
    assert peak_rss_mb() >= 400  # and this process's own peak does count its ballast
    del ballast
