"""Property-based checks over each input kind: whatever the bytes, a reader returns a value or
raises advisor's own error (one line for the CLI); nothing else escapes. Plus redaction:
a private value planted anywhere in a text never survives redact_text.

Example counts are kept small (30-60 per property) so the default run stays fast; the
shapes come from the hostile corpus (markup, deep nesting, bad encodings, odd numbers).
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.core.errors import AdvisorError
from advisor.core.redact import redact_text

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE_TEXT = st.sampled_from(
    ["[/x]", "[bold]", "=1+1", "nan", "inf", "-1", "1e400", "\x00", "é", "\ufeff", "{", "[[[[", '"', ",", "\n"]
)
TEXT = st.lists(st.one_of(HOSTILE_TEXT, st.text(max_size=8)), max_size=12).map("".join)
CELL = st.one_of(TEXT, st.integers(-(10**20), 10**20).map(str), st.floats(allow_nan=True).map(str))
ENCODED = st.one_of(
    TEXT.map(lambda t: t.encode("utf-8")), TEXT.map(lambda t: t.encode("utf-16")), st.binary(max_size=200)
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def _write(tmp: Path, name: str, data: str | bytes) -> Path:
    path = tmp / name
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8", errors="surrogatepass"))
    else:
        path.write_bytes(data)
    return path


def _only_advisor_errors(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except AdvisorError as exc:
        assert str(exc).strip(), "an advisor error must say what is wrong"


@FAST
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=4), data=st.data())
def test_any_csv_log_loads_or_is_one_advisor_error(tmp_path_factory, rows, data):
    from advisor.ingest import load_log

    header = data.draw(st.sampled_from([["timestamp", "model", "input_tokens", "output_tokens", "query"]]))
    tmp = tmp_path_factory.mktemp("log")
    _only_advisor_errors(load_log, [_write(tmp, "x.csv", _csv(header, rows))])


@FAST
@given(blob=ENCODED, suffix=st.sampled_from(["csv", "jsonl", "json", "parquet", "csv.gz", "jsonl.gz"]))
def test_any_bytes_as_a_log_load_or_are_one_advisor_error(tmp_path_factory, blob, suffix):
    from advisor.ingest import load_log

    _only_advisor_errors(load_log, [_write(tmp_path_factory.mktemp("log"), f"x.{suffix}", blob)])


@FAST
@given(depth=st.integers(1, 5000), wrapper=st.sampled_from(["[", '{"a":']))
def test_json_nesting_at_any_depth_is_read_or_refused(tmp_path_factory, depth, wrapper):
    from advisor.ingest import load_log

    closer = "]" if wrapper == "[" else "}"
    line = '{"timestamp":"2026-10-01T00:00:00Z","model":' + wrapper * depth + "1" + closer * depth + "}\n"
    _only_advisor_errors(load_log, [_write(tmp_path_factory.mktemp("log"), "x.jsonl", line)])


@FAST
@given(text=ENCODED)
def test_any_config_file_is_read_or_refused(tmp_path_factory, text):
    from advisor.core.config import load_config

    _only_advisor_errors(load_config, _write(tmp_path_factory.mktemp("cfg"), "c.toml", text))


@FAST
@given(
    body=st.one_of(
        ENCODED,
        st.lists(st.lists(CELL, min_size=4, max_size=4), max_size=3).map(
            lambda rows: _csv(["model", "provider", "input", "output"], rows)
        ),
    ),
    suffix=st.sampled_from(["csv", "toml"]),
)
def test_any_price_file_is_read_or_refused(tmp_path_factory, body, suffix):
    from advisor.prices.overrides import read_override_file

    _only_advisor_errors(read_override_file, _write(tmp_path_factory.mktemp("p"), f"p.{suffix}", body))


@FAST
@given(
    body=st.one_of(
        ENCODED,
        st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=3).map(
            lambda rows: _csv(["period", "model", "amount_usd"], rows)
        ),
    )
)
def test_any_invoice_is_read_or_refused(tmp_path_factory, body):
    from advisor.history.invoice import load_invoice

    _only_advisor_errors(load_invoice, _write(tmp_path_factory.mktemp("i"), "inv.csv", body))


@FAST
@given(
    body=st.one_of(
        ENCODED,
        st.lists(st.lists(CELL, min_size=2, max_size=2), max_size=3).map(lambda rows: _csv(["cosine", "same"], rows)),
    )
)
def test_any_pair_labels_file_is_read_or_refused(tmp_path_factory, body):
    from advisor.analyzers.cache.labels import load_pair_labels

    _only_advisor_errors(load_pair_labels, _write(tmp_path_factory.mktemp("pl"), "pairs.csv", body))


@FAST
@given(
    body=st.one_of(
        ENCODED,
        st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=3).map(
            lambda rows: _csv(["query", "model", "score"], rows)
        ),
    )
)
def test_any_routing_labels_file_is_read_or_refused(tmp_path_factory, body):
    from advisor.analyzers.routing.labels import load_labels

    _only_advisor_errors(load_labels, _write(tmp_path_factory.mktemp("rl"), "labels.csv", body))


@FAST
@given(run_id=st.one_of(st.text(max_size=30), st.integers().map(str)))
def test_any_run_id_is_found_or_refused(tmp_path_factory, run_id):
    from advisor.history.store import load_run

    _only_advisor_errors(load_run, run_id, path=tmp_path_factory.mktemp("db") / "runs.db")


PRIVATE = st.one_of(
    st.builds(
        lambda a, b: f"{a}@{b}.com",
        st.text(string.ascii_lowercase, min_size=1, max_size=8),
        st.text(string.ascii_lowercase, min_size=2, max_size=8),
    ),
    st.builds(
        lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}", st.integers(0, 999), st.integers(0, 99), st.integers(0, 9999)
    ),
    st.text(string.ascii_letters + string.digits, min_size=24, max_size=40).map(lambda t: "sk-" + t),
    st.integers(10**8, 10**12).map(str),
)


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(string.ascii_letters + " ,.?", max_size=30),
    secret=PRIVATE,
    after=st.text(string.ascii_letters + " ,.?", max_size=30),
)
def test_planted_private_values_never_survive_redaction(before, secret, after):
    assert secret not in redact_text(f"{before} {secret} {after}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, my name is Ana Lopez.", "Hi, my name is [name]."),
        ("key sk-proj-abcdefghijklmnop1234", "key [key]"),
        ("ssn 123-45-6789", "ssn [ssn]"),
        ("where is my order", "where is my order"),
    ],
)
def test_redaction_rules(text, expected):
    assert redact_text(text) == expected


@settings(max_examples=60, deadline=None)
@given(
    before=st.one_of(TEXT, st.text(string.ascii_letters + " ,.?'", max_size=30)),
    secret=st.one_of(
        PRIVATE,
        st.sampled_from(["my name is Ana Lopez", "I'm Bo", "Bearer abcdefghijklmnopqrstu", "AKIAABCDEFGHIJKLMNOP"]),
    ),
    after=TEXT,
)
def test_batch_redaction_skips_only_texts_no_pattern_can_change(before, secret, after):
    """redact_texts (segment names read texts through it) gives exactly redact_text, text by text."""
    from advisor.core.redact import redact_texts

    texts = [f"{before} {secret} {after}", before, after, "where is my order"]
    assert redact_texts(texts) == [redact_text(t) for t in texts]
