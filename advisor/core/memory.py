"""Process memory settings for one analysis.

    fewer_malloc_arenas(n=2) -> bool   glibc only; a no-op elsewhere or when MALLOC_ARENA_MAX is set
    peak_rss_mb() -> float             this process's peak RSS (VmHWM on Linux), for benchmarks and Ray workers

glibc gives every thread that allocates its own malloc arena and keeps what was freed in it.
The routing analyzer fits on a thread pool (and its kNN and ridge steps allocate tens of MB per
fit), so each worker thread grows an arena of its own that the process then holds on to. Two
arenas measured on `advisor sample --calls 100000` with warm vectors: peak RSS 811 MB instead
of 966 MB, CPU 12.1 s instead of 13.5 s (one run each, MALLOC_ARENA_MAX=2 in the environment,
a loaded machine). The answer does not depend on it: it only changes where freed memory waits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def fewer_malloc_arenas(n: int = 2) -> bool:
    """Cap glibc's malloc arenas at `n` for threads created from now on; True when it was set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_ARENA_MAX, n))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM from /proc on Linux: ru_maxrss survives fork + exec, so a child started by a big
    parent reports at least the parent's size at the fork (the 100k-call analyze and encode of
    docs/benchmarks-scale.md both read 967 MB that way, the benchmark's own size). Elsewhere
    ru_maxrss (KiB on Linux, bytes on macOS).
    """
    import resource
    from pathlib import Path

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
