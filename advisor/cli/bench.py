"""`advisor bench`: measure advisor's own cost and write BENCHMARKS.md.

    advisor bench [--sizes 10000,100000] [--repeats 3] [--out BENCHMARKS.md]
                  [--embedder minilm|onnx-int8|onnx-fp32|fake] [--with-1m] [--no-onnx] [--ann-sizes 200000]

Parses options, calls advisor.lab.bench, writes the Markdown; all measuring is in the library.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from advisor.core.errors import ConfigError


def _int_list(name: str, value: str) -> tuple[int, ...]:
    if value.strip() in ("", "none"):
        return ()
    try:
        return tuple(int(x.replace("_", "")) for x in value.split(","))
    except ValueError:
        raise ConfigError.setting(name, "a comma-separated list of integers such as 10000,100000", value) from None


@click.command("bench")
@click.option("--sizes", default="10000,100000", show_default=True, help="Log sizes (calls) to generate and analyze.")
@click.option("--with-1m", "with_1m", is_flag=True, help="Add a 1,000,000-call log to the growth table (slow).")
@click.option("--repeats", default=3, show_default=True, type=int, help="Runs per measurement; medians are reported.")
@click.option(
    "--embedder",
    default="minilm",
    show_default=True,
    type=click.Choice(["minilm", "onnx-int8", "onnx-fp32", "fake"]),
    help="Embedding backend for the pipeline rows.",
)
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option(
    "--threshold", default=0.80, show_default=True, type=float, help="Cosine threshold for the GPTCache and ANN rows."
)
@click.option(
    "--gptcache-calls", default=2000, show_default=True, type=int, help="Cacheable calls replayed through GPTCache."
)
@click.option("--no-onnx", is_flag=True, help="Skip the ONNX int8 vs torch fp32 row.")
@click.option("--onnx-texts", default=2000, show_default=True, type=int, help="Unique texts timed in the ONNX row.")
@click.option(
    "--ann-sizes", default="200000", show_default=True, help="Vector counts for the ANN vs exact row ('none' skips)."
)
@click.option(
    "--ann-exact-max",
    default=200000,
    show_default=True,
    type=int,
    help="Largest size that also runs the full exact replay.",
)
@click.option(
    "--analyzers",
    default="cache,routing,batch,prompt,capacity",
    show_default=True,
    help="Analyzers the analyze rows run.",
)
@click.option("--out", "out", default="BENCHMARKS.md", show_default=True, type=click.Path(dir_okay=False))
def bench(
    *,
    sizes: str,
    with_1m: bool,
    repeats: int,
    embedder: str,
    batch_size: int,
    threshold: float,
    gptcache_calls: int,
    no_onnx: bool,
    onnx_texts: int,
    ann_sizes: str,
    ann_exact_max: int,
    analyzers: str,
    out: str,
) -> None:
    """Time advisor's stages against embedding alone, GPTCache, ONNX and ANN; write a Markdown table."""
    from advisor.cli.console import console as make_console
    from advisor.lab.bench import BenchSettings, render_markdown, run_benchmarks

    size_list = _int_list("sizes", sizes) + ((1_000_000,) if with_1m else ())
    if batch_size < 1:
        raise ConfigError.setting("batch-size", "an integer >= 1", batch_size)
    if gptcache_calls < 10:
        raise ConfigError.setting("gptcache-calls", "an integer >= 10", gptcache_calls)
    out_path = Path(out)
    if not out_path.parent.exists():
        raise ConfigError.setting("out", "a file in an existing folder", out)
    settings = BenchSettings(
        sizes=size_list,
        repeats=repeats,
        embedder=embedder,
        batch_size=batch_size,
        threshold=threshold,
        gptcache_calls=gptcache_calls,
        onnx=not no_onnx,
        onnx_texts=onnx_texts,
        ann_sizes=_int_list("ann-sizes", ann_sizes),
        ann_exact_max=ann_exact_max,
        analyzers=tuple(a.strip() for a in analyzers.split(",") if a.strip()),
    )
    console = make_console(stderr=True)
    report = run_benchmarks(settings, progress=lambda msg: console.print(f"bench: {msg}", style="dim"))
    command = (
        "advisor bench " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 1 else "advisor bench"
    )
    out_path.write_text(render_markdown(report, command.strip()) + "\n", encoding="utf-8")
    console.print(f"wrote {out_path}")
