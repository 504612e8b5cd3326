"""`advisor shadow plan|judge|import` through click: what the user sees at each step."""

from __future__ import annotations

import json

from click.testing import CliRunner

from advisor.cli.main import cli
from tests.shadow.fakes import answer_all


def _run(*args):
    return CliRunner().invoke(cli, ["shadow", *args], catch_exceptions=False)


def test_the_three_steps_from_the_command_line(tmp_path, log_file):
    folder = tmp_path / "plan"
    res = _run(
        "plan",
        log_file,
        "--candidates",
        "gpt-4o-mini,claude-haiku-4-5",
        "--judge",
        "gpt-4.1",
        "--n",
        "30",
        "--out",
        str(folder),
        "--no-routing",
    )
    assert res.exit_code == 0, res.output
    assert "Sampled 30 of 240 distinct requests not yet labelled, in 2 strata (pairwise judging)." in res.stdout
    assert "You submit 2 batches in all, with your own keys" in res.stdout
    assert "at batch prices" in res.stdout and "$" in res.stdout
    assert "holds your requests' text" in res.stderr
    outputs = answer_all(folder / "batch1", tmp_path / "o1", lambda c, m, q: "an answer", fail={"s00001-c1"})
    res = _run("judge", str(folder), *map(str, outputs))
    assert res.exit_code == 0, res.output
    assert "First batch: 59 succeeded, 1 errored." in res.stdout
    assert "Judge batch: 59 requests to gpt-4.1" in res.stdout
    judge_out = answer_all(folder / "batch2", tmp_path / "o2", lambda c, m, q: "VERDICT: TIE")
    res = _run("import", str(folder), *map(str, judge_out), "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["judge_batch"]["succeeded"] == 59 and summary["first_batch"]["errored"] == 1
    assert summary["requests_labelled"] == 30 and (folder / "labels.csv").exists()


def test_a_candidate_without_a_batch_format_is_a_one_line_error(tmp_path, log_file):
    res = _run(
        "plan",
        log_file,
        "--candidates",
        "gemini-2.0-flash",
        "--judge",
        "gpt-4.1",
        "--out",
        str(tmp_path / "p"),
        "--no-routing",
    )
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "Candidate 'gemini-2.0-flash': provider 'google'" in res.stderr


def test_a_bad_output_file_is_a_one_line_error(tmp_path, log_file):
    folder = tmp_path / "plan"
    _run(
        "plan",
        log_file,
        "--candidates",
        "gpt-4o-mini",
        "--judge",
        "gpt-4.1",
        "--n",
        "5",
        "--out",
        str(folder),
        "--no-routing",
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "s00001-c1", "result": {"type": "expired"}}\n{oops\n')
    res = _run("judge", str(folder), str(bad))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "bad.jsonl, line 2: expected a JSON object" in res.stderr
    res = _run("import", str(tmp_path / "nowhere"), str(bad))
    assert res.exit_code == 2 and "manifest.json: not found" in res.stderr
