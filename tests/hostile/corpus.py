"""A hostile corpus: malformed, hostile or unusual inputs, one Case each, generated into a folder.

Each case builds its files under `tmp` (a fresh folder), names the command line to run and
says what must happen: exit status 0 (valid input, read correctly) or 2 (one line naming the
file, row or field and the fix). `check` adds case-specific assertions (the right numbers, a
refusal, an untouched symlink target). Kinds: log, config, prices, invoice, labels, pair
labels, paths, run ids, ADVISOR_HOME, environment.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER = "timestamp,model,provider,input_tokens,output_tokens,conversation_id,query"
ROWS = [
    "2026-10-01T00:00:00Z,gpt-4o-mini,openai,100,20,c1,where is my order",
    "2026-10-01T01:00:00Z,gpt-4o-mini,openai,120,30,c2,cancel my plan",
    "2026-10-02T00:00:00Z,gpt-4o,openai,300,50,c3,refund please",
    "2026-10-03T00:00:00Z,gpt-4o,openai,200,40,c4,change my address",
]
GOOD_CSV = "\n".join([HEADER, *ROWS]) + "\n"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    build: Callable[[Path], list[str]]  # tmp folder -> argv (after `advisor`)
    expect: int = 2
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[Path, str, str], None] | None = None  # (tmp, stdout, stderr)
    subprocess: bool = False  # a native crash (segfault) must be observable
    mentions: tuple[str, ...] = ()  # words the one-line error must contain


def _write(tmp: Path, name: str, data: str | bytes) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _good(tmp: Path) -> Path:
    return _write(tmp, "calls.csv", GOOD_CSV)


def _cost(*extra: str) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        return ["cost", str(_good(tmp)), "--json", *extra]

    return build


def _log_case(name: str, filename: str, data: str | bytes, expect: int = 2, **kw: Any) -> Case:
    extra = kw.pop("extra", ())

    def build(tmp: Path) -> list[str]:
        return ["cost", str(_write(tmp, filename, data)), "--json", *extra]

    return Case(name, "log", build, expect, **kw)


def _json_calls(check_calls: int) -> Callable[[Path, str, str], None]:
    def check(tmp: Path, out: str, err: str) -> None:
        assert json.loads(out)["n_calls"] == check_calls

    return check


def _deep_json(depth: int) -> str:
    row = json.loads(json.dumps({"timestamp": "2026-10-01T00:00:00Z"}))
    text = json.dumps(row)[:-1] + ', "model": ' + "[" * depth + "]" * depth + "}"
    return text + "\n"


def _gz_truncated() -> bytes:
    body = (HEADER + "\n" + "\n".join(ROWS * 400) + "\n").encode()
    return gzip.compress(body)[:-200]


def _parquet(tmp: Path, name: str, table_fn: Callable[[], Any]) -> Path:
    import pyarrow.parquet as pq

    path = tmp / name
    pq.write_table(table_fn(), path)
    return path


def _parquet_table(timestamps: Any) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "timestamp": timestamps,
            "model": pa.array(["gpt-4o-mini", "gpt-4o"]),
            "input_tokens": pa.array([100, 200]),
            "output_tokens": pa.array([10, 20]),
            "conversation_id": pa.array(["a", "b"]),
        }
    )


def _parquet_year_9999(tmp: Path) -> list[str]:
    import datetime as dt

    import pyarrow as pa

    stamps = pa.array([dt.datetime(9999, 12, 31, 23), dt.datetime(9999, 12, 31, 23, 30)], pa.timestamp("us"))
    return ["cost", str(_parquet(tmp, "y9999.parquet", lambda: _parquet_table(stamps))), "--json"]


def _parquet_time_of_day(tmp: Path) -> list[str]:
    import datetime as dt

    import pyarrow as pa

    stamps = pa.array([dt.time(10, 0), dt.time(11, 0)], pa.time64("us"))
    return ["cost", str(_parquet(tmp, "tod.parquet", lambda: _parquet_table(stamps))), "--json"]


def _huge_text_field(suffix: str) -> Callable[[Path], list[str]]:
    """A log whose second call has a query of 17 Mi characters: past any context window."""

    def build(tmp: Path) -> list[str]:
        big = "x" * (17 * 2**20)
        if suffix == "csv":
            data = GOOD_CSV.replace("refund please", big, 1)
        else:
            row = {"timestamp": "2026-10-02T00:00:00Z", "model": "gpt-4o", "provider": "openai"}
            rows = [{**row, "input_tokens": 10, "output_tokens": 5, "query": q} for q in ("hi", big)]
            data = "".join(json.dumps(r) + "\n" for r in rows)
        return ["cost", str(_write(tmp, f"huge.{suffix}", data)), "--json"]

    return build


def log_cases() -> list[Case]:
    markup_model = GOOD_CSV.replace("gpt-4o-mini,openai,100", "[/x],openai,100", 1)
    parts = HEADER + ",system_tokens,history_tokens\n" + ROWS[0] + ",80,50\n"
    return [
        _log_case("markup-column-name", "m.csv", HEADER + ",[/x]\n" + ROWS[0] + ",1\n", expect=0),
        _log_case("markup-model-name", "m.csv", markup_model, mentions=("[/x]",)),
        _log_case("markup-bold-model", "b.csv", GOOD_CSV.replace("gpt-4o,", "[bold red]x[/],", 1), mentions=("[bold",)),
        _log_case("deep-json-nesting-1e4", "deep.jsonl", _deep_json(10_000), subprocess=True, mentions=("line 1",)),
        _log_case("deep-json-nesting-1e5", "deep.jsonl", _deep_json(100_000), subprocess=True, mentions=("line 1",)),
        Case("parquet-year-9999", "log", _parquet_year_9999, expect=2, mentions=("timestamp",)),
        Case("parquet-time-of-day", "log", _parquet_time_of_day, expect=2, mentions=("timestamp",)),
        _log_case("gz-truncated", "t.csv.gz", _gz_truncated(), mentions=("t.csv.gz",)),
        _log_case("gz-truncated-sampled", "t.csv.gz", _gz_truncated(), extra=("--sample-fraction", "0.5")),
        _log_case("gz-not-gzip", "n.csv.gz", b"this is not gzip"),
        _log_case("empty-file", "e.csv", ""),
        _log_case("header-only", "h.csv", HEADER + "\n"),
        _log_case("binary-garbage", "g.csv", bytes(range(256)) * 8),
        _log_case(
            "nul-bytes-in-text", "z.csv", GOOD_CSV.replace("cancel", "can\x00cel"), expect=0, check=_json_calls(4)
        ),
        _log_case("latin1-log", "l.csv", GOOD_CSV.replace("refund please", "r\xe9fund").encode("latin-1")),
        _log_case("negative-tokens", "neg.csv", GOOD_CSV.replace(",100,20,", ",-100,20,"), mentions=("input_tokens",)),
        _log_case("nan-tokens", "nan.csv", GOOD_CSV.replace(",100,20,", ",100,nan,"), mentions=("output_tokens",)),
        _log_case("inf-tokens", "inf.csv", GOOD_CSV.replace(",100,20,", ",inf,20,"), mentions=("input_tokens",)),
        _log_case("huge-tokens", "hg.csv", GOOD_CSV.replace(",100,20,", ",1e300,20,"), mentions=("input_tokens",)),
        _log_case("parts-exceed-input", "p.csv", parts, mentions=("system_tokens",)),
        _log_case("bad-timestamp", "t.csv", GOOD_CSV.replace("2026-10-02T00:00:00Z", "yesterday")),
        _log_case("jsonl-not-object", "a.jsonl", "[1,2,3]\n"),
        Case("text-field-over-16-MiB-csv", "log", _huge_text_field("csv"), mentions=("query", "16,777,216")),
        Case("text-field-over-16-MiB-jsonl", "log", _huge_text_field("jsonl"), mentions=("query", "line 2")),
        _log_case("jsonl-broken", "b.jsonl", '{"timestamp": \n'),
        Case("log-is-directory", "path", lambda tmp: ["cost", str(tmp), "--json"]),
        Case("log-missing", "path", lambda tmp: ["cost", str(tmp / "nope.csv"), "--json"]),
        Case(
            "same-file-twice",
            "log",
            lambda tmp: ["cost", str(_good(tmp)), str(_good(tmp)), "--json"],
            expect=0,
            check=_json_calls(4),
        ),
        Case(
            "same-file-twice-other-spelling",
            "log",
            lambda tmp: ["cost", str(_good(tmp)), str(tmp / "." / "calls.csv"), "--json"],
            expect=0,
            check=_json_calls(4),
        ),
        _log_case("valid-log", "ok.csv", GOOD_CSV, expect=0, check=_json_calls(4)),
    ]


def _config_case(name: str, text: str | bytes, *, expect: int = 2, mentions: tuple[str, ...] = ()) -> Case:
    def build(tmp: Path) -> list[str]:
        cfg = _write(tmp, "c.toml", text)
        return ["analyze", str(_good(tmp)), "--analyzers", "batch", "--no-store", "--json", "--config", str(cfg)]

    return Case(name, "config", build, expect, mentions=mentions)


def _stdout_has(*words: str) -> Callable[[Path, str, str], None]:
    def check(tmp: Path, out: str, err: str) -> None:
        for word in words:
            assert word in out, f"{word!r} missing from the output"

    return check


MARKUP_CSV = HEADER + ",task,user_id\n" + "\n".join(f"{r},[/x],[bold]bu[/] :smile:" for r in ROWS) + "\n"


def terminal_cases() -> list[Case]:
    one_row = HEADER + "\n" + ROWS[0] + "\n"
    return [
        Case(
            "terminal-warning-keeps-[projection]",
            "log",
            lambda tmp: ["cost", str(_write(tmp, "one.csv", one_row))],
            expect=0,
            check=_stdout_has("[projection]"),
        ),
        Case(
            "terminal-markup-in-task-and-unit-cost",
            "log",
            lambda tmp: ["cost", str(_write(tmp, "mk.csv", MARKUP_CSV))],
            expect=0,
        ),
        Case(
            "terminal-markup-in-task-and-unit-analyze",
            "log",
            lambda tmp: ["analyze", str(_write(tmp, "mk.csv", MARKUP_CSV)), "--analyzers", "batch", "--no-store"],
            expect=0,
        ),
        Case(
            "terminal-markup-file-name",
            "path",
            lambda tmp: ["cost", str(_write(tmp, "[bold]x[/].csv", "garbage"))],
            mentions=("[bold]x[/].csv",),
        ),
    ]


def config_cases() -> list[Case]:
    return [
        _config_case(
            "config-misspelled-section", "[projecton]\nconversations_per_day = 10\n", mentions=("projection",)
        ),
        _config_case("config-misspelled-top-key", "quality_targt = 0.9\n", mentions=("quality_target",)),
        _config_case("config-misspelled-key", "[batch]\nn_bootstap = 200\n", mentions=("n_bootstrap",)),
        _config_case("config-seed-negative", "seed = -1\n", mentions=("seed",)),
        _config_case("config-seed-huge", "seed = 9223372036854775807\n", mentions=("seed",)),
        _config_case("config-n-bootstrap-huge", "[batch]\nn_bootstrap = 2000000000\n", mentions=("n_bootstrap",)),
        _config_case("config-latin1", "# caf\xe9\nseed = 1\n".encode("latin-1")),
        _config_case("config-section-scalar", "batch = 3\n", mentions=("batch",)),
        _config_case("config-not-toml", "this is = = not toml\n"),
        _config_case("config-valid", "seed = 3\n[batch]\nn_bootstrap = 200\n", expect=0),
        Case(
            "config-is-directory",
            "config",
            lambda tmp: ["cost", str(_good(tmp)), "--json", "--config", str(tmp)],
            mentions=("--config",),
        ),
        Case(
            "config-is-directory-analyze",
            "config",
            lambda tmp: ["analyze", str(_good(tmp)), "--no-store", "--analyzers", "batch", "--config", str(tmp)],
        ),
    ]


def _prices_case(name: str, filename: str, data: str | bytes, *, expect: int = 2, **kw: Any) -> Case:
    def build(tmp: Path) -> list[str]:
        return ["cost", str(_good(tmp)), "--json", "--prices", str(_write(tmp, filename, data))]

    return Case(name, "prices", build, expect, **kw)


PRICE_HEADER = "model,provider,input,output\n"


def prices_cases() -> list[Case]:
    return [
        _prices_case(
            "prices-extra-field", "p.toml", '["gpt-4o"]\ninput = 1\noutput = 2\ncolour = "red"\n', mentions=("colour",)
        ),
        _prices_case("prices-latin1", "p.toml", '["gpt-4o"]\n# caf\xe9\ninput = 1\noutput = 2\n'.encode("latin-1")),
        _prices_case("prices-scalar", "p.toml", "gpt-4o = 1\n", mentions=("gpt-4o",)),
        _prices_case("prices-list", "p.toml", "gpt-4o = [1, 2]\n", mentions=("gpt-4o",)),
        _prices_case(
            "prices-csv-duplicate",
            "p.csv",
            PRICE_HEADER + "gpt-4o,openai,1,2\ngpt-4o,openai,100,200\n",
            mentions=("gpt-4o",),
        ),
        _prices_case("prices-csv-nan", "p.csv", PRICE_HEADER + "gpt-4o,openai,nan,2\n"),
        _prices_case("prices-csv-negative", "p.csv", PRICE_HEADER + "gpt-4o,openai,-1,2\n"),
        _prices_case("prices-csv-empty", "p.csv", ""),
        _prices_case("prices-csv-latin1", "p.csv", (PRICE_HEADER + "gpt-4o,op\xe9nai,1,2\n").encode("latin-1")),
        _prices_case("prices-wrong-suffix", "p.json", "{}"),
        _prices_case("prices-valid", "p.csv", PRICE_HEADER + "gpt-4o,openai,1,2\n", expect=0),
        Case("prices-is-directory", "prices", lambda tmp: ["cost", str(_good(tmp)), "--prices", str(tmp / "d.toml")]),
    ]


def _invoice_case(name: str, data: str | bytes, *, expect: int = 2, **kw: Any) -> Case:
    def build(tmp: Path) -> list[str]:
        return ["reconcile", "--invoice", str(_write(tmp, "inv.csv", data)), "--json"]

    return Case(name, "invoice", build, expect, **kw)


INVOICE_HEADER = "period,model,amount_usd\n"


def _invoice_check(model: str, amount: float, matched: bool) -> Callable[[Path, str, str], None]:
    def check(tmp: Path, out: str, err: str) -> None:
        lines = json.loads(out)["lines"]
        assert lines[0]["model"] == model
        assert abs(lines[0]["invoice_usd"] - amount) < 1e-9
        assert (lines[0]["projected_usd"] is not None) == matched

    return check


def invoice_cases() -> list[Case]:
    return [
        _invoice_case(
            "invoice-latin1", (INVOICE_HEADER + "2026-10,caf\xe9,10\n").encode("latin-1"), mentions=("UTF-8",)
        ),
        _invoice_case("invoice-garbage", bytes(range(256)) * 4),
        _invoice_case("invoice-empty", ""),
        _invoice_case("invoice-no-amount", "period,model\n2026-10,gpt-4o\n", mentions=("amount",)),
        _invoice_case("invoice-bad-period", INVOICE_HEADER + "October,gpt-4o,10\n", mentions=("period",)),
        _invoice_case("invoice-nan-amount", INVOICE_HEADER + "2026-10,gpt-4o,nan\n", mentions=("amount_usd",)),
        _invoice_case(
            "invoice-prefix-model",
            INVOICE_HEADER + "2026-10,c,10\n",
            expect=0,
            check=_invoice_check("c", 10.0, matched=False),
        ),
        _invoice_case(
            "invoice-thousands-separator",
            INVOICE_HEADER + '2026-10,gpt-4o,"1,234.56"\n',
            expect=0,
            check=_invoice_check("gpt-4o", 1234.56, matched=True),
        ),
        _invoice_case(
            "invoice-dollar-sign",
            INVOICE_HEADER + "2026-10,gpt-4o,$12.50\n",
            expect=0,
            check=_invoice_check("gpt-4o", 12.5, matched=True),
        ),
        _invoice_case("invoice-ambiguous-comma", INVOICE_HEADER + '2026-10,gpt-4o,"1,5"\n', mentions=("amount_usd",)),
        _invoice_case("invoice-valid", INVOICE_HEADER + "2026-10,gpt-4o,10\n", expect=0),
        Case(
            "invoice-unknown-run",
            "run id",
            lambda tmp: [
                "reconcile",
                "--invoice",
                str(_write(tmp, "i.csv", INVOICE_HEADER + "2026-10,gpt-4o,1\n")),
                "--run",
                "77",
            ],
        ),
    ]


def run_id_cases() -> list[Case]:
    cases = []
    for label, run_id in (
        ("huge", "99999999999999999999"),
        ("text", "abc"),
        ("negative", "-1"),
        ("zero", "0"),
        ("float", "1.5"),
    ):
        cases.append(
            Case(f"runs-show-{label}", "run id", lambda tmp, r=run_id: ["runs", "show", r], mentions=(run_id,))
        )
        cases.append(
            Case(
                f"export-{label}",
                "run id",
                lambda tmp, r=run_id: ["export", "json", "--run", r, "--out", str(tmp / "x.json")],
            )
        )
    cases.append(Case("runs-show-valid", "run id", lambda tmp: ["runs", "show", "1"], expect=0))
    return cases


def _analyze(tmp: Path, *extra: str) -> list[str]:
    return ["analyze", str(_good(tmp)), "--analyzers", "batch", *extra]


def _symlink_untouched(tmp: Path, out: str, err: str) -> None:
    assert (tmp / "victim.txt").read_text() == "keep me"


def _symlink_html(tmp: Path) -> list[str]:
    _write(tmp, "victim.txt", "keep me")
    (tmp / "r.html").symlink_to(tmp / "victim.txt")
    return _analyze(tmp, "--no-store", "--html", str(tmp / "r.html"))


def path_cases() -> list[Case]:
    return [
        Case(
            "html-missing-folder",
            "path",
            lambda tmp: _analyze(tmp, "--html", str(tmp / "no" / "r.html")),
            mentions=("no",),
        ),
        Case("markdown-missing-folder", "path", lambda tmp: _analyze(tmp, "--markdown", str(tmp / "no" / "r.md"))),
        Case("html-dev-full", "path", lambda tmp: _analyze(tmp, "--no-store", "--html", "/dev/full")),
        Case("markdown-dev-full", "path", lambda tmp: _analyze(tmp, "--no-store", "--markdown", "/dev/full")),
        Case("html-is-directory", "path", lambda tmp: _analyze(tmp, "--no-store", "--html", str(tmp))),
        Case("html-symlink", "path", _symlink_html, expect=0, check=_symlink_untouched),
        Case(
            "sample-out-missing-folder",
            "path",
            lambda tmp: ["sample", "--calls", "10", "--out", str(tmp / "no" / "s.csv")],
        ),
        Case("sample-out-dev-full", "path", lambda tmp: ["sample", "--calls", "10", "--out", "/dev/full"]),
        Case("sample-out-bad-suffix", "path", lambda tmp: ["sample", "--calls", "10", "--out", str(tmp / "s.txt")]),
        Case(
            "export-out-missing-folder", "run id", lambda tmp: ["export", "json", "--out", str(tmp / "no" / "x.json")]
        ),
    ]


def labels_cases() -> list[Case]:
    def pair(name: str, data: str | bytes, expect: int = 2) -> Case:
        return Case(
            name,
            "pair labels",
            lambda tmp: _analyze(tmp, "--no-store", "--pair-labels", str(_write(tmp, "pairs.csv", data))),
            expect,
        )

    def routing(name: str, data: str | bytes, expect: int = 2) -> Case:
        return Case(
            name,
            "labels",
            lambda tmp: _analyze(tmp, "--no-store", "--labels", str(_write(tmp, "labels.csv", data))),
            expect,
        )

    return [
        pair("pair-labels-garbage", b"\x00\x01garbage"),
        pair("pair-labels-no-columns", "a,b\n1,2\n"),
        pair("pair-labels-bad-same", "cosine,same\n0.9,maybe\n"),
        Case(
            "pair-labels-missing",
            "pair labels",
            lambda tmp: _analyze(tmp, "--no-store", "--pair-labels", str(tmp / "nope.csv")),
        ),
        routing("labels-garbage", b"\xff\xfe\x00garbage"),
        routing("labels-no-columns", "a,b\n1,2\n"),
        routing("labels-bad-score", "query,model,score\nhi,gpt-4o,perhaps\n"),
        Case("labels-missing", "labels", lambda tmp: _analyze(tmp, "--no-store", "--labels", str(tmp / "nope.csv"))),
        Case(
            "embedding-model-empty-folder",
            "paths",
            lambda tmp: _analyze(tmp, "--no-store", "--embedding-model", str((tmp / "model").mkdir() or tmp / "model")),
        ),
        Case(
            "embedding-model-missing",
            "paths",
            lambda tmp: _analyze(tmp, "--no-store", "--embedding-model", str(tmp / "nomodel")),
        ),
    ]


def home_cases() -> list[Case]:
    def home_file(tmp: Path) -> list[str]:
        _write(tmp, "homefile", "x")
        return ["runs", "list"]

    return [
        Case(
            "home-is-file",
            "ADVISOR_HOME",
            home_file,
            env={"ADVISOR_HOME": "{tmp}/homefile"},
            mentions=("ADVISOR_HOME",),
        ),
        Case(
            "home-under-file",
            "ADVISOR_HOME",
            lambda tmp: (_write(tmp, "hf", "x"), ["runs", "list"])[1],
            env={"ADVISOR_HOME": "{tmp}/hf/sub"},
            mentions=("ADVISOR_HOME",),
        ),
        Case(
            "home-analyze-is-file",
            "ADVISOR_HOME",
            lambda tmp: (_write(tmp, "hf", "x"), _analyze(tmp))[1],
            env={"ADVISOR_HOME": "{tmp}/hf"},
            mentions=("ADVISOR_HOME",),
        ),
        Case(
            "home-corrupt-runs-db",
            "ADVISOR_HOME",
            lambda tmp: (_write(tmp, "h/runs.db", b"not sqlite" * 100), ["runs", "list"])[1],
            env={"ADVISOR_HOME": "{tmp}/h"},
        ),
        Case("env-sample-fraction-zero", "environment", _cost("--sample-fraction", "0")),
        Case("env-sample-fraction-nan", "environment", _cost("--sample-fraction", "nan")),
        Case("env-max-rows-negative", "environment", _cost("--max-rows", "-5")),
        Case("env-map-garbage", "environment", _cost("--map", "===")),
        Case(
            "env-quality-target-nan", "environment", lambda tmp: _analyze(tmp, "--no-store", "--quality-target", "nan")
        ),
    ]


def _as_format(csv_text: str, fmt: str) -> bytes:
    """The same table as JSONL, TSV or gzip (values hold no tabs or commas)."""
    import csv
    import io

    if fmt.startswith("jsonl"):
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        body = "".join(json.dumps(r) + "\n" for r in rows) if rows else ""
    elif fmt.startswith("tsv"):
        body = csv_text.replace(",", "\t")
    else:
        body = csv_text
    data = body.encode("utf-8")
    return gzip.compress(data) if fmt.endswith(".gz") else data


FORMAT_VARIANTS = {
    "negative-tokens": (GOOD_CSV.replace(",100,20,", ",-100,20,"), 2),
    "bad-timestamp": (GOOD_CSV.replace("2026-10-02T00:00:00Z", "yesterday"), 2),
    "missing-model-column": (GOOD_CSV.replace("model,", "modle,", 1), 2),
    "markup-in-query": (GOOD_CSV.replace("refund please", "[/x] [bold]refund"), 0),
    "huge-tokens": (GOOD_CSV.replace(",100,20,", ",99999999999,20,"), 2),
    "valid": (GOOD_CSV, 0),
}


def format_cases() -> list[Case]:
    cases = []
    for fmt in ("jsonl", "tsv", "csv.gz", "jsonl.gz"):
        for name, (text, expect) in FORMAT_VARIANTS.items():
            check = _json_calls(4) if expect == 0 else None
            cases.append(_log_case(f"{fmt}-{name}", f"x.{fmt}", _as_format(text, fmt), expect=expect, check=check))
    return cases


def section_key_cases() -> list[Case]:
    from advisor.core.config import KNOWN_SECTIONS

    return [
        _config_case(f"config-unknown-key-in-{section}", f"[{section}]\nnot_a_setting_xyz = 1\n", mentions=(section,))
        for section in KNOWN_SECTIONS
        if section != "prices"
    ]


def all_cases() -> list[Case]:
    return [
        *log_cases(),
        *terminal_cases(),
        *config_cases(),
        *prices_cases(),
        *invoice_cases(),
        *run_id_cases(),
        *path_cases(),
        *labels_cases(),
        *home_cases(),
        *format_cases(),
        *section_key_cases(),
    ]
