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


def check_output_path(path: str | os.PathLike) -> Path:
    """Refuse, before any work is done, an output path that cannot take a complete file: a
    missing folder, a folder, or a device or other special file (e.g. /dev/full). A symlink
    is not followed: the write replaces the link itself and leaves its target alone."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError.at(
            str(target),
            expected="an existing folder to write into",
            found=f"no folder '{folder}'",
            fix="Create the folder or choose another path.",
        )
    if target.is_symlink():
        return target
    if target.exists() and not target.is_file():
        kind = "a folder" if target.is_dir() else "a device or special file"
        raise InputError.at(
            str(target),
            expected="a path for a regular file",
            found=kind,
            fix="Give a file name to write the output to.",
        )
    return target


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write `data` to `path` atomically (temp file in the same folder, fsync, rename)."""
    target = check_output_path(path)
    folder = target.parent if str(target.parent) else Path(".")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        regular = target.is_file() and not target.is_symlink()
        os.chmod(tmp, target.stat().st_mode & 0o777 if regular else 0o666 & ~_umask())
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


# A cell a spreadsheet would run as a formula: =, +, -, @, or a tab/carriage return before one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell that starts like a formula gets a leading apostrophe, so Excel, LibreOffice
    and Google Sheets show it as text instead of running it. Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
