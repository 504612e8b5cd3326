"""Realistic sample logs with known ground truth (see generator.py)."""

from advisor.lab.synthetic.generator import SampleLog, SampleSettings, generate_log
from advisor.lab.synthetic.io import truth_paths, write_sample
from advisor.lab.synthetic.truth import SampleTruth, prompt_cache_readable_tokens

__all__ = [
    "SampleLog",
    "SampleSettings",
    "SampleTruth",
    "generate_log",
    "prompt_cache_readable_tokens",
    "truth_paths",
    "write_sample",
]
