"""`advisor analyze`: driven through click's CliRunner on a small generated log."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.lab.synthetic import generate_log, write_sample


@pytest.fixture(scope="module")
def log_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "calls.csv"
    write_sample(generate_log(500, seed=5, days=3), path)
    return str(path)


def _invoke(*args):
    return CliRunner().invoke(cli, ["analyze", *args], catch_exceptions=False)


def test_json_output_is_pure_json_with_ranked_recommendations(log_file):
    res = _invoke(log_file, "--analyzers", "batch", "--json", "--no-store")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["findings"]["batch"]["name"] == "batch"
    ranks = [r["rank"] for r in data["recommendations"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert data["plan"]["quality_target"] == pytest.approx(0.95)


def test_terminal_report_and_files_are_written_and_the_run_is_stored(log_file, tmp_path):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    res = _invoke(log_file, "--analyzers", "batch", "--html", str(html), "--markdown", str(md))
    assert res.exit_code == 0, res.output
    assert "Recommendations" in res.stdout
    assert "Stored as run 1" in res.stderr
    assert "<html" in html.read_text().lower() and "Recommendations" in md.read_text()


def test_quality_target_flag_reaches_the_plan(log_file):
    res = _invoke(log_file, "--analyzers", "batch", "--json", "--no-store", "--quality-target", "0.9")
    assert json.loads(res.stdout)["plan"]["quality_target"] == pytest.approx(0.9)


def test_unreachable_quality_target_exits_2_with_the_binding_constraint(log_file):
    res = _invoke(log_file, "--analyzers", "batch", "--no-store", "--quality-target", "1.3")
    assert res.exit_code == 2
    assert "quality >= 1.30" in res.stderr and "is unreachable: the best plan reaches" in res.stderr


def test_quality_target_out_of_range_exits_2(log_file):
    res = _invoke(log_file, "--no-store", "--quality-target", "2")
    assert res.exit_code == 2
    assert "The '--quality-target' setting must be a number in (0, 1.5]" in res.stderr


def test_unknown_analyzer_exits_2_naming_the_known_ones(log_file):
    res = _invoke(log_file, "--no-store", "--analyzers", "batch,magic")
    assert res.exit_code == 2
    assert "'analyzers' setting must be a list drawn from cache, routing, batch, prompt, capacity" in res.stderr
    assert "'magic'" in res.stderr


def test_missing_log_file_exits_2(tmp_path):
    res = _invoke(str(tmp_path / "nope.csv"), "--no-store")
    assert res.exit_code == 2
    assert "nope.csv" in res.stderr


def test_bad_optimizer_setting_exits_2(log_file, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[optimizer]\nquality_target_kind = "sideways"\n')
    res = _invoke(log_file, "--no-store", "--analyzers", "batch", "--config", str(cfg))
    assert res.exit_code == 2
    assert 'The \'optimizer.quality_target_kind\' setting must be "relative" or "absolute"' in res.stderr


def test_bad_map_exits_2_with_an_example(log_file):
    res = _invoke(log_file, "--no-store", "--analyzers", "batch", "--map", "bogus")
    assert res.exit_code == 2
    assert "--map: expected pairs like schema_column=your_column" in res.stderr


def test_missing_embedding_model_folder_exits_2(log_file, tmp_path):
    res = _invoke(log_file, "--no-store", "--embedding-model", str(tmp_path / "nope"))
    assert res.exit_code == 2
    assert "must be a sentence-transformers model folder" in res.stderr


def test_missing_labels_file_exits_2(log_file, tmp_path):
    res = _invoke(log_file, "--no-store", "--labels", str(tmp_path / "labels.csv"))
    assert res.exit_code == 2
    assert "labels file not found" in res.stderr


@pytest.mark.parametrize("columns", ["80", "120"])
def test_terminal_report_fits_the_terminal_width(log_file, columns):
    res = CliRunner(env={"COLUMNS": columns}).invoke(
        cli, ["analyze", log_file, "--analyzers", "batch", "--no-store"], catch_exceptions=False
    )
    assert res.exit_code == 0, res.output
    assert max(len(line.rstrip()) for line in res.stdout.splitlines()) <= int(columns)
    assert "Details" in res.stdout


def test_batch_recommendation_names_the_eligible_tasks_in_text_and_json(log_file):
    res = _invoke(log_file, "--analyzers", "batch", "--json", "--no-store")
    data = json.loads(res.stdout)
    rec = next(r for r in data["recommendations"] if r["lever"] == "batch")
    assert rec["action"]["kinds"] == ["nightly_summary", "analytics"]
    assert (
        rec["title"] == f"Move the nightly_summary and analytics jobs ({rec['action']['share_of_calls']:.0%} of calls) "
        "to the batch API"
    )
    groups = data["findings"]["batch"]["eligible_groups"]
    assert sum(g["share_of_calls"] for g in groups) == pytest.approx(
        data["findings"]["batch"]["eligible_share_of_calls"]
    )


def test_analyze_a_conversation_sample_scales_figures_back_and_says_so(tmp_path):
    """--sample-fraction keeps whole conversations and the monthly figures stay near the full log's."""
    import json as _json
    from pathlib import Path as _Path

    from click.testing import CliRunner as _Runner

    from advisor.cli.main import cli as _cli

    log = _Path(__file__).resolve().parents[2] / "data" / "sample" / "customer_service.csv"
    args = ["analyze", str(log), "--no-store", "--json", "--analyzers", "batch,capacity"]
    full = _Runner().invoke(_cli, args)
    half = _Runner().invoke(_cli, args + ["--sample-fraction", "0.5"])
    assert full.exit_code == 0 and half.exit_code == 0, half.output
    full_d, half_d = _json.loads(full.stdout), _json.loads(half.stdout)
    assert half_d["baseline"]["sample_fraction"] < 1
    ratio = half_d["baseline"]["api_cost_per_month_usd"] / full_d["baseline"]["api_cost_per_month_usd"]
    assert 0.85 < ratio < 1.15
    assert any("sample" in w for w in half_d["warnings"])


def test_analyze_rejects_a_sample_fraction_outside_zero_one():
    from pathlib import Path as _Path

    from click.testing import CliRunner as _Runner

    from advisor.cli.main import cli as _cli

    log = _Path(__file__).resolve().parents[2] / "data" / "sample" / "customer_service.csv"
    result = _Runner().invoke(_cli, ["analyze", str(log), "--sample-fraction", "1.5"])
    assert result.exit_code == 2
    assert "sample" in result.stderr.lower()


def test_progress_without_a_terminal_is_a_plain_line_every_30_s_and_at_the_end():
    import io

    from advisor.cli.analyze import _line_progress

    now = [0.0]
    out = io.StringIO()
    update = _line_progress(out, every_s=30.0, clock=lambda: now[0])
    for t, done in [(0, 0), (10, 100), (31, 200), (45, 300), (70, 400), (80, 500), (81, 500)]:
        now[0] = float(t)
        update("embedding queries", done, 500)
    for t, done in [(82, 0), (83, 10)]:  # a quick stage: nothing
        now[0] = float(t)
        update("replay", done, 10)
    # 31 s (30 s after the start), 70 s (30 s after that), the end once; nothing else.
    assert out.getvalue().splitlines() == [
        "advisor: embedding queries 200/500 (31 s)",
        "advisor: embedding queries 400/500 (70 s)",
        "advisor: embedding queries 500/500 (80 s)",
    ]
