"""advisor.ingest.sampling: conversation samples of logs larger than memory, scaled back to a month."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.core.errors import ConfigError, InputError
from advisor.core.paths import data_dir
from advisor.cost.baseline import compute_baseline
from advisor.ingest import load_log
from advisor.ingest.sampling import bottom_k_threshold, load_sampled_log, sample_keys, sample_points
from advisor.prices.catalog import load_prices

SAMPLE = data_dir() / "sample" / "customer_service.csv"


@pytest.fixture(scope="module")
def catalog():
    return load_prices(Config())


@pytest.fixture(scope="module")
def full_log():
    return load_log(SAMPLE)


@pytest.fixture()
def small_csv(tmp_path):
    """The first 2,000 calls of the shipped sample."""
    out = tmp_path / "small.csv"
    pd.read_csv(SAMPLE, nrows=2000, dtype=str, keep_default_na=False).to_csv(out, index=False)
    return out


def _key_cols(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[S.CONVERSATION_ID, S.TURN, S.INPUT_TOKENS, S.OUTPUT_TOKENS]].reset_index(drop=True)


# ------------------------------------------------------------------------------ pure parts


def test_sample_points_are_deterministic_uniform_and_depend_on_the_seed():
    keys = np.array([f"c:conv-{i}" for i in range(20_000)], dtype=object)
    a, b, c = sample_points(keys, 0), sample_points(keys, 0), sample_points(keys, 1)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < 1
    # Uniform: each decile holds 10 % of the keys within 5 standard errors.
    counts = np.bincount((a * 10).astype(int), minlength=10)
    assert np.all(np.abs(counts - 2000) < 5 * math.sqrt(20_000 * 0.1 * 0.9))


def test_equal_keys_get_equal_points():
    pts = sample_points(np.array(["c:x", "c:y", "c:x"], dtype=object), 7)
    assert pts[0] == pts[2] != pts[1]


def test_sample_keys_use_the_conversation_and_fall_back_to_file_and_row():
    keys = sample_keys(np.array(["a", None, "", "a"], dtype=object), "f.csv", np.array([1, 2, 3, 4]))
    assert list(keys) == ["c:a", "r:f.csv:2", "r:f.csv:3", "c:a"]
    assert list(sample_keys(None, "f.csv", np.array([5]))) == ["r:f.csv:5"]


def test_bottom_k_threshold_keeps_at_most_k_points():
    rng = np.random.default_rng(0)
    pts = np.repeat(rng.random(300), 3)  # conversations of three rows share a point
    t = bottom_k_threshold(pts, 100)
    assert (pts < t).sum() <= 100
    assert (pts < t).sum() >= 97  # only the conversation straddling the bound is lost
    assert bottom_k_threshold(pts, 10_000) == 1.0


# ------------------------------------------------------------------------------ load_sampled_log


def test_a_sample_keeps_whole_conversations(full_log):
    log = load_sampled_log(SAMPLE, fraction=0.2, seed=3)
    full_counts = full_log.frame[S.CONVERSATION_ID].value_counts()
    got = log.frame[S.CONVERSATION_ID].value_counts()
    assert 0 < len(got) < len(full_counts)
    assert (got == full_counts.loc[got.index]).all()
    assert log.sample_fraction == 0.2


def test_sampled_rows_name_their_original_file_and_row(full_log):
    log = load_sampled_log(SAMPLE, fraction=0.1, seed=0)
    assert log.sources == (str(SAMPLE),)
    assert set(log.frame[S.SOURCE_FILE].astype(str)) == {str(SAMPLE)}
    full = full_log.frame.set_index(S.SOURCE_ROW)
    original = full.loc[log.frame[S.SOURCE_ROW].to_numpy()]
    assert np.array_equal(original[S.CONVERSATION_ID].to_numpy(), log.frame[S.CONVERSATION_ID].to_numpy())
    assert np.array_equal(original[S.INPUT_TOKENS].to_numpy(), log.frame[S.INPUT_TOKENS].to_numpy())
    assert np.array_equal(original[S.TIMESTAMP].to_numpy(), log.frame[S.TIMESTAMP].to_numpy())


def test_the_sample_warning_states_its_size_and_the_interval_widening():
    log = load_sampled_log(SAMPLE, fraction=0.25, seed=0)
    note = log.warnings[0]
    assert note.startswith("Analysed a 25.0% sample (")
    assert f"{log.n_calls:,} of 20,000 calls, by conversation, seed 0" in note
    assert "1/sqrt(f) = 2.00x" in note


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
def test_scaled_monthly_totals_match_the_full_log_within_sampling_error(full_log, catalog, fraction):
    config = Config()
    truth = compute_baseline(full_log, catalog, config)
    # Horvitz-Thompson variance of a Bernoulli sample of conversations: (1 - f) / f * sum(y_c^2).
    frame = full_log.frame.assign(cost=truth.per_call_cost_usd, one=1.0)
    per_conv = frame.groupby(S.CONVERSATION_ID, observed=True)[["cost", "one"]].sum()
    for seed in (0, 1, 2):
        est = compute_baseline(load_sampled_log(SAMPLE, fraction=fraction, seed=seed), catalog, config)
        for figure, y in (("api_cost_per_month_usd", per_conv["cost"]), ("calls_per_month", per_conv["one"])):
            se = math.sqrt((1 - fraction) / fraction * float((y**2).sum())) * truth.monthly_factor
            assert abs(getattr(est, figure) - getattr(truth, figure)) < 4 * se, (figure, seed)
        assert est.sample_fraction == fraction
        # Per-conversation figures need no scaling and agree directly.
        assert est.conversation.api_mean_usd == pytest.approx(truth.conversation.api_mean_usd, rel=0.2)


def test_max_rows_bounds_the_rows_kept_and_equals_the_fraction_sample_at_its_threshold():
    log = load_sampled_log(SAMPLE, max_rows=3000, seed=5)
    assert 2500 < log.n_calls <= 3000
    assert 0 < log.sample_fraction < 1
    same = load_sampled_log(SAMPLE, fraction=log.sample_fraction, seed=5)
    assert np.array_equal(log.frame[S.SOURCE_ROW].to_numpy(), same.frame[S.SOURCE_ROW].to_numpy())


def test_max_rows_across_chunks_is_the_same_sample_as_one_chunk(monkeypatch, small_csv):
    whole = load_sampled_log(small_csv, max_rows=500, seed=2)
    monkeypatch.setattr("advisor.ingest.sampling.chunks.CHUNK_ROWS", 97)
    chunked = load_sampled_log(small_csv, max_rows=500, seed=2)
    assert whole.sample_fraction == chunked.sample_fraction
    pd.testing.assert_frame_equal(_key_cols(whole.frame), _key_cols(chunked.frame))


def test_a_log_that_fits_is_read_whole(small_csv):
    log = load_sampled_log(small_csv, max_rows=5000)
    assert log.n_calls == 2000 and log.sample_fraction == 1.0
    assert not any("sample" in w for w in log.warnings)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv.gz", "tsv"])
def test_jsonl_and_parquet_logs_are_sampled_like_csv(tmp_path, small_csv, fmt):
    frame = pd.read_csv(small_csv, dtype={"conversation_id": str, "user_id": str, "query": str})
    path = tmp_path / f"log.{fmt}"
    if fmt == "jsonl":
        path.write_text(
            "\n".join(json.dumps({k: v for k, v in r.items() if v == v}) for r in frame.to_dict("records")) + "\n"
        )
    elif fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    else:
        frame.to_csv(path, index=False, compression="gzip")
    from_csv = load_sampled_log(small_csv, fraction=0.3, seed=4)
    got = load_sampled_log(path, fraction=0.3, seed=4)
    pd.testing.assert_frame_equal(_key_cols(got.frame), _key_cols(from_csv.frame), check_dtype=False)
    assert np.array_equal(got.frame[S.SOURCE_ROW].to_numpy(), from_csv.frame[S.SOURCE_ROW].to_numpy())
    assert got.sources == (str(path),)


def test_rows_without_a_conversation_are_sampled_one_by_one(tmp_path, small_csv):
    frame = pd.read_csv(small_csv, dtype=str, keep_default_na=False).drop(columns=["conversation_id", "turn"])
    path = tmp_path / "noconv.csv"
    frame.to_csv(path, index=False)
    log = load_sampled_log(path, fraction=0.5, seed=0)
    assert 850 < log.n_calls < 1150
    assert "by row (no conversation_id)" in log.warnings[0]


def _conversation_in_sample(frame: pd.DataFrame, seed: int) -> str:
    pts = sample_points(np.array(["c:" + c for c in frame["conversation_id"]], dtype=object), seed)
    return frame["conversation_id"].iloc[int(np.flatnonzero(pts < 0.5)[3])]


def test_a_bad_value_in_a_sampled_row_names_the_original_file_and_row(tmp_path, small_csv):
    frame = pd.read_csv(small_csv, dtype=str, keep_default_na=False)
    conv = _conversation_in_sample(frame, seed=0)
    row = int(np.flatnonzero(frame["conversation_id"] == conv)[-1])
    frame.loc[row, "input_tokens"] = "lots"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        load_sampled_log(path, fraction=0.5, seed=0)
    assert str(exc.value).startswith(f"{path}, row {row + 1}, column 'input_tokens': expected")
    assert "advisor-sample-" not in str(exc.value)


def test_skipped_bad_rows_in_a_sample_are_counted(tmp_path, small_csv):
    frame = pd.read_csv(small_csv, dtype=str, keep_default_na=False)
    conv = _conversation_in_sample(frame, seed=0)
    frame.loc[frame["conversation_id"] == conv, "output_tokens"] = "-5"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    log = load_sampled_log(path, fraction=0.5, seed=0, skip_bad_rows=True)
    assert log.skipped.count == int((frame["conversation_id"] == conv).sum())
    assert conv not in set(log.frame[S.CONVERSATION_ID])


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"fraction": 0.0}, "The 'sample_fraction' setting must be a number in (0, 1]. Got 0.0 instead."),
        ({"fraction": 1.5}, "The 'sample_fraction' setting must be a number in (0, 1]. Got 1.5 instead."),
        ({"max_rows": 0}, "The 'max_rows' setting must be an integer >= 1. Got 0 instead."),
    ],
)
def test_sample_options_out_of_range_are_config_errors(kwargs, text):
    with pytest.raises(ConfigError) as exc:
        load_sampled_log(SAMPLE, **kwargs)
    assert str(exc.value) == text


def test_an_empty_sample_is_a_clean_error(small_csv):
    with pytest.raises(
        InputError,
        match=r"expected at least one call in the sample, found none of 2,000 rows.*"
        r"Raise --sample-fraction or --max-rows\.",
    ):
        load_sampled_log(small_csv, fraction=1e-9)


# ------------------------------------------------------------------------------ cost model and CLI


def test_the_cost_model_scales_observed_figures_by_one_over_the_fraction(full_log, catalog):
    import dataclasses

    whole = compute_baseline(full_log, catalog, Config())
    halved = compute_baseline(dataclasses.replace(full_log, sample_fraction=0.5), catalog, Config())
    assert halved.api_cost_per_month_usd == pytest.approx(2 * whole.api_cost_per_month_usd)
    assert halved.calls_per_month == pytest.approx(2 * whole.calls_per_month)
    assert halved.conversation.api_mean_usd == pytest.approx(whole.conversation.api_mean_usd)
    assert halved.to_dict()["sample_fraction"] == 0.5


def test_projected_volumes_are_not_scaled_again(full_log, catalog):
    import dataclasses

    config = Config(sections={"projection": {"conversations_per_day": 1000}})
    whole = compute_baseline(full_log, catalog, config)
    halved = compute_baseline(dataclasses.replace(full_log, sample_fraction=0.5), catalog, config)
    assert halved.conversations_per_month == pytest.approx(whole.conversations_per_month)


def test_cost_cli_samples_with_sample_fraction(small_csv):
    r = CliRunner().invoke(cli, ["cost", str(small_csv), "--sample-fraction", "0.5", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["sample_fraction"] == 0.5
    assert d["log_warnings"][0].startswith("Analysed a 50.0% sample")


def test_cost_cli_bad_sample_fraction_is_exit_2(small_csv):
    r = CliRunner().invoke(cli, ["cost", str(small_csv), "--max-rows", "-3"])
    assert r.exit_code == 2
    assert "The 'max_rows' setting must be an integer >= 1. Got -3 instead." in r.output


def test_openai_chat_logs_are_sampled_by_line(tmp_path):
    records = [
        {
            "id": f"chatcmpl-{i}",
            "created": 1793577600 + 60 * i,
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a support agent."},
                {"role": "user", "content": f"where is order {i}"},
            ],
            "choices": [{"message": {"role": "assistant", "content": "It ships today."}}],
            "usage": {"prompt_tokens": 20 + i, "completion_tokens": 5},
        }
        for i in range(400)
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    log = load_sampled_log(path, fraction=0.3, seed=0)
    assert 80 < log.n_calls < 160
    assert "by row (no conversation_id)" in log.warnings[0]
    # Line k of the chat log is call k - 1: 20 + (k - 1) input tokens.
    assert np.array_equal(log.frame[S.INPUT_TOKENS].to_numpy(), 19 + log.frame[S.SOURCE_ROW].to_numpy())
