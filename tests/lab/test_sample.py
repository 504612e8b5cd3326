"""Tests of the sample generator (advisor/lab/synthetic) and the `advisor sample` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.core import schema as S
from advisor.core.errors import ConfigError
from advisor.core.paths import data_dir
from advisor.lab.synthetic import generate_log, prompt_cache_readable_tokens
from advisor.lab.synthetic.io import read_truth_calls
from advisor.lab.synthetic.traffic import azure_burst_ratios
from advisor.prices.catalog import load_prices

SERVED = "claude-sonnet-4-5"
CHEAP = ("claude-haiku-4-5", "gpt-4.1-mini")


@pytest.fixture(scope="module")
def log():
    return generate_log(4000, seed=7)


def _weekly_volumes(frame: pd.DataFrame) -> np.ndarray:
    chat = frame[frame[S.TASK] == "support_chat"]
    day = (chat[S.TIMESTAMP] - chat[S.TIMESTAMP].min().normalize()).dt.days
    return np.bincount(day // 7)[:3]  # the few turns spilling past the window's end left out


# --- determinism and shape -------------------------------------------------------------------


def test_same_seed_gives_identical_log_and_truth():
    a, b = generate_log(1500, seed=3), generate_log(1500, seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.truth.per_call, b.truth.per_call)
    assert a.truth.to_dict() == b.truth.to_dict()


def test_different_seeds_give_different_logs():
    a, b = generate_log(1500, seed=3), generate_log(1500, seed=4)
    assert not a.frame[S.QUERY].equals(b.frame[S.QUERY])


def test_log_has_exactly_the_requested_calls_in_schema_columns_sorted_by_time(log):
    f = log.frame
    assert len(f) == 4000
    assert isinstance(f.index, pd.RangeIndex)
    assert all(c in S.KNOWN or c.startswith(S.QUALITY_PREFIX) for c in f.columns)
    for col in S.REQUIRED + (
        S.PROVIDER,
        S.CONVERSATION_ID,
        S.TURN,
        S.USER_ID,
        S.QUERY,
        S.SYSTEM_TOKENS,
        S.HISTORY_TOKENS,
        S.CACHED_INPUT_TOKENS,
        S.LATENCY_CLASS,
        S.TASK,
        S.QUALITY,
        S.BUSINESS_UNIT,
    ):
        assert col in f.columns, col
    assert str(f[S.TIMESTAMP].dtype) == "datetime64[ns, UTC]"
    for col in S.INT_COLUMNS:
        assert f[col].dtype == np.int64, col
    assert f[S.TIMESTAMP].is_monotonic_increasing
    assert (f[S.MODEL] == SERVED).all() and (f[S.PROVIDER] == "anthropic").all()
    assert (f[S.CACHED_INPUT_TOKENS] == 0).all()
    assert f[S.QUALITY].isin([0.0, 1.0]).all()


def test_served_and_cheap_models_are_priced_in_the_catalog():
    catalog = load_prices(None)
    served = catalog.price(SERVED, "anthropic")
    assert (served.input_per_mtok_usd, served.output_per_mtok_usd) == (3.0, 15.0)
    for model, provider in zip(CHEAP, ("anthropic", "openai")):
        assert catalog.price(model, provider).input_per_mtok_usd < served.input_per_mtok_usd


def test_conversations_have_consecutive_turns_and_growing_history(log):
    chat = log.frame[log.frame[S.TASK] == "support_chat"].sort_values([S.CONVERSATION_ID, S.TURN])
    g = chat.groupby(S.CONVERSATION_ID)
    assert (g[S.TURN].transform(lambda t: np.array_equal(t.to_numpy(), np.arange(1, len(t) + 1)))).all()
    turns = g[S.TURN].max()
    assert 4.0 <= turns.mean() <= 6.0 and turns.max() <= 10
    user = chat[S.INPUT_TOKENS] - chat[S.SYSTEM_TOKENS] - chat[S.HISTORY_TOKENS]
    assert (user > 0).all()
    expected_history = (user + chat[S.OUTPUT_TOKENS]).groupby(chat[S.CONVERSATION_ID]).cumsum() - (
        user + chat[S.OUTPUT_TOKENS]
    )
    assert (chat[S.HISTORY_TOKENS] == expected_history).all()
    assert (chat.loc[chat[S.TURN] == 1, S.HISTORY_TOKENS] == 0).all()
    # Turns of a conversation come in time order, and its system prompt is fixed.
    assert g[S.TIMESTAMP].apply(lambda t: t.is_monotonic_increasing).all()
    assert (g[S.SYSTEM_TOKENS].nunique() == 1).all()
    assert chat[S.SYSTEM_TOKENS].between(500, 800).all()


def test_business_unit_only_on_last_call_of_a_chat(log):
    f = log.frame
    last = f.groupby(S.CONVERSATION_ID)[S.TURN].transform("max") == f[S.TURN]
    chat = f[S.TASK] == "support_chat"
    assert (f.loc[~(last & chat), S.BUSINESS_UNIT] == 0).all()
    assert 0.3 < f.loc[last & chat, S.BUSINESS_UNIT].mean() < 1.0


# --- texts ------------------------------------------------------------------------------------


def test_openings_are_real_clinc150_utterances_or_carry_an_entity(log):
    clinc = set(pd.read_csv(data_dir() / "clinc150" / "clinc150.csv")["text"])
    hidden = log.truth.per_call
    opening = (log.frame[S.TURN] == 1) & (log.frame[S.TASK] == "support_chat")
    plain = opening & (hidden["entity_kind"] == "")
    assert log.frame.loc[plain, S.QUERY].isin(clinc).all()
    with_entity = log.frame.loc[opening & (hidden["entity_kind"] != ""), S.QUERY]
    assert len(with_entity) > 0
    assert with_entity.str.contains(r"\d|@").all()
    assert 0.12 < log.truth.entity_share_of_first_turns < 0.28


def test_background_calls_have_no_query_text_and_chats_always_do(log):
    bg = log.frame[S.TASK] != "support_chat"
    assert log.frame.loc[bg, S.QUERY].isna().all()
    assert log.frame.loc[~bg, S.QUERY].notna().all()


# --- truth consistent with the frame ---------------------------------------------------------


def test_repeat_truth_matches_a_plain_recount(log):
    f, h = log.frame, log.truth.per_call
    seen: set[str] = set()
    repeat = np.zeros(len(f), dtype=bool)
    for i in range(len(f)):
        if f.at[i, S.TASK] != "support_chat" or f.at[i, S.TURN] != 1:
            continue
        if h.at[i, "is_oos"] or h.at[i, "entity_kind"]:
            continue
        repeat[i] = h.at[i, "intent"] in seen
        seen.add(h.at[i, "intent"])
    assert np.array_equal(repeat, h["true_repeat"].to_numpy())
    openings = ((f[S.TURN] == 1) & (f[S.TASK] == "support_chat")).sum()
    assert log.truth.repeat_share_of_first_turns == pytest.approx(repeat.sum() / openings)
    assert log.truth.repeat_share_of_calls == pytest.approx(repeat.mean())
    assert not h.loc[h["is_oos"], "true_repeat"].any()


def test_routable_truth_matches_true_outcomes_and_shadow_columns(log):
    f, h = log.frame, log.truth.per_call
    assert np.array_equal(f[S.QUALITY].to_numpy(), h["quality_true__" + SERVED].to_numpy())
    for m in CHEAP:
        routable = h["quality_true__" + m] >= h["quality_true__" + SERVED]
        assert log.truth.routable_share[m] == pytest.approx(routable.mean())
        shadow = f[S.QUALITY_PREFIX + m]
        assert np.array_equal(shadow.notna().to_numpy(), h["shadow_labelled"].to_numpy())
        assert (shadow.dropna() == h.loc[shadow.notna(), "quality_true__" + m]).all()
    assert 0.08 < log.truth.shadow_share < 0.16


def test_true_quality_depends_on_topic_complexity_and_turn(log):
    h, f = log.truth.per_call, log.frame
    chat = (f[S.TASK] == "support_chat") & ~h["is_oos"]
    for m in CHEAP:
        gap = h["p_good__" + SERVED] - h["p_good__" + m]
        simple, hard = chat & (h["complexity"] == 0), chat & (h["complexity"] == 1)
        assert gap[simple].max() == pytest.approx(0.0)
        assert gap[hard].mean() > 0.15
    p = h["p_good__" + SERVED]
    assert p[chat & (f[S.TURN] == 1)].mean() > p[chat & (f[S.TURN] >= 4)].mean()


def test_batch_truth_matches_task_and_catalog_costs(log):
    f, t = log.frame, log.truth
    tolerant = f[S.TASK].isin(["nightly_summary", "analytics"]).to_numpy()
    assert np.array_equal(tolerant, t.per_call["batch_tolerant"].to_numpy())
    assert t.batchable_share_of_calls == pytest.approx(tolerant.mean())
    cost = f[S.INPUT_TOKENS] * 3.0 / 1e6 + f[S.OUTPUT_TOKENS] * 15.0 / 1e6
    assert t.total_cost_usd == pytest.approx(cost.sum())
    assert t.batchable_share_of_cost == pytest.approx(cost[tolerant].sum() / cost.sum())
    assert t.batch_savings_share_of_cost == pytest.approx(0.5 * t.batchable_share_of_cost)


def _readable_by_loop(f: pd.DataFrame, ttl_s: float, min_prefix: int) -> np.ndarray:
    last_conv: dict[str, tuple[float, int]] = {}
    last_prompt: dict[tuple[str, int], float] = {}
    out = np.zeros(len(f), dtype=np.int64)
    for i in range(len(f)):
        t = f.at[i, S.TIMESTAMP].timestamp()
        conv, system = f.at[i, S.CONVERSATION_ID], int(f.at[i, S.SYSTEM_TOKENS])
        best = 0
        if conv in last_conv and t - last_conv[conv][0] <= ttl_s and last_conv[conv][1] >= min_prefix:
            best = last_conv[conv][1]
        key = (f.at[i, S.TASK], system)
        if key in last_prompt and t - last_prompt[key] <= ttl_s and system >= min_prefix:
            best = max(best, system)
        out[i] = best
        last_conv[conv] = (t, int(f.at[i, S.INPUT_TOKENS]))
        last_prompt[key] = t
    return out


@pytest.mark.parametrize("ttl_s,min_prefix", [(300.0, 1024), (300.0, 0), (60.0, 0)])
def test_prompt_cache_truth_matches_a_chronological_replay(log, ttl_s, min_prefix):
    f = log.frame
    fast = prompt_cache_readable_tokens(f, ttl_s=ttl_s, min_prefix_tokens=min_prefix)
    assert np.array_equal(fast, _readable_by_loop(f, ttl_s, min_prefix))
    assert (fast <= f[S.SYSTEM_TOKENS] + f[S.HISTORY_TOKENS]).all()


def test_prompt_cache_share_in_truth_is_readable_over_input_tokens(log):
    h, f = log.truth.per_call, log.frame
    share = h["prompt_cache_readable_tokens"].sum() / f[S.INPUT_TOKENS].sum()
    assert log.truth.prompt_cache_readable_share_of_input == pytest.approx(share)
    assert 0 < share < log.truth.prompt_cache_readable_share_of_input_no_minimum < 1


# --- traffic ----------------------------------------------------------------------------------


def test_growing_traffic_grows_week_over_week_and_stable_does_not():
    # Enough calls that week-to-week Poisson noise (~2 %) is well below the 8 % trend.
    growing = _weekly_volumes(generate_log(100_000, seed=1, days=21, traffic="growing", weekly_growth=0.08).frame)
    stable = _weekly_volumes(generate_log(100_000, seed=1, days=21).frame)
    g_growth = np.diff(growing) / growing[:-1]
    s_growth = np.diff(stable) / stable[:-1]
    assert (g_growth > 0.03).all()
    assert (np.abs(s_growth) < 0.05).all()


def test_step_traffic_shifts_level_at_midpoint_with_same_daily_shape():
    f = generate_log(60_000, seed=2, days=14, traffic="step", step_factor=1.6).frame
    chat = f[f[S.TASK] == "support_chat"]
    mid = chat[S.TIMESTAMP].min().normalize() + pd.Timedelta(days=7)
    first, second = (chat[S.TIMESTAMP] < mid).sum(), (chat[S.TIMESTAMP] >= mid).sum()
    assert 1.4 < second / first < 1.8
    hourly_first = np.bincount(chat.loc[chat[S.TIMESTAMP] < mid, S.TIMESTAMP].dt.hour, minlength=24)
    hourly_second = np.bincount(chat.loc[chat[S.TIMESTAMP] >= mid, S.TIMESTAMP].dt.hour, minlength=24)
    assert np.corrcoef(hourly_first, hourly_second)[0, 1] > 0.95


def test_chats_follow_the_diurnal_and_weekly_shape(log):
    chat = log.frame[log.frame[S.TASK] == "support_chat"]
    hours = np.bincount(chat[S.TIMESTAMP].dt.hour, minlength=24)
    assert hours[9:17].sum() > 4 * hours[0:6].sum()
    weekday = chat[S.TIMESTAMP].dt.dayofweek
    per_day = chat.groupby(chat[S.TIMESTAMP].dt.date).size()
    weekend = per_day[[pd.Timestamp(d).dayofweek >= 5 for d in per_day.index]].mean()
    weekdays = per_day[[pd.Timestamp(d).dayofweek < 5 for d in per_day.index]].mean()
    assert weekend < 0.8 * weekdays and weekday.nunique() == 7


def test_background_tasks_arrive_at_night_in_bursts_with_their_latency_class(log):
    f = log.frame
    for task, latency in [("nightly_summary", "background"), ("analytics", "analytics"), ("support_chat", "realtime")]:
        assert (f.loc[f[S.TASK] == task, S.LATENCY_CLASS] == latency).all()
    bg = f[f[S.TASK] != "support_chat"]
    assert len(bg) == round(0.12 * len(f))
    assert bg[S.TIMESTAMP].dt.hour.between(0, 4).all()
    # Bursts: the median gap between consecutive background calls is seconds, not minutes.
    assert bg[S.TIMESTAMP].diff().dt.total_seconds().median() < 5


def test_azure_burst_ratios_have_mean_one_and_real_dispersion():
    r = azure_burst_ratios()
    assert r.mean() == pytest.approx(1.0)
    assert len(r) == 119 and r.std() > 0.05


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,text",
    [
        ({"n_calls": 0}, "The 'n_calls' setting must be an integer >= 1. Got 0 instead."),
        ({"n_calls": 10, "traffic": "wavy"}, "The 'traffic' setting must be one of stable, growing, step."),
        ({"n_calls": 10, "start": "soon"}, "The 'start' setting must be an ISO date"),
        ({"n_calls": 10, "shadow_share": 1.5}, "The 'shadow_share' setting must be a share from 0 to 1."),
        ({"n_calls": 10, "colour": "red"}, "The 'colour' setting must be one of n_calls"),
    ],
)
def test_bad_settings_raise_config_error_naming_the_setting(kwargs, text):
    n = kwargs.pop("n_calls")
    with pytest.raises(ConfigError, match=text.replace("(", r"\(").replace(")", r"\)")):
        generate_log(n, **kwargs)


def test_tiny_logs_still_have_exact_counts():
    for n in (1, 2, 9):
        assert len(generate_log(n, seed=0, days=1).frame) == n


# --- CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["log.csv", "log.jsonl.gz", "log.parquet", "log.csv.gz"])
def test_cli_writes_log_and_truth_that_read_back_equal(tmp_path, name):
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["sample", "--calls", "600", "--out", str(out), "--seed", "5", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "Wrote 600 calls" in result.output
    expected = generate_log(600, seed=5, days=7)
    if name.endswith(".parquet"):
        back = pd.read_parquet(out)
    elif ".csv" in name:
        back = pd.read_csv(out)
    else:
        back = pd.read_json(out, lines=True)
    assert len(back) == 600
    ts = pd.to_datetime(back[S.TIMESTAMP], utc=True)
    assert (ts.to_numpy() == expected.frame[S.TIMESTAMP].to_numpy()).all()
    assert (back[S.INPUT_TOKENS].to_numpy() == expected.frame[S.INPUT_TOKENS].to_numpy()).all()
    truth_json = tmp_path / (name.split(".")[0] + ".truth.json")
    summary = json.loads(truth_json.read_text())
    assert summary["repeat_share_of_first_turns"] == pytest.approx(expected.truth.repeat_share_of_first_turns)
    calls = read_truth_calls(truth_json)
    assert list(calls[S.CONVERSATION_ID]) == list(expected.frame[S.CONVERSATION_ID])


def test_cli_truth_option_names_the_truth_files(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "sample",
            "--calls",
            "200",
            "--out",
            str(tmp_path / "a.csv"),
            "--truth",
            str(tmp_path / "t.json"),
            "--traffic",
            "growing",
            "--weekly-growth",
            "0.09",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.json").exists() and (tmp_path / "t.calls.parquet").exists()
    settings = json.loads((tmp_path / "t.json").read_text())["settings"]
    assert (settings["traffic"], settings["weekly_growth"]) == ("growing", 0.09)


@pytest.mark.parametrize(
    "args,text",
    [
        (["--calls", "0"], "Invalid value for '--calls': 0 is not in the range x>=1."),
        (["--calls", "10", "--days", "0"], "Invalid value for '--days'"),
        (["--calls", "10", "--traffic", "wavy"], "Invalid value for '--traffic'"),
        (["--calls", "10", "--shadow-share", "2"], "Invalid value for '--shadow-share'"),
        (
            ["--calls", "10", "--step-factor", "0"],
            "The 'step_factor' setting must be a number above 0 and below 100. Got 0.0",
        ),
        (
            ["--calls", "10", "--start", "soon"],
            "The 'start' setting must be an ISO date such as \"2026-10-01\". Got 'soon'",
        ),
    ],
)
def test_cli_bad_arguments_exit_2_with_a_clear_message(tmp_path, args, text):
    result = CliRunner().invoke(cli, ["sample", "--out", str(tmp_path / "a.csv"), *args])
    assert result.exit_code == 2
    assert text in result.output


def test_cli_unknown_extension_exits_2_naming_the_file(tmp_path):
    result = CliRunner().invoke(cli, ["sample", "--calls", "10", "--out", str(tmp_path / "a.txt")])
    assert result.exit_code == 2
    assert (
        "a.txt: expected a file name ending in .csv, .csv.gz, .jsonl, .jsonl.gz, .parquet, found 'a.txt'"
        in result.output
    )
    assert not (tmp_path / "a.txt").exists()


def test_cli_missing_folder_and_bad_truth_name_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["sample", "--calls", "10", "--out", str(tmp_path / "no" / "a.csv")])
    assert result.exit_code == 2 and "expected an existing folder" in result.output
    result = CliRunner().invoke(
        cli, ["sample", "--calls", "10", "--out", str(tmp_path / "a.csv"), "--truth", str(tmp_path / "t.txt")]
    )
    assert result.exit_code == 2 and "expected a truth file name ending in .json, found 't.txt'" in result.output


# --- shipped data -----------------------------------------------------------------------------


def test_shipped_sample_is_the_seed_0_log_with_its_truth():
    path = data_dir() / "sample" / "customer_service.csv"
    shipped = pd.read_csv(path)
    fresh = generate_log(20000, seed=0)
    assert len(shipped) == 20000
    assert (shipped[S.CONVERSATION_ID].to_numpy() == fresh.frame[S.CONVERSATION_ID].to_numpy()).all()
    assert (shipped[S.OUTPUT_TOKENS].to_numpy() == fresh.frame[S.OUTPUT_TOKENS].to_numpy()).all()
    truth = json.loads((data_dir() / "sample" / "customer_service.truth.json").read_text())
    assert truth["batchable_share_of_calls"] == pytest.approx(fresh.truth.batchable_share_of_calls)
    assert truth["routable_share"] == pytest.approx(fresh.truth.routable_share)
    assert truth["prompt_cache_readable_share_of_input"] == pytest.approx(
        fresh.truth.prompt_cache_readable_share_of_input
    )


@pytest.mark.parametrize("name", ["log.csv.gz", "log.jsonl", "log.parquet"])
def test_written_sample_loads_through_ingest_with_rows_aligned_to_the_truth(tmp_path, name):
    from advisor.ingest import load_log

    out = tmp_path / name
    assert CliRunner().invoke(cli, ["sample", "--calls", "800", "--out", str(out), "--seed", "2"]).exit_code == 0
    loaded = load_log([str(out)])
    calls = read_truth_calls(tmp_path / "log.truth.json")
    assert loaded.n_calls == 800 and loaded.warnings == ()
    assert (loaded.frame[S.CONVERSATION_ID].to_numpy() == calls[S.CONVERSATION_ID].to_numpy()).all()
    assert (loaded.frame[S.TURN].to_numpy() == calls[S.TURN].to_numpy()).all()
    assert sorted(loaded.quality_models()) == sorted(CHEAP)
