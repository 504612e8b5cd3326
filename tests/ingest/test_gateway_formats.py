"""Gateway and tracer exports read without --map: every format's 40-call file priced within
±0.5 % of its true cost, failed requests counted apart, envelopes, stdin, duplicates."""

from __future__ import annotations

import io
import json
import sys

import pytest

from advisor.core import schema
from advisor.core.config import Config
from advisor.core.errors import InputError
from advisor.ingest.gateway import FAILED_REASON
from advisor.ingest.load import load_log
from advisor.prices.catalog import load_prices
from tests.benchmarks.gateway_formats import TOLERANCE_PCT, measure
from tests.benchmarks.gateway_writers import FAILED, N_CALLS, langfuse, otel_attrs, sdk_span, write_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("gateways"))


@pytest.fixture(scope="module")
def prices():
    return load_prices(Config())


FORMATS = [
    "LiteLLM SpendLogs CSV",
    "LiteLLM /spend/logs JSON",
    "LiteLLM /spend/logs/v2",
    "Langfuse generations CSV",
    "Langfuse JSON",
    "Langfuse blob-storage JSONL",
    "Helicone CSV",
    "Helicone JSONL",
    "OTel OTLP JSON",
    "OTel SDK JSON",
    "OTel console exporter",
    "OTel flat CSV",
    "OpenAI Batch output JSONL",
    "OpenAI Responses API JSONL",
    "Braintrust JSONL",
    "Braintrust fetch {events}",
]


def test_the_list_covers_every_written_format(files):
    assert sorted(files) == sorted(FORMATS)


@pytest.mark.parametrize("name", FORMATS)
def test_format_is_priced_within_half_a_percent_without_map(files, prices, name):
    path, calls = files[name]
    outcome = measure(name, path, calls, prices)
    assert outcome.error is None, outcome.error
    assert outcome.calls == N_CALLS
    assert outcome.failed == FAILED  # failed requests counted apart, not priced
    # The bar of issue #18; both sides use the same genai-prices data, so only reading errors remain.
    assert abs(outcome.diff_pct or 0.0) <= TOLERANCE_PCT


@pytest.mark.parametrize("name", FORMATS)
def test_format_reads_every_token_and_time_exactly(files, name):
    path, calls = files[name]
    ok = [c for c in calls if not c.failed]
    log = load_log(path)
    frame = log.frame
    assert int(frame[schema.INPUT_TOKENS].sum()) == sum(c.input for c in ok)
    assert int(frame[schema.OUTPUT_TOKENS].sum()) == sum(c.output for c in ok)
    cached = frame[schema.CACHED_INPUT_TOKENS].fillna(0).sum() if schema.CACHED_INPUT_TOKENS in frame else 0
    assert int(cached) == sum(c.cached for c in ok)
    # Times to the second (epoch seconds in some exports); nanosecond epochs and zone-less
    # UTC text included.
    got = sorted(t.floor("s") for t in frame[schema.TIMESTAMP])
    assert got == sorted(c.time.replace(microsecond=0) for c in ok)
    assert sorted(frame[schema.MODEL]) == sorted(c.model for c in ok)
    assert log.skipped.by_reason == {FAILED_REASON: FAILED}
    assert not any("no time zone" in w for w in log.warnings)
    assert (frame[schema.IS_BATCH].fillna(False).all() if schema.IS_BATCH in frame else False) == (
        name == "OpenAI Batch output JSONL"
    )


def test_failed_requests_are_reported_with_their_cause(files):
    log = load_log(files["Helicone CSV"][0])
    assert any(
        "2 failed request(s) counted apart, not priced (failed request (HTTP 500): 2)" in w for w in log.warnings
    )


def test_stdin_is_read_and_named(files, monkeypatch):
    data = files["LiteLLM /spend/logs/v2"][0].read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    log = load_log("-")
    assert len(log.frame) == N_CALLS
    assert log.sources == ("<stdin>",)


def test_bad_stdin_error_names_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a,b\n1,2\n")))
    with pytest.raises(InputError, match=r"^<stdin>, column 'timestamp'") as exc:
        load_log("-")
    assert "\n" not in str(exc.value)


def test_a_file_given_twice_or_inside_a_given_folder_counts_once(files):
    path = files["Langfuse JSON"][0]
    assert len(load_log([path, path]).frame) == N_CALLS
    folder_and_file = load_log([path.parent, path])
    assert len(folder_and_file.frame) == sum(N_CALLS for _ in files)  # every file once


def test_sdk_span_with_events_is_a_span_not_an_envelope(tmp_path, files):
    c = files["OTel SDK JSON"][1][0]
    span = sdk_span(c, 0)
    span["events"] = [{"name": "gen_ai.choice", "timestamp": "2026-11-02T08:00:01Z", "attributes": {}}]
    p = tmp_path / "one.json"
    p.write_text(json.dumps(span, indent=4))
    assert load_log(p).frame[schema.INPUT_TOKENS].tolist() == [c.input]


def test_spans_that_are_not_llm_calls_are_left_out_and_said(tmp_path, files):
    c = files["OTel SDK JSON"][1][0]
    http = {**sdk_span(c, 1), "name": "POST /v1/chat", "attributes": {"http.method": "POST", "gen_ai.system": "openai"}}
    p = tmp_path / "spans.jsonl"
    p.write_text(json.dumps(sdk_span(c, 0)) + "\n" + json.dumps(http) + "\n")
    log = load_log(p)
    assert len(log.frame) == 1
    assert any("1 record(s) without a model and token usage (not LLM calls) left out" in w for w in log.warnings)


def test_recognised_export_missing_usage_names_the_field_to_map(tmp_path, files):
    c = files["Langfuse JSON"][1][0]
    rec = langfuse(c, 0)
    for key in ("usageDetails", "inputUsage", "outputUsage", "totalUsage"):
        rec.pop(key)
    p = tmp_path / "lf.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    with pytest.raises(InputError, match=r"column 'input_tokens'.*--map input_tokens=") as exc:
        load_log(p)
    assert "\n" not in str(exc.value)


def test_otlp_int_values_and_string_nanoseconds(tmp_path, files):
    c = files["OTel OTLP JSON"][1][0]
    attrs = [
        {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
        for k, v in otel_attrs(c, 0).items()
    ]
    span = {"name": "chat", "startTimeUnixNano": "1793613600123456789", "attributes": attrs, "status": {}}
    p = tmp_path / "otlp.json"
    p.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}))
    row = load_log(p).frame.iloc[0]
    assert abs(row[schema.TIMESTAMP].value - 1793613600123456789) <= 256  # read via float64: 256 ns steps
    assert row[schema.CACHED_INPUT_TOKENS] == c.cached


def test_an_envelope_longer_than_the_sniffed_head_is_still_recognised(tmp_path, files):
    from advisor.ingest.gateway import _HEAD

    path = files["LiteLLM /spend/logs/v2"][0]
    doc = json.loads(path.read_text())
    doc["data"][0]["messages"] = "x" * (_HEAD + 10)  # the first document ends past the head
    p = tmp_path / "big_v2.json"
    p.write_text(json.dumps(doc))
    log = load_log(p)
    assert len(log.frame) == N_CALLS
    assert any("read as LiteLLM spend logs" in w for w in log.warnings)
