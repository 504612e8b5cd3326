"""advisor.ingest.load_log: formats, mapping, timestamps, providers, provenance."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from advisor.core import schema
from advisor.core.config import Config
from advisor.core.errors import ConfigError
from advisor.core.tokens import count_tokens
from advisor.ingest import IngestSettings, load_log, mapping_from_config, parse_mapping

# Hand-computable: 3 calls, 2 conversations, 1,100 input and 210 output tokens in all.
TINY_CSV = """timestamp,model,input_tokens,output_tokens,conversation_id,user_id,quality,query
2026-11-02T10:00:00Z,gpt-4o,500,100,c1,u1,1,Where is my order?
2026-11-02T09:00:00Z,gpt-4o-mini,200,60,c2,u2,0.5,Reset my password
2026-11-02T11:00:00Z,claude-3-5-haiku-20241022,400,50,c1,u1,0,Thanks
"""


def write(tmp_path, name, text, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def tiny_csv(tmp_path):
    return write(tmp_path, "tiny.csv", TINY_CSV)


def test_tiny_csv_is_typed_sorted_and_totals_match(tiny_csv):
    log = load_log(tiny_csv)
    f = log.frame
    assert log.n_calls == 3
    assert str(f[schema.TIMESTAMP].dtype) == "datetime64[ns, UTC]"
    assert f[schema.TIMESTAMP].is_monotonic_increasing
    assert isinstance(f.index, pd.RangeIndex)
    assert f[schema.INPUT_TOKENS].dtype == np.int64 and f[schema.OUTPUT_TOKENS].dtype == np.int64
    assert int(f[schema.INPUT_TOKENS].sum()) == 1100 and int(f[schema.OUTPUT_TOKENS].sum()) == 210
    assert f[schema.MODEL].tolist() == ["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku-20241022"]
    assert f[schema.QUALITY].tolist() == [0.5, 1.0, 0.0]
    assert log.sources == (str(tiny_csv),)
    assert log.span_days == pytest.approx(2 / 24)
    assert log.warnings == ()


def test_provenance_names_file_and_original_row(tiny_csv):
    f = load_log(tiny_csv).frame
    assert f[schema.SOURCE_ROW].tolist() == [2, 1, 3]
    assert isinstance(f[schema.SOURCE_FILE].dtype, pd.CategoricalDtype)
    assert set(f[schema.SOURCE_FILE].astype(str)) == {str(tiny_csv)}


def test_provider_is_inferred_from_model_names(tiny_csv):
    f = load_log(tiny_csv).frame
    assert f[schema.PROVIDER].tolist() == ["openai", "openai", "anthropic"]


def test_provider_from_log_wins_and_gaps_are_inferred(tmp_path):
    p = write(
        tmp_path,
        "p.csv",
        "timestamp,model,provider,input_tokens,output_tokens\n"
        "2026-11-02T10:00:00Z,gpt-4o,Azure,1,1\n"
        "2026-11-02T10:00:01Z,gemini-1.5-flash,,1,1\n"
        "2026-11-02T10:00:02Z,mistral-large-latest,,1,1\n",
    )
    assert load_log(p).frame[schema.PROVIDER].tolist() == ["azure", "google", "mistral"]


def test_unknown_model_gets_unknown_provider_and_a_warning(tmp_path):
    p = write(tmp_path, "u.csv", "timestamp,model,input_tokens,output_tokens\n2026-11-02T10:00:00Z,my-finetune,1,1\n")
    log = load_log(p)
    assert log.frame[schema.PROVIDER].tolist() == ["unknown"]
    assert any("Provider unknown for model(s) 'my-finetune'" in w for w in log.warnings)


def test_provider_prefix_is_split_off_the_model_name(tmp_path):
    p = write(
        tmp_path,
        "x.csv",
        "timestamp,model,input_tokens,output_tokens\n2026-11-02T10:00:00Z,anthropic/claude-3-5-haiku,1,1\n",
    )
    log = load_log(p)
    assert log.frame[schema.MODEL].tolist() == ["claude-3-5-haiku"]
    assert log.frame[schema.PROVIDER].tolist() == ["anthropic"]
    assert any("provider prefix" in w for w in log.warnings)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-02T10:00:00Z", "2026-11-02 10:00:00"),
        ("2026-11-02T12:00:00+02:00", "2026-11-02 10:00:00"),
        ("2026-11-02 10:00:00", "2026-11-02 10:00:00"),  # naive: read as UTC
        ("2026-11-02T10:00:00.250Z", "2026-11-02 10:00:00.250000"),
        ("1793613600", "2026-11-02 10:00:00"),  # epoch seconds
        ("1793613600000", "2026-11-02 10:00:00"),  # epoch milliseconds
        ("1793613600.5", "2026-11-02 10:00:00.500000"),  # fractional seconds
        ("1793613600000000", "2026-11-02 10:00:00"),  # epoch microseconds
        ("11/02/2026 10:00", "2026-11-02 10:00:00"),  # non-ISO, via the mixed parser
    ],
)
def test_timestamps_in_every_format_become_utc(tmp_path, value, expected):
    p = write(tmp_path, "t.csv", f'timestamp,model,input_tokens,output_tokens\n"{value}",gpt-4o,1,1\n')
    ts = load_log(p).frame[schema.TIMESTAMP].iloc[0]
    assert ts == pd.Timestamp(expected, tz="UTC")


def test_mixed_time_zones_in_one_column(tmp_path):
    p = write(
        tmp_path,
        "t.csv",
        "timestamp,model,input_tokens,output_tokens\n"
        "2026-11-02T10:00:00Z,gpt-4o,1,1\n"
        "2026-11-02T10:30:00+01:00,gpt-4o,1,1\n"
        "1793613600000,gpt-4o,1,1\n",
    )
    ts = load_log(p).frame[schema.TIMESTAMP]
    assert ts.tolist() == [
        pd.Timestamp("2026-11-02T09:30Z"),
        pd.Timestamp("2026-11-02T10:00Z"),
        pd.Timestamp("2026-11-02T10:00Z"),
    ]


def test_naive_timestamps_are_reported_as_read_as_utc(tmp_path):
    p = write(tmp_path, "t.csv", "timestamp,model,input_tokens,output_tokens\n2026-11-02 10:00,gpt-4o,1,1\n")
    assert "1 timestamp(s) had no time zone and were read as UTC." in load_log(p).warnings


def test_numeric_epoch_column_in_jsonl(tmp_path):
    p = write(
        tmp_path, "t.jsonl", '{"timestamp": 1793613600000, "model": "gpt-4o", "input_tokens": 3, "output_tokens": 4}\n'
    )
    assert load_log(p).frame[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2026-11-02T10:00Z")


def test_jsonl_with_blank_lines_keeps_line_numbers(tmp_path):
    row = '{"timestamp": "2026-11-02T10:00:0%dZ", "model": "gpt-4o", "input_tokens": 3, "output_tokens": 4}'
    p = write(tmp_path, "t.jsonl", "\n".join([row % 1, "", "  ", row % 2]) + "\n")
    assert load_log(p).frame[schema.SOURCE_ROW].tolist() == [1, 4]


def test_jsonl_nested_usage_is_flattened_and_mapped(tmp_path):
    p = write(
        tmp_path,
        "t.jsonl",
        '{"created_at": "2026-11-02T10:00:00Z", "model": "gpt-4o", '
        '"usage": {"prompt_tokens": 12, "completion_tokens": 5}}\n',
    )
    f = load_log(p).frame
    assert (f[schema.INPUT_TOKENS].iloc[0], f[schema.OUTPUT_TOKENS].iloc[0]) == (12, 5)


def test_jsonl_with_mixed_value_types_uses_the_slow_path_and_still_types_columns(tmp_path):
    p = write(
        tmp_path,
        "t.jsonl",
        '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 3, "output_tokens": 4}\n'
        '{"timestamp": "2026-11-02T10:00:01Z", "model": "gpt-4o", "input_tokens": "7", "output_tokens": 4}\n',
    )
    assert load_log(p).frame[schema.INPUT_TOKENS].tolist() == [3, 7]


def test_parquet_and_gzip_read_like_csv(tmp_path, tiny_csv):
    expected = load_log(tiny_csv).frame.drop(columns=[schema.SOURCE_FILE])
    pd.read_csv(tiny_csv).to_parquet(tmp_path / "tiny.parquet", index=False)
    (tmp_path / "tiny.csv.gz").write_bytes(gzip.compress(tiny_csv.read_bytes()))
    for name in ("tiny.parquet", "tiny.csv.gz"):
        got = load_log(tmp_path / name).frame.drop(columns=[schema.SOURCE_FILE])
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_gzipped_jsonl_and_parquet(tmp_path, tiny_csv):
    df = pd.read_csv(tiny_csv)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(df.to_json(orient="records", lines=True).encode()))
    raw = tmp_path / "b.parquet"
    df.to_parquet(raw, index=False)
    (tmp_path / "b.parquet.gz").write_bytes(gzip.compress(raw.read_bytes()))
    assert load_log(tmp_path / "a.jsonl.gz").n_calls == 3
    assert load_log(tmp_path / "b.parquet.gz").n_calls == 3


def test_folder_of_mixed_files_is_read_in_sorted_order(tmp_path, tiny_csv):
    folder = tmp_path / "logs"
    folder.mkdir()
    df = pd.read_csv(tiny_csv)
    df.iloc[:1].to_csv(folder / "a.csv", index=False)
    (folder / "b.jsonl").write_text(df.iloc[1:2].to_json(orient="records", lines=True))
    df.iloc[2:].to_parquet(folder / "c.parquet", index=False)
    (folder / "notes.txt").write_text("not a log")
    (folder / "._a.csv").write_bytes(b"\x00\x05\x16\x07")  # macOS resource fork
    (folder / ".cache").mkdir()
    (folder / ".cache" / "old.csv").write_text("junk")
    log = load_log(folder)
    assert log.sources == tuple(str(folder / n) for n in ("a.csv", "b.jsonl", "c.parquet"))
    assert log.n_calls == 3
    assert int(log.frame[schema.INPUT_TOKENS].sum()) == 1100
    assert sorted(log.frame[schema.SOURCE_FILE].astype(str).unique()) == list(log.sources)


def test_bom_and_crlf_are_accepted(tmp_path):
    text = "timestamp,model,input_tokens,output_tokens\r\n2026-11-02T10:00:00Z,gpt-4o,5,6\r\n"
    p = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.encode(), mode="wb")
    assert load_log(p).frame[schema.INPUT_TOKENS].tolist() == [5]


def test_tab_separated_files(tmp_path):
    p = write(tmp_path, "t.tsv", "timestamp\tmodel\tinput_tokens\toutput_tokens\n2026-11-02T10:00:00Z\tgpt-4o\t5\t6\n")
    assert load_log(p).n_calls == 1


# ----------------------------------------------------------------------------- mapping


def test_parse_mapping_reads_pairs():
    assert parse_mapping("timestamp=created_at, input_tokens = prompt_tokens,") == {
        "timestamp": "created_at",
        "input_tokens": "prompt_tokens",
    }


def test_user_mapping_renames_columns(tmp_path):
    p = write(tmp_path, "m.csv", "when,llm,tin,tout\n2026-11-02T10:00:00Z,gpt-4o,5,6\n")
    m = parse_mapping("timestamp=when,model=llm,input_tokens=tin,output_tokens=tout")
    f = load_log(p, mapping=m).frame
    assert f[schema.INPUT_TOKENS].tolist() == [5] and f[schema.MODEL].tolist() == ["gpt-4o"]


def test_user_mapping_overrides_the_alias_table(tmp_path):
    p = write(
        tmp_path, "m.csv", "timestamp,model,prompt_tokens,billed_in,output_tokens\n2026-11-02T10:00:00Z,gpt-4o,5,9,6\n"
    )
    assert load_log(p).frame[schema.INPUT_TOKENS].tolist() == [5]
    assert load_log(p, mapping={"input_tokens": "billed_in"}).frame[schema.INPUT_TOKENS].tolist() == [9]


def test_litellm_spend_log_columns_work_out_of_the_box(tmp_path):
    p = write(
        tmp_path,
        "spend.csv",
        "request_id,startTime,endTime,model,custom_llm_provider,prompt_tokens,completion_tokens,spend,session_id,user,api_key\n"
        "r1,2026-11-02T10:00:00Z,2026-11-02T10:00:02Z,gpt-4o,openai,100,20,0.00045,s1,alice,sk-hash\n",
    )
    log = load_log(p)
    row = log.frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS]) == (100, 20)
    assert row[schema.COST_USD] == pytest.approx(0.00045)
    assert (row[schema.CONVERSATION_ID], row[schema.USER_ID], row[schema.PROVIDER]) == ("s1", "alice", "openai")
    assert any("read as LiteLLM spend logs (1 call(s))" in w for w in log.warnings)


def test_opentelemetry_genai_attributes_work_out_of_the_box(tmp_path):
    p = write(
        tmp_path,
        "otel.jsonl",
        '{"time_unix_nano": 1793613600000000000, "gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", '
        '"gen_ai.usage.input_tokens": 40, "gen_ai.usage.output_tokens": 8}\n',
    )
    row = load_log(p).frame.iloc[0]
    assert row[schema.TIMESTAMP] == pd.Timestamp("2026-11-02T10:00Z")
    assert (row[schema.MODEL], row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS]) == ("gpt-4o", 40, 8)


def test_langfuse_export_columns_work_out_of_the_box(tmp_path):
    p = write(
        tmp_path,
        "lf.csv",
        "startTime,model,promptTokens,completionTokens,calculatedTotalCost,sessionId,userId\n"
        "2026-11-02T10:00:00Z,gpt-4o-mini,7,3,0.00001,s9,u9\n",
    )
    row = load_log(p).frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.CONVERSATION_ID], row[schema.USER_ID]) == (7, "s9", "u9")


def test_config_ingest_map_is_read_and_cli_mapping_overrides_it():
    config = Config(sections={"ingest": {"map": {"timestamp": "created", "model": "llm"}}})
    assert mapping_from_config(config) == {"timestamp": "created", "model": "llm"}
    assert mapping_from_config(config, {"model": "engine"}) == {"timestamp": "created", "model": "engine"}
    assert mapping_from_config(Config()) == {}


def test_config_ingest_map_with_unknown_schema_column_is_a_config_error():
    config = Config(sections={"ingest": {"map": {"stamp": "created"}}})
    with pytest.raises(ConfigError, match=r"The 'ingest.map.stamp' setting must be a schema column"):
        mapping_from_config(config)


def test_config_ingest_unknown_key_is_a_config_error():
    with pytest.raises(ConfigError, match=r"The 'ingest.mapping' setting is unknown"):
        mapping_from_config(Config(sections={"ingest": {"mapping": {}}}))


def test_ingest_settings_default_is_empty_mapping():
    assert IngestSettings().map == {}


def test_text_columns_keep_leading_zeros(tmp_path):
    p = write(
        tmp_path,
        "z.csv",
        "timestamp,model,input_tokens,output_tokens,conversation_id\n2026-11-02T10:00:00Z,gpt-4o,1,1,007\n",
    )
    assert load_log(p).frame[schema.CONVERSATION_ID].tolist() == ["007"]


def test_optional_columns_are_typed(tmp_path):
    p = write(
        tmp_path,
        "o.csv",
        "timestamp,model,input_tokens,output_tokens,is_batch,turn,cost_usd,quality__gpt-4o-mini\n"
        "2026-11-02T10:00:00Z,gpt-4o,1,1,yes,2,0.5,0.75\n"
        "2026-11-02T10:00:01Z,gpt-4o,1,1,false,,0.25,\n",
    )
    f = load_log(p).frame
    assert f[schema.IS_BATCH].tolist() == [True, False]
    assert f[schema.TURN].tolist()[0] == 2 and pd.isna(f[schema.TURN].iloc[1])
    assert f["quality__gpt-4o-mini"].tolist()[0] == 0.75
    assert load_log(p).quality_models() == ["gpt-4o-mini"]


# ----------------------------------------------------------------------------- text token counts


def test_missing_tokens_are_counted_from_text_with_a_warning(tmp_path):
    p = write(
        tmp_path,
        "q.csv",
        "timestamp,model,query,response,output_tokens\n"
        "2026-11-02T10:00:00Z,gpt-4o,hello world,Hi,\n"
        "2026-11-02T10:00:01Z,gpt-4o,hello world,Hi,7\n",
    )
    log = load_log(p)
    assert log.tokens_counted_from_text
    assert log.frame[schema.INPUT_TOKENS].tolist() == [2, 2]
    assert log.frame[schema.OUTPUT_TOKENS].tolist() == [count_tokens(["Hi"])[0], 7]
    assert (
        "input_tokens counted from the query text in 2 row(s) with the offline o200k_base tokenizer (bpe-openai); "
        "system prompt and history are not in the log, so these undercount input."
    ) in log.warnings
    assert (
        "output_tokens counted from the response text in 1 row(s) with the offline o200k_base tokenizer (bpe-openai)."
        in log.warnings
    )


def test_logs_with_token_counts_do_not_claim_text_counting(tiny_csv):
    assert not load_log(tiny_csv).tokens_counted_from_text


# ----------------------------------------------------------------------------- OpenAI chat


def chat_line(**over):
    obj = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1793613600,
        "model": "gpt-4o-2024-08-06",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "hello world"},
            {"role": "assistant", "content": "Hi"},
            {"role": "user", "content": "Where is my order?"},
        ],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "It ships today."}}],
        "usage": {"prompt_tokens": 40, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 16}},
    }
    obj.update(over)
    return json.dumps(obj)


def test_openai_chat_jsonl_takes_usage_and_last_user_message(tmp_path):
    p = write(tmp_path, "chat.jsonl", chat_line() + "\n")
    log = load_log(p)
    row = log.frame.iloc[0]
    assert row[schema.QUERY] == "Where is my order?"
    assert row[schema.RESPONSE] == "It ships today."
    assert (row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS], row[schema.CACHED_INPUT_TOKENS]) == (40, 5, 16)
    assert row[schema.SYSTEM_TOKENS] == count_tokens(["You are helpful."])[0]
    assert row[schema.HISTORY_TOKENS] == count_tokens(["hello world\nHi"])[0]
    assert row[schema.TIMESTAMP] == pd.Timestamp("2026-11-02T10:00Z")
    assert row[schema.PROVIDER] == "openai"
    assert not log.tokens_counted_from_text


def test_openai_chat_wrapped_request_response_without_usage_counts_text(tmp_path):
    line = json.dumps(
        {
            "request": {
                "model": "gpt-4o-mini",
                "user": "u7",
                "messages": [{"role": "user", "content": [{"type": "text", "text": "hello world"}]}],
            },
            "response": {"created": 1793613600, "model": "gpt-4o-mini", "choices": [{"message": {"content": "Hi"}}]},
        }
    )
    p = write(tmp_path, "wrapped.jsonl", line + "\n")
    log = load_log(p)
    row = log.frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.QUERY], row[schema.USER_ID]) == (2, "hello world", "u7")
    assert row[schema.OUTPUT_TOKENS] == count_tokens(["Hi"])[0]
    assert log.tokens_counted_from_text
    assert (
        f"{p}: token counts missing from usage in 1 row(s) were counted from the message text with the offline "
        "o200k_base tokenizer (bpe-openai)." in log.warnings
    )


def test_openai_batch_layout_with_body(tmp_path):
    line = json.dumps(
        {
            "custom_id": "r1",
            "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
            "response": {
                "status_code": 200,
                "body": {
                    "created": 1793613600,
                    "model": "gpt-4o",
                    "usage": {"prompt_tokens": 8, "completion_tokens": 2},
                    "choices": [{"message": {"content": "yo"}}],
                },
            },
        }
    )
    row = load_log(write(tmp_path, "batch.jsonl", line + "\n")).frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS], row[schema.QUERY]) == (8, 2, "hi")
    assert bool(row[schema.IS_BATCH])  # a Batch API output line: billed at batch prices


def test_utf16_with_bom_is_decoded(tmp_path):
    text = "timestamp\tmodel\tinput_tokens\toutput_tokens\tquery\n2026-11-02T10:00:00Z\tgpt-4o\t5\t6\tcafé\n"
    p = write(tmp_path, "excel.tsv", text.encode("utf-16"), mode="wb")
    assert load_log(p).frame[schema.QUERY].tolist() == ["café"]


def test_schema_names_match_in_any_case(tmp_path):
    # The Azure LLM inference trace's header (CC BY 4.0) with a model column added.
    p = write(
        tmp_path,
        "azure.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens,Model\n2023-11-16 18:15:46.6805900,374,44,gpt-4o\n",
    )
    row = load_log(p).frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS], row[schema.MODEL]) == (374, 44, "gpt-4o")
    assert row[schema.TIMESTAMP] == pd.Timestamp("2023-11-16 18:15:46.6805900", tz="UTC")


def test_langfuse_api_observations_jsonl_work_out_of_the_box(tmp_path):
    line = json.dumps(
        {
            "id": "o1",
            "traceId": "t1",
            "type": "GENERATION",
            "startTime": "2026-11-02T10:00:00.000Z",
            "model": "gpt-4o",
            "usage": {"input": 30, "output": 9, "total": 39},
            "calculatedTotalCost": 0.0002,
        }
    )
    row = load_log(write(tmp_path, "lf.jsonl", line + "\n")).frame.iloc[0]
    assert (row[schema.INPUT_TOKENS], row[schema.OUTPUT_TOKENS]) == (30, 9)
    assert row[schema.COST_USD] == pytest.approx(0.0002)


def test_json_array_export_is_read_with_record_numbers(tmp_path):
    records = [
        {
            "startTime": "2026-11-02T10:00:00Z",
            "model": "gpt-4o",
            "promptTokens": 3,
            "completionTokens": 1,
            "sessionId": 17,
        }
    ] * 2
    log = load_log(write(tmp_path, "export.json", json.dumps(records, indent=2)))
    assert log.frame[schema.SOURCE_ROW].tolist() == [1, 2]
    assert log.frame[schema.CONVERSATION_ID].tolist() == ["17", "17"]


def test_parquet_datetime_columns_naive_and_zoned(tmp_path):
    df = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2026-11-02 10:00", "2026-11-02 11:00"]),
            "model": ["gpt-4o"] * 2,
            "input_tokens": [1, 2],
            "output_tokens": [3, 4],
        }
    )
    df.to_parquet(tmp_path / "naive.parquet")
    log = load_log(tmp_path / "naive.parquet")
    assert log.frame[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2026-11-02T10:00Z")
    assert "2 timestamp(s) had no time zone and were read as UTC." in log.warnings
    df["timestamp"] = df["timestamp"].dt.tz_localize("Europe/Paris")
    df.to_parquet(tmp_path / "zoned.parquet")
    log = load_log(tmp_path / "zoned.parquet")
    assert log.frame[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2026-11-02T09:00Z")
    assert not any("time zone" in w for w in log.warnings)


def test_config_ingest_map_with_a_non_text_column_is_a_config_error():
    config = Config(sections={"ingest": {"map": {"timestamp": 5}}})
    with pytest.raises(
        ConfigError,
        match=r"The 'ingest.map.timestamp' setting must be a column name \(a non-empty string\)\. Got 5 instead\.",
    ):
        mapping_from_config(config)


def _litellm_rows(column):
    """Two LiteLLM-style calls whose `messages` hold a system prompt, history and the last user message."""
    first = [{"role": "system", "content": "You help."}, {"role": "user", "content": "where is my order?"}]
    second = [
        *first,
        {"role": "assistant", "content": "Which order?"},
        {"role": "user", "content": [{"type": "text", "text": "order 1135"}]},
    ]
    rows = [
        {
            "timestamp": "2026-01-01T10:00:00Z",
            "model": "gpt-4o",
            "prompt_tokens": 20,
            "completion_tokens": 5,
            column: first,
        },
        {
            "timestamp": "2026-01-01T10:01:00Z",
            "model": "gpt-4o",
            "prompt_tokens": 30,
            "completion_tokens": 5,
            column: second,
        },
    ]
    return rows


def test_a_litellm_messages_column_gives_the_last_user_message_as_query(tmp_path):
    # A spend-log export as CSV: each `messages` cell is the request's JSON message list.
    rows = [{**r, "messages": json.dumps(r["messages"])} for r in _litellm_rows("messages")]
    log = load_log(write(tmp_path, "spend.csv", pd.DataFrame(rows).to_csv(index=False)))
    assert list(log.frame[schema.QUERY]) == ["where is my order?", "order 1135"]


def test_mapping_query_to_a_messages_column_extracts_the_text_not_raw_json(tmp_path):
    rows = [{**r, "msgs": json.dumps(r["msgs"])} for r in _litellm_rows("msgs")]
    path = write(tmp_path, "spend.csv", pd.DataFrame(rows).to_csv(index=False))
    log = load_log(path, mapping={"query": "msgs"})
    assert list(log.frame[schema.QUERY]) == ["where is my order?", "order 1135"]


def test_an_ignored_request_id_is_not_offered_for_mapping(tmp_path):
    text = "timestamp,model,input_tokens,output_tokens,request_id,team\n2026-01-01T10:00:00Z,gpt-4o,10,5,r-1,ops\n"
    (warning,) = [w for w in load_log(write(tmp_path, "ids.csv", text)).warnings if "ignored" in w]
    offered, identifiers = warning.split("; ")
    assert "'team'" in offered and "--map" in offered and "'request_id'" not in offered
    assert "'request_id'" in identifiers and "--map" not in identifiers
