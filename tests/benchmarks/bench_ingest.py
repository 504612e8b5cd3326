"""Benchmark: ingest (and, when present, the cost model) on N generated calls.

    python -m tests.benchmarks.bench_ingest --rows 1000000 [--out docs/benchmarks-ingest.md]

Generates a seeded log with numpy (ISO timestamps with zone, 4 catalog models without a
provider column so provider inference runs, conversation and user ids, cached tokens,
quality), writes it as CSV, Parquet and JSONL into a temporary folder, then runs each case in a
fresh Python process so that its peak RSS (VmHWM, see peak_rss_mb) is its own:
`load_log` on the CSV, the Parquet and the JSONL, and `load_log` + `load_prices` + `compute_baseline`
on the CSV. Writes a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.memory import peak_rss_mb

MODELS = np.array(["gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro"])


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-11-01T00:00:00", "ms")
    offsets_ms = np.sort(rng.integers(0, 14 * 86400 * 1000, rows))
    stamps = np.datetime_as_string(start + offsets_ms.astype("timedelta64[ms]"), unit="ms", timezone="UTC")
    inp = rng.integers(300, 8000, rows)
    return pd.DataFrame(
        {
            "timestamp": stamps,
            "model": MODELS[rng.integers(0, len(MODELS), rows)],
            "input_tokens": inp,
            "output_tokens": rng.integers(20, 800, rows),
            "cached_input_tokens": (inp * rng.uniform(0, 0.5, rows)).astype(np.int64),
            "conversation_id": np.char.add("c", rng.integers(0, rows // 6 + 1, rows).astype(str)),
            "user_id": np.char.add("u", rng.integers(0, rows // 50 + 1, rows).astype(str)),
            "quality": rng.random(rows).round(3),
        }
    )


WORDS = np.array(
    [
        "where",
        "is",
        "my",
        "order",
        "refund",
        "card",
        "balance",
        "account",
        "password",
        "reset",
        "the",
        "a",
        "to",
        "of",
        "for",
        "please",
        "help",
        "with",
        "cancel",
        "subscription",
        "invoice",
        "delivery",
        "late",
        "charge",
        "twice",
        "why",
        "can",
        "I",
        "change",
        "address",
        "email",
        "thanks",
        "hello",
        "status",
        "payment",
        "failed",
        "update",
        "plan",
        "upgrade",
    ]
)


def make_text_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """Calls with query and response text but no token counts: ingest must count them."""
    rng = np.random.default_rng(seed)

    def sentences(n_words: int) -> list[str]:
        idx = rng.integers(0, len(WORDS), (rows, n_words))
        return [" ".join(r) for r in WORDS[idx]]

    start = np.datetime64("2026-11-01T00:00:00", "s")
    stamps = np.datetime_as_string(
        start + np.sort(rng.integers(0, 86400, rows)).astype("timedelta64[s]"), timezone="UTC"
    )
    return pd.DataFrame(
        {"timestamp": stamps, "model": "gpt-4o-mini", "query": sentences(15), "response": sentences(40)}
    )


def write_chat_jsonl(path: Path, rows: int, seed: int = 2) -> None:
    """OpenAI chat-completions lines (system + history + user message, usage present)."""
    rng = np.random.default_rng(seed)
    words = WORDS[rng.integers(0, len(WORDS), (rows, 12))]
    with path.open("w") as out:
        for i in range(rows):
            msg = " ".join(words[i])
            out.write(
                json.dumps(
                    {
                        "id": f"chatcmpl-{i}",
                        "created": 1793577600 + i,
                        "model": "gpt-4o-mini",
                        "messages": [
                            {"role": "system", "content": "You are a support agent for ACME."},
                            {"role": "user", "content": "hello"},
                            {"role": "assistant", "content": "Hi! How can I help?"},
                            {"role": "user", "content": msg},
                        ],
                        "choices": [{"message": {"role": "assistant", "content": "Sure, " + msg}}],
                        "usage": {"prompt_tokens": 40 + i % 50, "completion_tokens": 15},
                    }
                )
                + "\n"
            )


def _has_cost_model() -> bool:
    try:
        from advisor.cost.baseline import compute_baseline  # noqa: F401
        from advisor.prices.catalog import load_prices  # noqa: F401
    except ImportError:
        return False
    return True


def run_case(case: str, path: str) -> dict:
    """One measurement, in this (fresh) process."""
    from advisor.ingest import load_log

    t0 = time.perf_counter()
    log = load_log(path)
    ingest_s = time.perf_counter() - t0
    result = {"case": case, "rows": log.n_calls, "ingest_s": ingest_s}
    if case == "csv+cost":
        from advisor.core.config import Config
        from advisor.cost.baseline import compute_baseline
        from advisor.prices.catalog import load_prices

        config = Config(sections={"prices": {"as_of": "2026-11-20"}})
        t1 = time.perf_counter()
        baseline = compute_baseline(log, load_prices(config), config)
        result["cost_s"] = time.perf_counter() - t1
        result["api_cost_per_month_usd"] = float(baseline.api_cost_per_month_usd)
    result["total_s"] = time.perf_counter() - t0
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--text-rows",
        type=int,
        default=100_000,
        help="rows of the text-only log whose token counts ingest derives with the tokenizer",
    )
    ap.add_argument(
        "--chat-rows",
        type=int,
        default=100_000,
        help="rows of the OpenAI chat-completions JSONL log (parsed line by line)",
    )
    ap.add_argument("--out", default="docs/benchmarks-ingest.md")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.file)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        frame = make_frame(args.rows)
        csv_path, pq_path, jsonl_path = Path(tmp) / "log.csv", Path(tmp) / "log.parquet", Path(tmp) / "log.jsonl"
        frame.to_csv(csv_path, index=False)
        frame.to_parquet(pq_path, index=False)
        frame.to_json(jsonl_path, orient="records", lines=True)
        text_path = Path(tmp) / "text.csv"
        make_text_frame(args.text_rows).to_csv(text_path, index=False)
        chat_path = Path(tmp) / "chat.jsonl"
        write_chat_jsonl(chat_path, args.chat_rows)
        gen_s = time.perf_counter() - t0
        sizes = {"csv": csv_path.stat().st_size, "parquet": pq_path.stat().st_size, "jsonl": jsonl_path.stat().st_size}
        del frame
        cases = [
            ("csv", csv_path),
            ("parquet", pq_path),
            ("jsonl", jsonl_path),
            ("csv text-only", text_path),
            ("openai chat jsonl", chat_path),
        ]
        if _has_cost_model():
            cases.append(("csv+cost", csv_path))
        results = []
        for case, path in cases:
            out = subprocess.run(
                [sys.executable, "-m", "tests.benchmarks.bench_ingest", "--case", case, "--file", str(path)],
                capture_output=True,
                text=True,
                check=True,
                env=dict(os.environ),
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(results[-1], flush=True)

    lines = [
        "# Benchmark: ingest (+ cost model)",
        "",
        f"Command: `python -m tests.benchmarks.bench_ingest --rows {args.rows}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs while measured), "
        f"{platform.python_implementation()} {platform.python_version()}, pandas {pd.__version__}.",
        "",
        f"Generated log: {args.rows:,} calls, CSV {sizes['csv'] / 1e6:.0f} MB, Parquet {sizes['parquet'] / 1e6:.0f} MB, "
        f"JSONL {sizes['jsonl'] / 1e6:.0f} MB "
        f"(generation {gen_s:.1f} s, not counted). Columns: ISO timestamp with zone, model (4 catalog models, "
        "no provider column: inferred), input/output/cached tokens, conversation and user ids, quality.",
        "",
        "Each case runs in a fresh process; peak RSS is that process's maximum resident memory",
        "(including the Python interpreter and imported libraries). The `csv text-only` case is a",
        f"separate {args.text_rows:,}-row log with query (15 words) and response (40 words) text and no",
        "token columns, so ingest counts 2 texts per row with the offline o200k_base tokenizer.",
        f"`openai chat jsonl` is a {args.chat_rows:,}-line chat-completions log (4 messages, usage present):",
        "nested, so parsed line by line, and system/history tokens are counted from the messages.",
        "",
        "| case | rows | load_log (s) | cost model (s) | total (s) | peak RSS (MB) | goal met (≤ 60 s, ≤ 1,536 MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cost = f"{r['cost_s']:.2f}" if "cost_s" in r else "–"
        ok = "yes" if r["total_s"] <= 60 and r["peak_rss_mb"] <= 1536 else "no"
        if r["case"] == "csv text-only":
            ok = f"n/a: {2 * r['rows'] / r['ingest_s']:,.0f} texts counted per second"
        elif r["case"] == "openai chat jsonl":
            ok = f"n/a: {r['rows'] / r['ingest_s']:,.0f} lines per second"
        lines.append(
            f"| {r['case']} | {r['rows']:,} | {r['ingest_s']:.2f} | {cost} | {r['total_s']:.2f} | "
            f"{r['peak_rss_mb']:.0f} | {ok} |"
        )
    if not _has_cost_model():
        lines += ["", "advisor.cost.baseline is not installed in this tree: the cost-model case was not run."]
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
