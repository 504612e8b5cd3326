"""Temporary sample files (raw query text) do not outlive the run that made them."""

from __future__ import annotations

import subprocess
import tempfile

from advisor.ingest.sampling import load_sampled_log
from advisor.lab.synthetic import generate_log, write_sample


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_sampled_run_leaves_no_temp_files_and_removes_orphans(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    orphan = tmp_path / "tmp" / f"advisor-sample-{_dead_pid()}-abc"
    orphan.mkdir()
    (orphan / "00000-calls.csv").write_text("query\nmy name is Ana\n")
    log = tmp_path / "calls.csv"
    write_sample(generate_log(300, seed=1, days=2), log)
    sampled = load_sampled_log([log], fraction=0.5, seed=0)
    assert 0 < sampled.n_calls < 300
    assert list((tmp_path / "tmp").iterdir()) == []
