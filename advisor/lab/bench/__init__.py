"""Performance benchmarks (`advisor bench`): BenchSettings -> BenchReport -> BENCHMARKS.md.

Stage times and memory of the analyze pipeline against embedding alone, the cache replay
against GPTCache, ONNX int8 against torch fp32, approximate against exact neighbour search,
and growth with log size. Each measurement runs in a fresh worker process (worker.py).
"""

from advisor.lab.bench.markdown import render_markdown
from advisor.lab.bench.runner import BenchReport, BenchSettings, run_benchmarks

__all__ = ["BenchReport", "BenchSettings", "render_markdown", "run_benchmarks"]
