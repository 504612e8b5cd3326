"""Benchmark: every gateway/tracer export format, priced without --map, against the true cost.

    python -m tests.benchmarks.gateway_formats [--out docs/gateway-formats.md]

Writes 40 calls (plus 2 failed requests) per format with tests/benchmarks/gateway_writers.py,
reads each file with `load_log` (no mapping), prices it with `load_prices` +
`compute_baseline`, and compares with the true cost computed here independently: each
successful call priced by genai-prices' own `calc_price` at the call's time (input with
cached reads, output with reasoning), at 50 % for OpenAI Batch API calls (OpenAI's batch
discount). Failed requests cost nothing. Writes a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.gateway_writers import Call, write_all

TOLERANCE_PCT = 0.5  # the bar: within ±0.5 % of the true cost
BATCH_FACTOR = 0.5  # OpenAI Batch API: 50 % of the standard price
BATCH_FORMATS = ("OpenAI Batch output JSONL",)


@dataclass(frozen=True)
class Outcome:
    name: str
    file: str
    calls: int
    failed: int
    true_usd: float
    advisor_usd: float | None
    error: str | None

    @property
    def diff_pct(self) -> float | None:
        if self.advisor_usd is None:
            return None
        return 100.0 * (self.advisor_usd - self.true_usd) / self.true_usd


def true_cost(calls: list[Call], batch: bool) -> float:
    from genai_prices import Usage, calc_price

    total = 0.0
    for c in calls:
        if c.failed:
            continue
        usage = Usage(input_tokens=c.input, cache_read_tokens=c.cached, output_tokens=c.output)
        price = calc_price(usage, c.model, provider_id=c.provider, genai_request_timestamp=c.time).total_price
        total += float(price) * (BATCH_FACTOR if batch else 1.0)
    return total


def measure(name: str, path: Path, calls: list[Call], prices=None) -> Outcome:
    from advisor.core.config import Config
    from advisor.core.errors import AdvisorError
    from advisor.cost.baseline import compute_baseline
    from advisor.ingest.load import load_log
    from advisor.prices.catalog import load_prices

    truth = true_cost(calls, batch=name in BATCH_FORMATS)
    n_ok = sum(not c.failed for c in calls)
    n_failed = len(calls) - n_ok
    try:
        log = load_log(path)
        config = Config()
        base = compute_baseline(log, prices or load_prices(config), config)
    except AdvisorError as exc:
        return Outcome(name, path.name, n_ok, n_failed, truth, None, str(exc))
    return Outcome(name, path.name, base.n_calls, log.skipped.count, truth, float(base.per_call_cost_usd.sum()), None)


def run(folder: Path) -> list[Outcome]:
    from advisor.core.config import Config
    from advisor.prices.catalog import load_prices

    prices = load_prices(Config())
    return [measure(name, path, calls, prices) for name, (path, calls) in write_all(folder).items()]


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "# Gateway export formats: priced without --map",
        "",
        "Regenerate: `python -m tests.benchmarks.gateway_formats --out docs/gateway-formats.md`",
        "",
        "Each file holds 40 calls and 2 failed requests written in the tool's own export schema",
        "(tests/benchmarks/gateway_writers.py). *True* is each successful call priced with",
        "genai-prices' `calc_price` at the call's time (50 % for OpenAI Batch API calls);",
        "*advisor* is `load_log` (no `--map`) + `load_prices` + `compute_baseline`.",
        f"Bar: within ±{TOLERANCE_PCT} %. The calls mix gpt-4o, gpt-4o-mini, o4-mini (reasoning tokens),",
        "claude-sonnet-4-5 and deepseek-chat (priced by time of day; the calls span 08:00-20:00 UTC),",
        "half with cached input; the OpenAI files hold OpenAI models only, the batch file no cache hits.",
        "Which fields each format is read from: the docstrings of advisor/ingest/<format>.py.",
        "",
        "| format | file | calls read | failed (apart) | true USD | advisor USD | diff | within bar |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        if o.advisor_usd is None:
            lines.append(f"| {o.name} | `{o.file}` | – | – | {o.true_usd:.6f} | error: {o.error} | – | no |")
            continue
        d = o.diff_pct or 0.0
        ok = "yes" if abs(d) <= TOLERANCE_PCT else "no"
        lines.append(
            f"| {o.name} | `{o.file}` | {o.calls} | {o.failed} | {o.true_usd:.6f} | {o.advisor_usd:.6f} | {d:+.3f} % | {ok} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown table here (else print it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = table(run(Path(tmp)))
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
