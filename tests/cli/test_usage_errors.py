"""click's own usage errors (a missing argument, a bad option value, an unknown option or
command) come out in the promised shape: one stderr line naming the command, the option or
argument and what was wrong, then the fix; exit status 2; never click's three-line usage block."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli

CASES = [
    (["analyze"], "advisor analyze", "LOGS", "give it"),
    (["analyze", "x.csv", "--sample-fraction", "abc"], "advisor analyze", "--sample-fraction", "kind named"),
    (["analyze", "x.csv", "--sample-fractio", "0.5"], "advisor analyze", "--sample-fraction", "suggested"),
    (["cost", "x.csv", "--no-such-flag"], "advisor cost", "--no-such-flag", "an option the command has"),
    (["runs", "show"], "advisor runs show", "RUN_ID", "give it"),
    (["no-such-command"], "advisor", "no-such-command", "correct the command line"),
]


@pytest.mark.parametrize(
    ("argv", "command", "names", "fix"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_a_usage_error_is_one_line_with_what_and_the_fix(argv, command, names, fix):
    res = CliRunner().invoke(cli, argv, prog_name="advisor")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    line = lines[0]
    assert line.startswith(f"Error: {command}: ") and names in line
    assert "Fix: " in line and fix in line.partition("Fix: ")[2] and f"`{command} --help`" in line
    assert "Usage:" not in res.output
