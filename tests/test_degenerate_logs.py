"""Degenerate logs give sensible answers, not crashes.

Each case is a small log cut from the shipped sample and bent into one corner: one model, no
timestamps, every query identical, one conversation, one row, no text, all calls in one
minute. The whole pipeline runs (fake embedder); the result must be finite, savings must be
non-negative with ordered intervals, and no analyzer may fail (the pipeline would turn a
crash into a "failed" warning, which would hide it).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.core.config import Config
from advisor.core.errors import InputError
from advisor.core.paths import data_dir
from advisor.embed import FakeEmbedder
from advisor.pipeline import run_analysis

SAMPLE = data_dir() / "sample" / "customer_service.csv"
N_ROWS = 200


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    """The first calls of the shipped sample, exactly as text (one model: claude-sonnet-4-5).

    Without the shadow-label columns: fitting the routing classifier on them costs more time
    than the rest of the pipeline, and degenerate label sets are the routing tests' business.
    """
    f = pd.read_csv(SAMPLE, nrows=N_ROWS, dtype=str, keep_default_na=False)
    return f.drop(columns=[c for c in f.columns if c.startswith("quality__")])


_RESULTS: dict[str, object] = {}


@pytest.fixture(scope="module")
def analysed(base, tmp_path_factory):
    """case name -> AnalysisResult, each case analysed once for all the tests that look at it."""

    def get(case: str):
        if case not in _RESULTS:
            path = _write(CASES[case](base.copy()), tmp_path_factory.mktemp(case), case)
            _RESULTS[case] = run_analysis([path], Config(), embedder=FakeEmbedder())
        return _RESULTS[case]

    return get


def _one_model(f: pd.DataFrame) -> pd.DataFrame:
    assert f["model"].nunique() == 1
    return f


def _identical_queries(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(query="where is my order")


def _single_conversation(f: pd.DataFrame) -> pd.DataFrame:
    f = f[f["conversation_id"] == f["conversation_id"].iloc[0]]
    assert len(f) > 1
    return f


def _one_conversation_id_for_all(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(conversation_id="conv-1", turn=[str(i) for i in range(1, len(f) + 1)])


def _single_row(f: pd.DataFrame) -> pd.DataFrame:
    return f.iloc[:1]


def _no_text(f: pd.DataFrame) -> pd.DataFrame:
    return f.drop(columns=["query"])


def _one_minute(f: pd.DataFrame) -> pd.DataFrame:
    ts = pd.Timestamp("2026-10-01T12:00:00Z") + pd.to_timedelta(np.linspace(0, 59.9, len(f)), unit="s")
    return f.assign(timestamp=ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _same_instant(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(timestamp="2026-10-01T12:00:00Z")


def _no_quality(f: pd.DataFrame) -> pd.DataFrame:
    return f.drop(columns=[c for c in f.columns if c.startswith("quality")])


def _only_required(f: pd.DataFrame) -> pd.DataFrame:
    return f[["timestamp", "model", "input_tokens", "output_tokens"]]


def _zero_output(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(output_tokens="0")


CASES = {
    "one_model": _one_model,
    "identical_queries": _identical_queries,
    "single_conversation": _single_conversation,
    "one_conversation_id_for_all": _one_conversation_id_for_all,
    "single_row": _single_row,
    "no_text_column": _no_text,
    "all_calls_in_one_minute": _one_minute,
    "all_calls_at_one_instant": _same_instant,
    "no_quality_columns": _no_quality,
    "only_required_columns": _only_required,
    "zero_output_tokens": _zero_output,
}


def _write(frame: pd.DataFrame, tmp_path, name: str):
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def _non_finite(value, where="") -> list[str]:
    """Paths of NaN / inf floats in a nested dict/list (before the pipeline's NaN -> null pass)."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [where]
    if isinstance(value, np.floating):
        return [] if np.isfinite(value) else [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite(v, f"{where}.{k}")]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in _non_finite(v, f"{where}[{i}]")]
    return []


@pytest.mark.parametrize("case", list(CASES))
def test_degenerate_log_gives_a_finite_non_negative_result(case, analysed):
    result = analysed(case)

    failed = [w for w in result.warnings if "analyzer failed" in w or "could not run" in w]
    assert failed == []
    raw = {
        "baseline": result.baseline.to_dict(),
        "findings": {n: f.to_dict() for n, f in result.findings.items()},
        "plan": result.plan.to_dict() if result.plan is not None else None,
        "recommendations": [r.to_dict() for r in result.recommendations],
    }
    assert _non_finite(raw) == []
    json.dumps(result.to_dict(), allow_nan=False)

    assert result.baseline.api_cost_per_month_usd >= 0
    for name, f in result.findings.items():
        low, high = f.savings_interval_usd
        assert f.monthly_savings_usd >= 0, name
        assert low <= high, name
    for r in result.recommendations:
        assert r.monthly_savings_usd >= 0
        assert r.savings_interval_usd[0] <= r.savings_interval_usd[1]


def test_no_text_column_skips_the_text_analyzers_with_a_warning(analysed):
    result = analysed("no_text_column")
    cache = result.findings.get("cache")
    assert cache is not None and cache.skipped_reason
    assert cache.monthly_savings_usd == 0
    assert any(w.startswith("The cache analyzer was skipped:") for w in result.warnings)


def test_identical_queries_are_exact_cache_hits_apart_from_the_first(analysed):
    cache = analysed("identical_queries").findings["cache"]
    assert cache.skipped_reason is None
    # Every cacheable call but the first repeats an earlier query word for word.
    assert cache.exact_hit_rate > 0
    assert cache.exact_hit_rate == pytest.approx(cache.cacheable_share * (1 - 1 / (cache.cacheable_share * N_ROWS)))
    # Savings may still be 0: at 200 calls the store's monthly cost exceeds them; then it says so.
    if cache.monthly_savings_usd == 0:
        assert any("own cost exceeds" in w for w in cache.warnings)


def test_a_single_row_scales_with_a_warning(analysed):
    result = analysed("single_row")
    assert result.log.n_calls == 1
    assert any("hours" in w and "monthly figures stretch" in w for w in result.warnings)


def test_a_log_without_timestamps_is_a_clean_error_naming_the_fix(base, tmp_path):
    path = _write(base.drop(columns=["timestamp"]), tmp_path, "no_ts")
    with pytest.raises(InputError) as exc:
        run_analysis([path], Config(), embedder=FakeEmbedder())
    assert str(exc.value).startswith(f"{path}, column 'timestamp': expected a timestamp column")
    assert "Map the column with --map timestamp=<your column>." in str(exc.value)


def test_a_log_without_timestamps_is_exit_2_on_the_command_line(base, tmp_path):
    path = _write(base.drop(columns=["timestamp"]), tmp_path, "no_ts")
    r = CliRunner().invoke(cli, ["analyze", str(path), "--json", "--no-store"])
    assert r.exit_code == 2
    assert r.output.strip().startswith(f"Error: {path}, column 'timestamp': expected a timestamp column")
    assert "Traceback" not in r.output


@pytest.mark.parametrize("case", ["single_row"])
def test_degenerate_logs_exit_0_on_the_command_line(case, base, tmp_path, monkeypatch):
    import advisor.embed

    monkeypatch.setattr(advisor.embed, "default_embedder", lambda *a, **k: FakeEmbedder())
    path = _write(CASES[case](base.copy()), tmp_path, case)
    r = CliRunner().invoke(cli, ["analyze", str(path), "--json", "--no-store"])
    assert r.exit_code == 0, r.output[-2000:]
    json.loads(r.stdout)
