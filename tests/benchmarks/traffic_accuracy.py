"""Accuracy of the batch, prompt and capacity analyzers against known truth -> docs/traffic-accuracy.md.

    python -m tests.benchmarks.traffic_accuracy [--out docs/traffic-accuracy.md] [--cases 20]

1. Generated logs (advisor.lab.synthetic, which records the truth): batch-eligible share of calls and
   cost, and prompt-caching savings as a share of API cost, estimated vs true.
2. Stability verdict on generated stable, growing and step-change traffic (seeds 1000+; the
   thresholds were set while looking at seeds 100-129 only).
3. Reserved sizing vs a brute-force search over every reserved count on the same demand.
4. The prompt-cache replay on the Mooncake trace: replayed reuse (from conversation order,
   as a log shows it) vs the reuse of its real 512-token prefix-block hashes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.analyzers import AnalysisContext
from advisor.analyzers.batch import analyze_batch
from advisor.analyzers.capacity.analyzer import analyze_capacity
from advisor.analyzers.prompt.analyzer import analyze_prompt
from advisor.analyzers.prompt.caching import profile_for, replay_prompt_cache
from advisor.core import schema as S
from advisor.core.config import Config
from advisor.core.paths import data_dir
from advisor.cost.baseline import compute_baseline
from advisor.lab.synthetic import generate_log
from advisor.prices.catalog import load_prices
from tests.capacity_helpers import brute_force_reserved_workers

# (days in the log, calls, look-back days): calls per day set the sampling noise of daily volume.
STABILITY_SETUPS = ((14, 10_000, 30), (28, 20_000, 30), (28, 60_000, 30), (42, 30_000, 60))
CONFIG = Config(sections={"prices": {"as_of": "2026-10-01"}})


def _ctx(config: Config = CONFIG):
    prices = load_prices(config)
    return prices, AnalysisContext(config=config, prices=prices)


def _log(frame: pd.DataFrame) -> S.QueryLog:
    return S.QueryLog(frame=frame, sources=("generated",))


def shares_vs_truth(cases: int) -> list[dict]:
    prices, ctx = _ctx()
    rows = []
    for seed in range(cases):
        sample = generate_log(5000, seed=seed, days=14)
        log = _log(sample.frame)
        base = compute_baseline(log, prices, CONFIG)
        b = analyze_batch(log, base, ctx)
        p = analyze_prompt(log, base, ctx)
        derived = _log(sample.frame.drop(columns=[S.SYSTEM_TOKENS, S.HISTORY_TOKENS]))
        pd_ = analyze_prompt(derived, base, ctx)
        t = sample.truth
        rows.append(
            {
                "seed": seed,
                "batch_calls": (b.eligible_share_of_calls, t.batchable_share_of_calls),
                "batch_cost": (b.eligible_share_of_cost, t.batchable_share_of_cost),
                "batch_savings": (b.monthly_savings_usd / base.api_cost_per_month_usd, t.batch_savings_share_of_cost),
                "cache_savings": (p.prompt_caching["savings_share_of_api_cost"], t.prompt_cache_savings_share_of_cost),
                "cache_read": (p.prompt_caching["read_share_of_input"], t.prompt_cache_readable_share_of_input),
                "cache_savings_derived": (
                    pd_.prompt_caching["savings_share_of_api_cost"],
                    t.prompt_cache_savings_share_of_cost,
                ),
            }
        )
    return rows


def stability_cases(cases: int, days: int, n_calls: int, lookback: int) -> tuple[dict, list[str], list[dict]]:
    config = Config(sections={"prices": {"as_of": "2026-10-01"}, "capacity": {"lookback_days": lookback}})
    prices, ctx = _ctx(config)
    right = {}
    misses = []
    sizing = []
    for traffic in ("stable", "growing", "step"):
        ok = 0
        for seed in range(1000, 1000 + cases):
            log = _log(generate_log(n_calls, seed=seed, days=days, traffic=traffic).frame)
            f = analyze_capacity(log, compute_baseline(log, prices, config), ctx)
            # Growing or shifting traffic is answered right by anything but "stable".
            right_verdict = (f.stability.verdict == "stable") == (traffic == "stable")
            ok += right_verdict
            if not right_verdict:
                misses.append(f"{traffic} seed {seed}: {f.stability.verdict}: {f.stability.reason}")
            for r in f.reservations:
                window = f.per_bin_workers[-r.n_bins :]
                sizing.append({"reserved": r.reserved_workers, "brute": brute_force_reserved_workers(window, 0.4)})
        right[traffic] = ok
    return right, misses, sizing


def random_sizing(cases: int) -> int:
    rng = np.random.default_rng(7)
    same = 0
    for _ in range(cases):
        workers = rng.poisson(rng.uniform(1, 30), size=rng.integers(24, 24 * 60)) + rng.integers(0, 3)
        d = float(rng.uniform(0.3, 0.6))
        from advisor.analyzers.capacity.reservation import optimal_reserved_workers

        same += optimal_reserved_workers(workers, d) == brute_force_reserved_workers(workers, d)
    return same


def mooncake(ttl_s: float, min_prefix: int) -> dict:
    """Replayed vs block-hash reuse on the Mooncake subset (see module docstring)."""
    path = data_dir() / "mooncake-trace" / "conversation_trace_first20min.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    block = 512
    # Conversations as a log records them: a request continues the latest earlier request whose
    # complete prefix blocks it starts with (beyond block 0, which every request shares).
    owner: dict[tuple, int] = {}
    conv = np.zeros(len(rows), dtype=np.int64)
    parent = np.full(len(rows), -1)
    for i, r in enumerate(rows):
        h = tuple(r["hash_ids"])
        conv[i] = i
        for k in range(len(h), 1, -1):
            if h[:k] in owner:
                parent[i] = owner[h[:k]]
                conv[i] = conv[parent[i]]
                break
        owner[h[: r["input_length"] // block]] = i
    inp = np.array([r["input_length"] for r in rows], dtype=np.int64)
    out = np.array([r["output_length"] for r in rows], dtype=np.int64)
    history = np.where(parent >= 0, np.minimum(inp[np.maximum(parent, 0)] + out[np.maximum(parent, 0)], inp), 0)
    ts = pd.Timestamp("2026-10-01", tz="UTC") + pd.to_timedelta([r["timestamp"] for r in rows], unit="ms")
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: ts,
            S.MODEL: "m",
            S.INPUT_TOKENS: inp,
            S.OUTPUT_TOKENS: out,
            S.CONVERSATION_ID: [f"c{c}" for c in conv],
        }
    )
    prof = profile_for("anthropic", ttl_s=ttl_s, min_prefix_tokens=min_prefix)
    replayed = replay_prompt_cache(frame, np.zeros(len(rows), np.int64), history, prof).read_tokens
    # Truth: leading blocks whose prefix some request used within the TTL (uses refresh it).
    last_use: dict[tuple, float] = {}
    truth = np.zeros(len(rows), np.int64)
    for i, r in enumerate(rows):
        h = tuple(r["hash_ids"])
        t = r["timestamp"] / 1000.0
        m = 0
        for k in range(1, len(h) + 1):
            seen = last_use.get(h[:k])
            if seen is None or t - seen > ttl_s:
                break
            m = k
        tokens = min(m * block, r["input_length"])
        truth[i] = tokens if tokens >= max(min_prefix, 1) else 0
        for k in range(1, len(h) + 1):
            last_use[h[:k]] = t
    return {
        "ttl_s": ttl_s,
        "min_prefix": min_prefix,
        "requests": len(rows),
        "conversation_share": float((parent >= 0).mean()),
        "replayed": float(replayed.sum() / inp.sum()),
        "truth": float(truth.sum() / inp.sum()),
    }


def _err(rows: list[dict], key: str) -> tuple[float, float, float, float]:
    est = np.array([r[key][0] for r in rows])
    tru = np.array([r[key][1] for r in rows])
    rel = np.abs(est - tru) / np.where(tru != 0, np.abs(tru), 1)
    return float(est.mean()), float(tru.mean()), float(np.abs(est - tru).max()), float(rel.max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/traffic-accuracy.md")
    ap.add_argument("--cases", type=int, default=20)
    args = ap.parse_args()
    t0 = time.time()
    shares = shares_vs_truth(args.cases)
    stab = {(d, n, lb): stability_cases(args.cases, d, n, lb) for d, n, lb in STABILITY_SETUPS}
    rand_same = random_sizing(500)
    moon = [mooncake(ttl, mp) for ttl, mp in ((300.0, 1024), (300.0, 0), (3600.0, 1024))]

    lines = [
        "# Traffic analyzers: accuracy against known truth",
        "",
        (
            f"Produced by `python -m tests.benchmarks.traffic_accuracy --cases {args.cases}` "
            f"({time.time() - t0:.0f} s on this machine). Prices: genai-prices as of 2026-10-01."
        ),
        "",
        f"## Batch and prompt caching on generated logs ({args.cases} seeds, 5,000 calls, 14 days)",
        "",
        (
            "Truth: `advisor.lab.synthetic` (`SampleTruth`). Error columns are the worst case over the seeds; "
            "relative error is |estimate - truth| / truth."
        ),
        "",
        "| quantity | mean estimate | mean truth | max abs error | max relative error |",
        "|---|---|---|---|---|",
    ]
    names = {
        "batch_calls": "batch-eligible share of calls",
        "batch_cost": "batch-eligible share of cost",
        "batch_savings": "batch savings / API cost",
        "cache_savings": "prompt-caching savings / API cost",
        "cache_read": "prompt-cache read share of input tokens",
        "cache_savings_derived": "prompt-caching savings / API cost, system+history columns dropped (derived)",
    }
    for key, label in names.items():
        m, t, a, r = _err(shares, key)
        lines.append(f"| {label} | {m:.4f} | {t:.4f} | {a:.4f} | {r:.2%} |")
    lines += [
        "",
        (
            "The generator labels its background jobs with `latency_class` and records the prompt-caching "
            "truth with the same provider rules (Anthropic profile: 5-minute TTL refreshed on use, 1,024-token "
            "minimum, writes at 1.25x, reads at the catalog's cached price), so agreement here checks the "
            "replay and pricing code against an independent implementation of the same rules, not the rules "
            "themselves; section 4 checks the rules against real prefix reuse."
        ),
        "",
        "## Stability verdict on generated traffic",
        "",
        (
            "Seeds 1000 onward; `growing` is +6 % a week, `step` a x1.6 level shift at the window's midpoint "
            "(the generator's defaults). Default rules: 'stable' only when the 90 % interval of the trend "
            "(calibrated for AR(1) day-to-day noise) lies within +/-4 %/week, no significant level shift of 15 % "
            "or more and daily CV at most 25 %; growing and step traffic count as right when not called "
            "'stable' ('unstable' or 'undetermined: not enough days to tell'). The calibration itself is checked "
            "on simulated series in docs/stability-simulation.md."
        ),
        "",
        "| days in log | calls | look-back | stable right | growing right | step right |",
        "|---|---|---|---|---|---|",
    ]
    all_sizing = []
    for (d, n, lb), (right, _misses, sizing) in stab.items():
        lines.append(
            f"| {d} | {n:,} | {lb} | {right['stable']}/{args.cases} | {right['growing']}/{args.cases} | "
            f"{right['step']}/{args.cases} |"
        )
        all_sizing += sizing
    lines += [
        "",
        (
            "Daily volume in these logs is noisy (about 8-10 % coefficient of variation at ~700 calls a day, "
            "mostly from the number of conversations a day), so over 14 days the trend interval is much wider than "
            "the +/-4 %/week margin and flat traffic is mostly 'undetermined' rather than 'stable'; more days or "
            "more calls a day narrow it."
        ),
    ]
    for (d, n, _lb), (_right, misses, _sizing) in stab.items():
        if misses:
            lines += ["", f"Misses at {d} days, {n:,} calls:", ""] + [f"- {m}" for m in misses]
    same = sum(s["reserved"] == s["brute"] for s in all_sizing)
    lines += [
        "",
        "## Reserved sizing vs brute force",
        "",
        (
            f"- Every look-back window of the stability runs above: optimal reserved count equals the brute-force "
            f"search over all counts 0..peak in {same} of {len(all_sizing)} windows (hourly demand from the logs, "
            "40 % discount)."
        ),
        f"- 500 random demand series (24 to 1,440 hourly bins, discount 30-60 %): equal in {rand_same} of 500.",
        "- `tests/analyzers/capacity/test_capacity.py` checks the same with hypothesis on 300 more random cases.",
        "",
        "## Prompt-cache replay on the Mooncake trace (real prefix reuse)",
        "",
        (
            "`data/mooncake-trace/conversation_trace_first20min.jsonl` (3,658 requests). The log view gives the "
            "replay what a gateway log has: timestamps, token counts and a conversation id (a request continues "
            "the latest earlier request whose complete 512-token blocks it starts with); its history is the "
            "parent's prompt plus answer. The truth reads the leading prefix blocks any earlier request used "
            "within the TTL (block hashes, rounded to whole 512-token blocks, across conversations too)."
        ),
        "",
        (
            "| TTL (s) | min prefix | requests in a conversation | replayed read share | block-hash read share | "
            "difference |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for m in moon:
        lines.append(
            f"| {m['ttl_s']:.0f} | {m['min_prefix']} | {m['conversation_share']:.1%} | {m['replayed']:.3f} | "
            f"{m['truth']:.3f} | {m['replayed'] - m['truth']:+.3f} |"
        )
    lines += [
        "",
        (
            "Where they differ: the replay sees only its own conversation's previous prompt (plus shared "
            "system prompts, which the trace does not expose: block 0, at most 512 tokens, is under the "
            "1,024-token minimum), so prefixes reused across conversations (shared documents) are missed; the "
            "block truth drops the partial last block of every prefix."
        ),
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
