"""Atomic file writes: path + bytes/str -> the file, complete or untouched.

Reports and exports are written to a temporary file in the same folder and renamed over the
target, so a crash or a full disk never leaves a half-written report that looks whole.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from advisor.core.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write `data` to `path` atomically (temp file in the same folder, fsync, rename)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError.at(
            str(target),
            expected="an existing folder to write into",
            found=f"no folder '{folder}'",
            fix="Create the folder or choose another path.",
        )
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        # Never leave the temp file behind, whatever interrupted the write.
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
