"""SIGTERM in the middle of a sampled run (the `kill` a scheduler or Ctrl-C's cousin sends): a
clean exit 143 with no traceback, and the temporary sample files, which hold raw query text,
are gone. A kill -9 cannot be handled; the next run removes its orphans (test_temp_files.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from advisor.lab.synthetic import generate_log, write_sample

pytestmark = pytest.mark.integration


def test_sigterm_during_a_sampled_run_exits_cleanly_and_removes_the_sample(tmp_path):
    log = tmp_path / "calls.csv"
    write_sample(generate_log(30_000, seed=2, days=7), log)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "ADVISOR_HOME": str(tmp_path / "home")}
    argv = [sys.executable, "-c", "from advisor.cli.main import main; main()", "cost", str(log)]
    proc = subprocess.Popen(
        [*argv, "--sample-fraction", "0.5", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120  # the sample folder appears within seconds of the start
    while not list(tmp.glob("advisor-sample-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail(f"the run ended before the sample folder appeared (exit {proc.returncode}): {proc.stderr.read()}")
    assert list(tmp.glob("advisor-sample-*")), "no sample folder appeared within the deadline"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert list(tmp.glob("advisor-sample-*")) == []  # the raw query text is not left behind
