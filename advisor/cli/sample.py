"""`advisor sample`: write a realistic customer-service log with its ground truth.

    advisor sample --calls 20000 --out log.csv [--seed 0] [--days 14] [--start 2026-10-01]
                   [--traffic stable|growing|step] [--weekly-growth 0.06] [--step-factor 1.6]
                   [--shadow-share 0.12] [--responses] [--truth truth.json]

The log format follows the extension (.csv, .csv.gz, .jsonl, .jsonl.gz, .parquet); the truth
goes to a JSON summary plus a Parquet sidecar of per-call truth (default: next to the log).
With --responses the log also has a `response` column: an answer per call consistent with its
true answer class (advisor/lab/synthetic/responses.py); every other column is unchanged.
"""

from __future__ import annotations

import click


@click.command("sample")
@click.option("--calls", "n_calls", type=click.IntRange(min=1), required=True, help="Number of LLM calls to generate.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Log file to write; format by extension (.csv, .csv.gz, .jsonl, .jsonl.gz, .parquet).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same log).")
@click.option(
    "--days", type=click.IntRange(1, 3660), default=14, show_default=True, help="Length of the window in days."
)
@click.option("--start", default="2026-10-01", show_default=True, help="First day of the window (ISO date, UTC).")
@click.option(
    "--traffic",
    type=click.Choice(["stable", "growing", "step"]),
    default="stable",
    show_default=True,
    help="Volume trend: flat, growing week over week, or a level shift mid-window.",
)
@click.option(
    "--weekly-growth",
    type=float,
    default=0.06,
    show_default=True,
    help="With --traffic growing: volume multiplies by 1 + this each week.",
)
@click.option(
    "--step-factor",
    type=float,
    default=1.6,
    show_default=True,
    help="With --traffic step: level after the window's midpoint relative to before.",
)
@click.option(
    "--shadow-share",
    type=click.FloatRange(0.0, 1.0),
    default=0.12,
    show_default=True,
    help="Share of calls with shadow quality scores of the cheaper models.",
)
@click.option(
    "--responses/--no-responses",
    default=False,
    show_default=True,
    help="Also write a response column: each call's answer, consistent with its true answer class.",
)
@click.option(
    "--truth",
    "truth",
    type=click.Path(dir_okay=False),
    default=None,
    help="Truth JSON to write (default: <out name>.truth.json next to the log).",
)
def sample(
    *,
    n_calls: int,
    out: str,
    seed: int,
    days: int,
    start: str,
    traffic: str,
    weekly_growth: float,
    step_factor: float,
    shadow_share: float,
    responses: bool,
    truth: str | None,
) -> None:
    """Generate a seeded customer-service log with known ground truth."""
    from advisor.lab.synthetic import generate_log, truth_paths, write_sample

    truth_paths(out, truth)  # reject bad file names before spending time generating
    log = generate_log(
        n_calls,
        seed=seed,
        start=start,
        days=days,
        traffic=traffic,
        weekly_growth=weekly_growth,
        step_factor=step_factor,
        shadow_share=shadow_share,
    )
    if responses:
        from advisor.lab.synthetic.responses import with_responses

        log = with_responses(log)
    log_path, truth_json, sidecar = write_sample(log, out, truth)
    t = log.truth
    click.echo(f"Wrote {t.n_calls:,} calls ({t.n_conversations:,} conversations, {t.span_days:.1f} days) to {log_path}")
    click.echo(f"Truth: {truth_json} (per-call: {sidecar})")
    click.echo(
        f"  repeat share of first turns {t.repeat_share_of_first_turns:.1%}, batchable share of calls "
        f"{t.batchable_share_of_calls:.1%}, routable share "
        + ", ".join(f"{m} {v:.1%}" for m, v in t.routable_share.items())
    )
