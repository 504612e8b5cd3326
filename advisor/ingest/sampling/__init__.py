"""Logs larger than memory -> a conversation sample (keys: hash points; chunks: streamed reading;
load: the sampled QueryLog). See advisor/ingest/sampling/load.py."""

from __future__ import annotations

from advisor.ingest.sampling.keys import bottom_k_threshold, has_conversation, sample_keys, sample_points
from advisor.ingest.sampling.load import check_sample_options, load_sampled_log

__all__ = [
    "bottom_k_threshold",
    "check_sample_options",
    "has_conversation",
    "load_sampled_log",
    "sample_keys",
    "sample_points",
]
