"""Batch analyzer: eligibility rules, pricing, interval, skips and config errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.analyzers import AnalysisContext
from advisor.analyzers.batch import BatchSettings, analyze_batch
from advisor.core import schema as S
from advisor.core.config import Config, load_config, settings
from advisor.core.errors import ConfigError
from advisor.cost.baseline import compute_baseline
from advisor.prices.catalog import load_prices

AS_OF = {"prices": {"as_of": "2026-10-01"}}


def _log(classes, tasks=None, *, days=8, model="gpt-4o", provider="openai", is_batch=None):
    n = len(classes)
    ts = pd.Timestamp("2026-10-01", tz="UTC") + pd.to_timedelta(np.linspace(0, days * 86400 - 1, n), unit="s")
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: ts,
            S.MODEL: model,
            S.PROVIDER: provider,
            S.INPUT_TOKENS: np.full(n, 1000, dtype=np.int64),
            S.OUTPUT_TOKENS: np.full(n, 200, dtype=np.int64),
            S.LATENCY_CLASS: pd.array(classes, dtype="string"),
        }
    )
    if tasks is not None:
        frame[S.TASK] = pd.array(tasks, dtype="string")
    if is_batch is not None:
        frame[S.IS_BATCH] = is_batch
    return S.QueryLog(frame=frame, sources=("test.csv",))


def _run(log, **batch):
    config = Config(sections={**AS_OF, "batch": batch})
    prices = load_prices(config)
    return analyze_batch(log, compute_baseline(log, prices, config), AnalysisContext(config=config, prices=prices))


def test_latency_class_background_calls_are_eligible_and_priced_at_catalog_batch_rate():
    log = _log(["realtime"] * 6 + ["background"] * 3 + ["analytics"])
    f = _run(log)
    assert f.eligible_share_of_calls == pytest.approx(0.4)
    assert f.eligible_share_of_cost == pytest.approx(0.4)  # equal-sized calls
    assert f.per_call_eligible.tolist() == [False] * 6 + [True] * 4
    # genai-prices has no batch price for gpt-4o: the saving is the default half of the eligible cost.
    assert f.price_sources == {"gpt-4o": "default 50 %"}
    assert f.monthly_savings_usd == pytest.approx(0.5 * f.eligible_cost_per_month_usd)
    assert f.added_latency_max_hours == 24.0
    assert f.savings_interval_usd[0] <= f.monthly_savings_usd <= f.savings_interval_usd[1]
    assert f.interval_unit == "day"


def test_batch_prices_from_overrides_are_used_and_named():
    log = _log(["background"] * 4)
    config = Config(
        sections={
            "prices": {"as_of": "2026-10-01", "gpt-4o": {"provider": "openai", "batch_input": 0.5, "batch_output": 2.0}}
        }
    )
    prices = load_prices(config)
    f = analyze_batch(log, compute_baseline(log, prices, config), AnalysisContext(config=config, prices=prices))
    assert f.price_sources == {"gpt-4o": "override"}
    # per call: list 1000 x 2.5 + 200 x 10 = 4500 micro-USD; batch 1000 x 0.5 + 200 x 2 = 900.
    expected = 4 * (4500 - 900) / 1e6 * f.eligible_calls_per_month / 4
    assert f.monthly_savings_usd == pytest.approx(expected)
    assert not any("50 %" in w for w in f.warnings)


def test_user_rules_by_task_name_pattern_and_hour_add_eligible_calls():
    classes = ["realtime"] * 8
    tasks = ["chat", "chat", "Nightly_Report", "/jobs/export", "/jobs/sync", "chat", "chat", "chat"]
    log = _log(classes, tasks)
    f = _run(log, tasks=["nightly_report"], task_pattern="^/jobs/")
    assert f.per_call_eligible.tolist() == [False, False, True, True, True, False, False, False]
    assert [r.rule for r in f.rules] == ["task = nightly_report", "task matches /^/jobs//"]
    hour0 = log.frame[S.TIMESTAMP].dt.hour.to_numpy() == 0
    f2 = _run(log, hours=[0])
    assert f2.per_call_eligible.tolist() == hour0.tolist()


def test_calls_already_batched_are_not_counted_again():
    log = _log(["background"] * 4, is_batch=[True, False, False, False])
    f = _run(log)
    assert f.per_call_eligible.tolist() == [False, True, True, True]
    assert f.already_batched_share_of_calls == pytest.approx(0.25)
    assert any("already went through a batch API" in w for w in f.warnings)


def test_model_without_catalog_batch_price_uses_default_half_price_and_says_so():
    log = _log(["background"] * 4, model="my-model", provider="custom")
    config = Config(
        sections={
            **AS_OF,
            "prices": {"as_of": "2026-10-01", "my-model": {"provider": "custom", "input": 2.0, "output": 8.0}},
        }
    )
    prices = load_prices(config)
    f = analyze_batch(log, compute_baseline(log, prices, config), AnalysisContext(config=config, prices=prices))
    assert f.price_sources == {"my-model": "default 50 %"}
    assert f.monthly_savings_usd == pytest.approx(0.5 * f.eligible_cost_per_month_usd)
    assert any("50 % batch discount" in w for w in f.warnings)


def test_log_without_latency_class_or_rules_is_skipped_with_reason():
    log = _log(["realtime"] * 3)
    frame = log.frame.drop(columns=[S.LATENCY_CLASS])
    f = _run(S.QueryLog(frame=frame, sources=("x.csv",)))
    assert f.skipped_reason and "latency_class" in f.skipped_reason
    assert f.per_call_eligible.shape == (3,)
    assert "per_call_eligible" not in f.to_dict()


def test_task_rules_without_task_column_are_skipped_with_reason():
    f = _run(_log(["realtime"] * 3), tasks=["nightly"])
    assert f.skipped_reason and "no task column" in f.skipped_reason


def test_short_log_resamples_conversations_for_the_interval():
    log = _log(["background"] * 10, days=1)
    frame = log.frame.assign(**{S.CONVERSATION_ID: [f"c{i // 2}" for i in range(10)]})
    f = _run(S.QueryLog(frame=frame, sources=("x.csv",)))
    assert f.interval_unit == "conversation"


@pytest.mark.parametrize(
    "raw, text",
    [
        ({"hours": [25]}, "The 'batch.hours' setting must be a list of UTC hours from 0 to 23. Got 25 instead."),
        ({"task_pattern": "("}, "The 'batch.task_pattern' setting must be a valid regular expression"),
        ({"completion_window_hours": 0}, "The 'batch.completion_window_hours' setting must be"),
        ({"tolerant": ["x"]}, "The 'batch.tolerant' setting is unknown."),
    ],
)
def test_bad_batch_settings_are_config_errors(raw, text):
    with pytest.raises(ConfigError, match=None) as exc:
        settings(Config(sections={"batch": raw}), "batch", BatchSettings)
    assert text in str(exc.value)


def test_bad_batch_setting_in_a_config_file_exits_2_with_the_message(tmp_path):
    """The CLI turns the ConfigError into one line and exit code 2."""
    import click

    from advisor.cli.main import AdvisorGroup

    path = tmp_path / "c.toml"
    path.write_text("[batch]\nhours = [30]\n")

    @click.group(cls=AdvisorGroup)
    def group():
        pass

    @group.command()
    def check():
        settings(load_config(path), "batch", BatchSettings)

    result = CliRunner().invoke(group, ["check"])
    assert result.exit_code == 2
    assert "The 'batch.hours' setting must be a list of UTC hours from 0 to 23. Got 30 instead." in result.output


def test_generated_log_batch_share_matches_the_generator_truth():
    from advisor.lab.synthetic import generate_log

    sample = generate_log(2000, seed=3, days=7)
    f = _run(S.QueryLog(frame=sample.frame, sources=("gen",)))
    assert f.eligible_share_of_calls == pytest.approx(sample.truth.batchable_share_of_calls, rel=0.02)
    assert f.eligible_share_of_cost == pytest.approx(sample.truth.batchable_share_of_cost, rel=0.02)


def test_missing_provider_values_fall_back_to_the_model_name():
    log = _log(["background"] * 2)
    frame = log.frame.assign(**{S.PROVIDER: np.array([None, None], dtype=object)})
    f = _run(S.QueryLog(frame=frame, sources=("x.csv",)))
    assert f.price_sources == {"gpt-4o": "default 50 %"}


def test_eligible_calls_are_grouped_by_task_and_latency_class_largest_first():
    log = _log(
        ["realtime"] * 5 + ["background"] * 3 + ["analytics"] * 2,
        tasks=["chat"] * 5 + ["nightly_summary"] * 3 + ["analytics"] * 2,
    )
    f = _run(log)
    assert [(g.task, g.latency_class, g.n_calls) for g in f.eligible_groups] == [
        ("nightly_summary", "background", 3),
        ("analytics", "analytics", 2),
    ]
    assert [g.share_of_calls for g in f.eligible_groups] == pytest.approx([0.3, 0.2])
    assert [g.share_of_eligible for g in f.eligible_groups] == pytest.approx([0.6, 0.4])
    assert f.to_dict()["eligible_groups"][0] == {
        "task": "nightly_summary",
        "latency_class": "background",
        "n_calls": 3,
        "share_of_calls": pytest.approx(0.3),
        "share_of_eligible": pytest.approx(0.6),
        "label": "nightly_summary",
    }


def test_eligible_groups_without_a_task_column_are_labelled_by_latency_class():
    f = _run(_log(["realtime"] * 2 + ["background"] * 2))
    assert [(g.label, g.task, g.n_calls) for g in f.eligible_groups] == [("background", None, 2)]


def test_no_eligible_call_gives_no_groups():
    assert _run(_log(["realtime"] * 4)).eligible_groups == ()


def test_a_log_with_a_task_column_is_asked_for_its_tasks_not_for_a_task_column():
    log = _log(["realtime"] * 3, tasks=["support", "ticket_summary", "support"])
    f = _run(S.QueryLog(frame=log.frame.drop(columns=[S.LATENCY_CLASS]), sources=("x.csv",)))
    assert f.skipped_reason is not None
    assert "map a latency or task column" not in f.skipped_reason
    assert "[batch] tasks" in f.skipped_reason and "'ticket_summary'" in f.skipped_reason
