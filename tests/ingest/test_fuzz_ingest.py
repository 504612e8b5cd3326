"""Property-based ingest fuzzing (issue 8, bad input).

Valid CSV, JSONL, Parquet and OpenAI-chat logs are mutated (missing and duplicated columns,
wrong types, NaN / negative / huge / infinite tokens, broken encodings and BOMs, truncated
lines and files, mixed time zones, empty files, header only, gzip) and loaded. Every case
must end in a QueryLog that satisfies the schema or an InputError whose message is one line
naming the file: never another exception, never a silently wrong number. Valid logs in
every shape must keep every number exactly. A smaller variant runs `advisor analyze` on
mutated logs and requires exit status 0 or 2 with one line on stderr.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest import load_log
from advisor.ingest.validate import MAX_TOKENS_PER_CALL

FUZZ = settings(
    max_examples=90,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()

COLUMNS = ["timestamp", "model", "input_tokens", "output_tokens", "conversation_id", "quality", "query"]
BAD_VALUES = [
    "",
    "abc",
    "NaN",
    "-5",
    "-1e3",
    "1e30",
    "99999999999999999999999",
    "inf",
    "-inf",
    "3.5",
    "true",
    "2026-13-45",
    "yesterday",
    "1e-300",
    "0x10",
    " ",
    "None",
    "null",
    "\u00e9t\u00e9",
    "1,000",
]
TIME_FORMS = [
    "2026-11-02T10:00:0{s}Z",
    "2026-11-02T15:30:0{s}+05:30",
    "2026-11-02 10:00:0{s}",
    "17936136{s}0",
    "17936136{s}0000",
    "2026-11-02T10:00:0{s}.123-08:00",
    "11/02/2026 10:00:0{s}",
]
MUTATIONS = [
    "none",
    "drop_column",
    "duplicate_column",
    "bad_value",
    "bad_values_column",
    "mixed_time_zones",
    "rename_column",
]
BYTE_MUTATIONS = [
    "none",
    "truncate",
    "bad_utf8",
    "utf8_bom",
    "utf16_bom",
    "empty",
    "header_only",
    "gzip",
    "gzip_truncated",
    "latin1",
    "crlf",
    "nul_byte",
]


def base_rows(n: int) -> list[dict]:
    models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-20241022", "gemini-1.5-flash"]
    return [
        {
            "timestamp": f"2026-11-02T10:00:{i % 60:02d}Z",
            "model": models[i % 4],
            "input_tokens": 100 + i,
            "output_tokens": 10 + i,
            "conversation_id": f"c{i // 2}",
            "quality": round((i % 5) / 4, 2),
            "query": f"question number {i}",
        }
        for i in range(n)
    ]


@st.composite
def mutated_rows(draw):
    """(rows as dicts of values, column order, mutation applied)."""
    rows = base_rows(draw(st.integers(1, 6)))
    cols = list(COLUMNS)
    what = draw(st.sampled_from(MUTATIONS))
    if what == "drop_column":
        gone = draw(st.sampled_from(cols))
        cols.remove(gone)
    elif what == "duplicate_column":
        cols.append(draw(st.sampled_from(cols)))
    elif what == "rename_column":
        i = draw(st.integers(0, len(cols) - 1))
        new = draw(st.sampled_from(["prompt_tokens", "created_at", "x", "model_name", "spend", "user"]))
        for r in rows:
            r[new] = r.pop(cols[i])
        cols[i] = new
    elif what in ("bad_value", "bad_values_column"):
        col = draw(st.sampled_from(COLUMNS))
        targets = range(len(rows)) if what == "bad_values_column" else [draw(st.integers(0, len(rows) - 1))]
        for i in targets:
            rows[i][col] = draw(st.sampled_from(BAD_VALUES + [None, -7, 10**20, float("nan"), 2.5, True]))
    elif what == "mixed_time_zones":
        for i, r in enumerate(rows):
            r["timestamp"] = draw(st.sampled_from(TIME_FORMS)).format(s=i % 10)
    return rows, cols, what


def to_csv(rows, cols) -> bytes:
    def cell(v):
        if v is None:
            return ""
        s = str(v)
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s

    lines = [",".join(cols)] + [",".join(cell(r.get(c)) for c in cols) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def to_jsonl(rows, cols) -> bytes:
    out = []
    for r in rows:
        # Duplicated columns become duplicated keys.
        parts = [f"{json.dumps(c)}: {json.dumps(r.get(c))}" for c in cols]
        out.append("{" + ", ".join(parts) + "}")
    return ("\n".join(out) + "\n").encode()


def to_parquet(rows, cols) -> bytes:
    arrays = []
    for c in cols:
        values = [r.get(c) for r in rows]
        kinds = {type(v) for v in values if v is not None}
        too_big = any(isinstance(v, int) and abs(v) >= 2**63 for v in values)
        if len(kinds) > 1 or kinds & {bool} or too_big:
            values = [None if v is None else str(v) for v in values]  # Parquet columns have one type
        arrays.append(pa.array(values))
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=cols), buf)
    return buf.getvalue()


def mutate_bytes(data: bytes, what: str, draw) -> bytes:
    if what == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if what == "bad_utf8":
        i = draw(st.integers(0, len(data)))
        return data[:i] + b"\xff\xfe\xc3" + data[i:]
    if what == "utf8_bom":
        return b"\xef\xbb\xbf" + data
    if what == "utf16_bom":
        return b"\xff\xfe" + data.decode("utf-8", errors="replace").encode("utf-16-le")
    if what == "empty":
        return b""
    if what == "header_only":
        return data.split(b"\n", 1)[0] + b"\n"
    if what == "gzip":
        return gzip.compress(data)
    if what == "gzip_truncated":
        z = gzip.compress(data)
        return z[: draw(st.integers(2, max(len(z) - 1, 2)))]
    if what == "latin1":
        return data.replace(b"question", b"questi\xf3n")
    if what == "crlf":
        return data.replace(b"\n", b"\r\n")
    if what == "nul_byte":
        i = draw(st.integers(0, len(data)))
        return data[:i] + b"\x00" + data[i:]
    return data


def check_outcome(path, skip_bad_rows: bool) -> None:
    """The property: a valid QueryLog, or one clean line naming the file."""
    try:
        log = load_log(path, skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, message
        assert str(path) in message, message
        assert "expected" in message, message
        return
    f = log.frame
    assert len(f) >= 1
    for col in schema.REQUIRED:
        assert col in f.columns
    assert str(f[schema.TIMESTAMP].dtype) == "datetime64[ns, UTC]" and f[schema.TIMESTAMP].notna().all()
    assert f[schema.TIMESTAMP].is_monotonic_increasing
    for col in (schema.INPUT_TOKENS, schema.OUTPUT_TOKENS):
        assert f[col].dtype == np.int64
        assert ((f[col] >= 0) & (f[col] <= MAX_TOKENS_PER_CALL)).all()
    assert f[schema.MODEL].map(lambda m: isinstance(m, str) and m.strip() != "").all()
    assert f[schema.PROVIDER].notna().all()
    if schema.QUALITY in f.columns:
        q = f[schema.QUALITY].dropna()
        assert ((q >= 0) & (q <= 1)).all()
    assert isinstance(f.index, pd.RangeIndex)
    assert (f[schema.SOURCE_ROW] >= 1).all()
    if not skip_bad_rows:
        assert log.skipped.count == 0
    else:
        assert log.skipped.count == sum(log.skipped.by_reason.values())
        if log.skipped.count:
            assert any(w.startswith(f"Skipped {log.skipped.count} of ") for w in log.warnings)


def _run(tmp_path, data, draw, writer, suffix):
    rows, cols, _ = draw(mutated_rows())
    payload = writer(rows, cols)
    what = draw(st.sampled_from(BYTE_MUTATIONS))
    payload = mutate_bytes(payload, what, draw)
    name = f"log{next(_counter)}{suffix}" + (".gz" if what.startswith("gzip") and draw(st.booleans()) else "")
    path = tmp_path / name
    path.write_bytes(payload)
    check_outcome(path, skip_bad_rows=draw(st.booleans()))


@FUZZ
@given(data=st.data())
def test_fuzzed_csv_logs_load_or_fail_cleanly(tmp_path, data):
    _run(tmp_path, data, data.draw, to_csv, ".csv")


@FUZZ
@given(data=st.data())
def test_fuzzed_jsonl_logs_load_or_fail_cleanly(tmp_path, data):
    _run(tmp_path, data, data.draw, to_jsonl, ".jsonl")


@FUZZ
@given(data=st.data())
def test_fuzzed_parquet_logs_load_or_fail_cleanly(tmp_path, data):
    _run(tmp_path, data, data.draw, to_parquet, ".parquet")


def chat_record(i: int) -> dict:
    return {
        "id": f"c{i}",
        "created": 1793613600 + i,
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"q{i}"}],
        "choices": [{"message": {"role": "assistant", "content": "ok"}}],
        "usage": {"prompt_tokens": 20 + i, "completion_tokens": 2},
    }


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_openai_chat_logs_load_or_fail_cleanly(tmp_path, data):
    records = [chat_record(i) for i in range(data.draw(st.integers(1, 4)))]
    rec = data.draw(st.sampled_from(records))
    path_ = data.draw(
        st.sampled_from(
            [
                "created",
                "model",
                "usage",
                "messages",
                "choices",
                "usage.prompt_tokens",
                "messages.0.content",
                "usage.completion_tokens",
            ]
        )
    )
    value = data.draw(st.sampled_from([None, "abc", -3, 1e30, [], {}, True, "", 3.5]))
    target = rec
    keys = path_.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target[k]
    last = keys[-1]
    if data.draw(st.booleans()):
        target.pop(int(last) if last.isdigit() else last, None) if isinstance(target, dict) else None
    else:
        target[int(last) if last.isdigit() else last] = value
    payload = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    payload = mutate_bytes(
        payload, data.draw(st.sampled_from(["none", "truncate", "bad_utf8", "utf8_bom", "gzip"])), data.draw
    )
    path = tmp_path / f"chat{next(_counter)}.jsonl"
    path.write_bytes(payload)
    check_outcome(path, skip_bad_rows=data.draw(st.booleans()))


# ----------------------------------------------------------------------------- no silently wrong numbers

EPOCH_2026_11_02 = 1793577600  # 2026-11-02T00:00:00Z


@st.composite
def valid_log(draw):
    """Rows with known instants and token counts, written in a random but valid shape."""
    n = draw(st.integers(1, 12))
    seconds = draw(st.lists(st.integers(0, 86399), min_size=n, max_size=n))
    forms = draw(st.lists(st.sampled_from(["iso_z", "iso_offset", "epoch_s", "epoch_ms"]), min_size=n, max_size=n))
    tokens_in = draw(st.lists(st.integers(0, MAX_TOKENS_PER_CALL), min_size=n, max_size=n))
    tokens_out = draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n))
    rows = []
    for sec, form, ti, to in zip(seconds, forms, tokens_in, tokens_out):
        t = pd.Timestamp(EPOCH_2026_11_02 + sec, unit="s", tz="UTC")
        stamp = {
            "iso_z": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "iso_offset": t.tz_convert("Asia/Kolkata").isoformat(),
            "epoch_s": str(EPOCH_2026_11_02 + sec),
            "epoch_ms": str((EPOCH_2026_11_02 + sec) * 1000),
        }[form]
        rows.append({"timestamp": stamp, "model": "gpt-4o-mini", "input_tokens": ti, "output_tokens": to})
    instants = sorted(pd.Timestamp(EPOCH_2026_11_02 + s, unit="s", tz="UTC") for s in seconds)
    return rows, instants, sum(tokens_in), sum(tokens_out)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    log=valid_log(),
    fmt=st.sampled_from([".csv", ".jsonl", ".parquet"]),
    shape=st.sampled_from(["plain", "gzip", "utf8_bom", "crlf"]),
)
def test_valid_logs_in_any_shape_keep_every_number(tmp_path, log, fmt, shape):
    rows, instants, total_in, total_out = log
    cols = list(rows[0])
    payload = {".csv": to_csv, ".jsonl": to_jsonl, ".parquet": to_parquet}[fmt](rows, cols)
    if fmt != ".parquet":
        payload = mutate_bytes(payload, {"plain": "none"}.get(shape, shape), None)
    elif shape == "gzip":
        payload = gzip.compress(payload)
    path = tmp_path / f"valid{next(_counter)}{fmt}"
    path.write_bytes(payload)
    loaded = load_log(path)
    f = loaded.frame
    assert loaded.n_calls == len(rows) and loaded.skipped.count == 0
    assert int(f[schema.INPUT_TOKENS].sum()) == total_in
    assert int(f[schema.OUTPUT_TOKENS].sum()) == total_out
    assert f[schema.TIMESTAMP].tolist() == instants


# ----------------------------------------------------------------------------- through the CLI


def _cli_command() -> list[str]:
    """`advisor analyze` (fake embedder, no run store); `advisor cost` if analyze is absent."""
    from advisor.cli.main import cli

    return ["analyze", "--no-store"] if "analyze" in cli.commands else ["cost"]


def test_fuzzed_logs_through_the_cli_exit_0_or_2_with_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import advisor.embed
    from advisor.cli.main import cli

    # The real model would make 200 runs slow; the embedder is not what is tested here.
    monkeypatch.setattr(advisor.embed, "default_embedder", lambda *a, **k: advisor.embed.FakeEmbedder(dim=64))

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def run(data):
        fmt = data.draw(st.sampled_from([(to_csv, ".csv"), (to_jsonl, ".jsonl"), (to_parquet, ".parquet")]))
        rows, cols, _ = data.draw(mutated_rows())
        payload = mutate_bytes(fmt[0](rows, cols), data.draw(st.sampled_from(BYTE_MUTATIONS)), data.draw)
        path = tmp_path / f"cli{next(_counter)}{fmt[1]}"
        path.write_bytes(payload)
        args = _cli_command() + [str(path)] + (["--skip-bad-rows"] if data.draw(st.booleans()) else [])
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
        if result.exit_code == 2:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
            assert "Traceback" not in result.output

    run()
