"""Temporary sample folders: their name and the sweep that removes a process's own.

Sampled runs copy the kept rows (raw query text) into `TEMP_PREFIX<pid>-*` folders under the
system temp directory. Light on purpose (no pandas): the command line sweeps on every exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

TEMP_PREFIX = "advisor-sample-"


def remove_own_sample_folders() -> None:
    """Remove this process's temporary sample folders, whatever state the run was left in: the
    command line calls it on every exit path, signals included, because a signal can land
    between a folder's creation and the `with` block that would remove it."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}{os.getpid()}-*"):
        shutil.rmtree(folder, ignore_errors=True)
