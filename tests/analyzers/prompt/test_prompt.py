"""Prompt analyzer: composition, prompt-cache replay by hand, summarization cost, skips and config errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers import AnalysisContext
from advisor.analyzers.prompt.analyzer import PromptSettings, analyze_prompt
from advisor.analyzers.prompt.caching import profile_for, replay_prompt_cache
from advisor.core import schema as S
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError
from advisor.cost.baseline import compute_baseline
from advisor.prices.catalog import load_prices

T0 = pd.Timestamp("2026-10-01", tz="UTC")


def _chat(
    gaps_s,
    *,
    system=1200,
    user=100,
    output=200,
    conv="c1",
    model="claude-sonnet-4-5",
    provider="anthropic",
    start_s=0.0,
):
    """One conversation: turn t's prompt = system + all earlier turns (user + output) + its user message."""
    n = len(gaps_s)
    ts = T0 + pd.to_timedelta(start_s + np.cumsum(gaps_s), unit="s")
    history = np.arange(n) * (user + output)
    return pd.DataFrame(
        {
            S.TIMESTAMP: ts,
            S.MODEL: model,
            S.PROVIDER: provider,
            S.CONVERSATION_ID: conv,
            S.TURN: np.arange(1, n + 1),
            S.INPUT_TOKENS: system + history + user,
            S.OUTPUT_TOKENS: np.full(n, output),
            S.SYSTEM_TOKENS: np.full(n, system),
            S.HISTORY_TOKENS: history,
            S.TASK: "chat",
            S.QUERY: pd.array(["hello there"] * n, dtype="string"),
        }
    )


def _log(*frames):
    frame = pd.concat(frames).sort_values(S.TIMESTAMP, kind="stable").reset_index(drop=True)
    return S.QueryLog(frame=frame, sources=("t.csv",))


def _run(log, **prompt):
    config = Config(sections={"prices": {"as_of": "2026-10-01"}, "prompt": prompt})
    prices = load_prices(config)
    return analyze_prompt(log, compute_baseline(log, prices, config), AnalysisContext(config=config, prices=prices))


def test_replay_reads_the_previous_prompt_within_the_ttl_and_writes_the_rest():
    # Prompts: 1300, 1600, 1900 tokens; gaps 0, 60 s, 400 s (> 5 min TTL).
    frame = _chat([0, 60, 400]).reset_index(drop=True)
    prof = profile_for("anthropic")
    rep = replay_prompt_cache(frame, frame[S.SYSTEM_TOKENS].to_numpy(), frame[S.HISTORY_TOKENS].to_numpy(), prof)
    # Turn 2 reads turn 1's whole prompt (1300 <= its static prefix 1200 + 300); turn 3 is too late,
    # but nobody else used the system prompt either.
    assert rep.read_tokens.tolist() == [0, 1300, 0]
    assert rep.write_tokens.tolist() == [1300, 300, 1900]


def test_replay_shares_a_long_system_prompt_across_conversations_and_honours_the_minimum():
    a = _chat([0], conv="a")
    b = _chat([0], conv="b", start_s=100)
    frame = pd.concat([a, b]).reset_index(drop=True)
    sys_, hist = frame[S.SYSTEM_TOKENS].to_numpy(), frame[S.HISTORY_TOKENS].to_numpy()
    assert replay_prompt_cache(frame, sys_, hist, profile_for("anthropic")).read_tokens.tolist() == [0, 1200]
    # A 2,000-token minimum makes the 1,200-token system prompt uncacheable.
    high = profile_for("anthropic", min_prefix_tokens=2000)
    assert replay_prompt_cache(frame, sys_, hist, high).read_tokens.tolist() == [0, 0]


def test_openai_profile_counts_reads_in_128_token_steps_without_write_premium():
    frame = _chat([0, 60], system=1100).reset_index(drop=True)  # turn 1 prompt: 1200 tokens
    rep = replay_prompt_cache(
        frame, frame[S.SYSTEM_TOKENS].to_numpy(), frame[S.HISTORY_TOKENS].to_numpy(), profile_for("openai")
    )
    assert rep.read_tokens.tolist() == [0, 1024 + 128]
    assert rep.write_tokens.tolist() == [0, 0]


def test_caching_savings_follow_the_catalog_cached_price_and_write_premium_by_hand():
    log = _log(_chat([0, 60, 60]))
    f = _run(log)
    # claude-sonnet-4-5: input $3/Mtok, cached $0.30. Reads 1300 + 1600; writes 1300 + 300 + 300.
    per_token = 3.0 / 1e6
    expected = (1300 + 1600) * (3.0 - 0.3) / 1e6 - (1300 + 300 + 300) * 0.25 * per_token
    assert f.per_call_cache_savings_usd.sum() == pytest.approx(expected)
    assert f.prompt_caching["profiles"]["anthropic"]["write_multiplier"] == 1.25
    assert f.recommended == "prompt_caching"
    assert f.monthly_savings_usd == pytest.approx(
        expected
        * compute_baseline(
            log, load_prices(Config(sections={"prices": {"as_of": "2026-10-01"}})), Config()
        ).monthly_factor
    )


def test_composition_from_columns_and_derived_from_conversation_order_agree():
    frame = _chat([0, 30, 30, 30], user=2)  # "hello there" is 2 tokens in o200k_base
    by_columns = _run(_log(frame)).composition
    derived = _run(_log(frame.drop(columns=[S.SYSTEM_TOKENS, S.HISTORY_TOKENS]))).composition
    assert by_columns.source == "columns"
    assert derived.source.startswith("derived")
    assert derived.history_tokens == by_columns.history_tokens == (0 + 202 + 404 + 606)
    # The system prompt is the first prompt minus the counted user message.
    assert derived.system_tokens == by_columns.system_tokens == 4 * 1200


def test_summarization_saves_old_history_minus_the_cost_of_writing_summaries():
    frame = _chat([0] + [30] * 7, system=100)  # 8 turns, each adds 300 tokens of history
    f = _run(_log(frame), summarize_after_turns=2, summary_ratio=0.2)
    # Turn t (1-based) has 300 (t-1) tokens of history; older than 2 turns: 300 (t-3) for t >= 4.
    older = np.array([0, 0, 0, 300, 600, 900, 1200, 1500])
    saved = (older * 0.8).sum() * 3.0 / 1e6
    grown = np.diff(np.r_[0, older])
    summary_in = np.where(grown > 0, grown + 0.2 * np.r_[0, older[:-1]], 0).sum()
    summary_out = (0.2 * older).sum()
    cost = summary_in * 3.0 / 1e6 + summary_out * 15.0 / 1e6
    assert f.per_call_summary_savings_usd.sum() == pytest.approx(saved - cost)
    assert f.summarization["input_token_reduction_share"] == pytest.approx(
        (older * 0.8).sum() / frame[S.INPUT_TOKENS].sum()
    )


def test_log_without_conversations_or_system_tokens_is_skipped_with_reason():
    frame = _chat([0, 30]).drop(columns=[S.CONVERSATION_ID, S.SYSTEM_TOKENS, S.HISTORY_TOKENS])
    f = _run(S.QueryLog(frame=frame, sources=("x.csv",)))
    assert f.skipped_reason and "conversation_id" in f.skipped_reason
    json.dumps(f.to_dict())


def test_big_system_prompt_share_is_reported_without_savings():
    f = _run(_log(_chat([0, 30], system=5000)))
    assert f.system_share_of_input > 0.3
    assert any("no savings are claimed" in w for w in f.warnings)


@pytest.mark.parametrize(
    "raw, text",
    [
        ({"summary_ratio": 1.5}, "The 'prompt.summary_ratio' setting must be a fraction in (0, 1), e.g. 0.25. Got 1.5"),
        ({"cache_profile": "google"}, "The 'prompt.cache_profile' setting must be one of auto, anthropic, openai."),
        ({"summarize_after_turns": 0}, "The 'prompt.summarize_after_turns' setting must be an integer >= 1."),
        ({"cache_write_multiplier": 0.5}, "The 'prompt.cache_write_multiplier' setting must be a finite number >= 1."),
    ],
)
def test_bad_prompt_settings_are_config_errors(raw, text):
    with pytest.raises(ConfigError) as exc:
        settings(Config(sections={"prompt": raw}), "prompt", PromptSettings)
    assert text in str(exc.value)


def test_bad_prompt_setting_in_a_config_file_exits_2_with_the_message(tmp_path):
    import click
    from click.testing import CliRunner

    from advisor.cli.main import AdvisorGroup
    from advisor.core.config import load_config

    path = tmp_path / "c.toml"
    path.write_text('[prompt]\ncache_profile = "google"\n')

    @click.group(cls=AdvisorGroup)
    def group():
        pass

    @group.command()
    def check():
        settings(load_config(path), "prompt", PromptSettings)

    result = CliRunner().invoke(group, ["check"])
    assert result.exit_code == 2
    assert (
        "The 'prompt.cache_profile' setting must be one of auto, anthropic, openai. Got 'google' instead."
        in result.output
    )


def test_generated_log_prompt_caching_savings_match_the_generator_truth():
    from advisor.lab.synthetic import generate_log

    sample = generate_log(2000, seed=4, days=7)
    f = _run(S.QueryLog(frame=sample.frame, sources=("gen",)))
    truth = sample.truth.prompt_cache_savings_share_of_cost
    assert f.prompt_caching["savings_share_of_api_cost"] == pytest.approx(truth, rel=0.02)
    assert f.prompt_caching["read_share_of_input"] == pytest.approx(
        sample.truth.prompt_cache_readable_share_of_input, rel=0.02
    )


def _replay_one_call_at_a_time(frame, system_tokens, history_tokens, profile):
    """The replay as a loop over calls (how it was first written): the reference for the vectorised one."""
    n = len(frame)
    ts = frame[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    static = np.minimum(system_tokens + history_tokens, inp)
    conv = frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object)
    model = frame[S.MODEL].astype(str).to_numpy(dtype=object)
    task = frame[S.TASK].astype("string").fillna("").to_numpy(dtype=object)
    m, ttl = profile.min_prefix_tokens, profile.ttl_s
    read = np.zeros(n, dtype=np.int64)
    last_prompt, last_system = {}, {}
    for i in range(n):
        best = 0
        if conv[i]:
            prev = last_prompt.get(conv[i])
            if prev is not None and ts[i] - prev[0] <= ttl and prev[1] >= m:
                best = min(prev[1], int(static[i]))
            last_prompt[conv[i]] = (ts[i], int(inp[i]))
        s = int(system_tokens[i])
        if s > 0:
            key = (model[i], task[i], s)
            seen = last_system.get(key)
            if seen is not None and ts[i] - seen <= ttl and s >= m:
                best = max(best, s)
            last_system[key] = ts[i]
        read[i] = best
    return read


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_replay_reads_what_the_call_by_call_replay_reads(seed):
    rng = np.random.default_rng(seed)
    n = 400
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: pd.Timestamp("2025-01-01", tz="UTC")
            + pd.to_timedelta(np.sort(rng.integers(0, 3600, n)), unit="s"),
            S.INPUT_TOKENS: rng.integers(500, 4000, n),
            S.CONVERSATION_ID: pd.array(
                np.where(rng.random(n) < 0.2, None, rng.integers(0, 40, n).astype(str)), dtype="string"
            ),
            S.MODEL: rng.choice(["gpt-4o", "gpt-4o-mini"], n),
            S.TASK: pd.array(np.where(rng.random(n) < 0.3, None, rng.choice(["faq", "code"], n)), dtype="string"),
        }
    )
    system = rng.choice([0, 800, 1100, 2000], n).astype(float)
    history = rng.integers(0, 2500, n).astype(float)
    for name in ("anthropic", "openai"):
        prof = profile_for(name, ttl_s=float(rng.choice([60, 300])))
        expected = _replay_one_call_at_a_time(frame, system, history, prof)
        if prof.increment_tokens > 1:
            step, m = prof.increment_tokens, prof.min_prefix_tokens
            expected = np.where(expected >= m, m + (expected - m) // step * step, 0)
        assert replay_prompt_cache(frame, system, history, prof).read_tokens.tolist() == expected.tolist()
