"""Runs every case of the hostile corpus (tests/hostile/corpus.py) through its command.

For each: the promised exit status (0 valid, 2 refused), no traceback, no hang (a 60 s alarm,
far above the ~1 s a case takes), and on exit 2 exactly one stderr line, starting "Error: ",
that names the words the case lists (file, row or field). Valid JSON output is strict JSON
(no Infinity/NaN). Cases that could crash natively run in a subprocess so that a segfault
shows as exit -11 rather than killing pytest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from tests.hostile.corpus import GOOD_CSV, Case, all_cases

TIMEOUT_S = 60
CASES = all_cases()


def _strict(text: str) -> None:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name} in output")

    json.loads(text, parse_constant=refuse)


def _store_one_run(tmp_path: Path) -> None:
    log = tmp_path / "stored.csv"
    log.write_text(GOOD_CSV)
    res = CliRunner().invoke(cli, ["analyze", str(log), "--analyzers", "batch", "--json"])
    assert res.exit_code == 0, res.output


def _alarm(signum, frame):
    raise TimeoutError(f"case took more than {TIMEOUT_S} s")


def _run_in_process(argv: list[str]) -> tuple[int, str, str, BaseException | None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        res = CliRunner().invoke(cli, argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    exc = res.exception if not isinstance(res.exception, SystemExit) else None
    return res.exit_code, res.stdout, res.stderr, exc


def _run_subprocess(argv: list[str]) -> tuple[int, str, str, BaseException | None]:
    code = "from advisor.cli.main import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=os.environ.copy(),
    )
    return proc.returncode, proc.stdout, proc.stderr, None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Case, tmp_path, monkeypatch):
    if case.kind in ("invoice", "run id"):
        _store_one_run(tmp_path)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value.format(tmp=tmp_path))
    argv = case.build(tmp_path)
    run = _run_subprocess if case.subprocess else _run_in_process
    code, out, err, exc = run(argv)
    assert exc is None, f"traceback: {exc!r}"
    assert "Traceback" not in err
    assert code == case.expect, f"exit {code}, stderr: {err!r}"
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), err
        for word in case.mentions:
            assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    elif out.lstrip().startswith(("{", "[")):
        _strict(out)
    if case.check is not None:
        case.check(tmp_path, out, err)
