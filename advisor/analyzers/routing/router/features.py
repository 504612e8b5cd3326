"""Cheap per-request features for the router: texts (+ turn) -> float array.

They carry what an embedding of the text misses: how long the request is, how much of it is
numbers (arithmetic-heavy requests are where small models fail), and how long the question is
before any listed options. Computed from the text alone so the shipped router can use them on
any log.
"""

from __future__ import annotations

import re

import numpy as np

_OPTION_LINE = re.compile(r"\n\s*(?:[A-Da-d][.)]|\(?[1-4]\))\s")
TEXT_FEATURES = ("log_chars", "n_lines", "digit_share", "log_stem_chars")


def text_features(texts) -> np.ndarray:
    """(n, 4) float64: log length, line count, digit share, log length before the first option."""
    rows = []
    for text in texts:
        text = "" if text is None else str(text)
        n = len(text)
        match = _OPTION_LINE.search(text)
        stem = match.start() if match else n
        digits = sum(map(str.isdigit, text))  # map over a C method: ~3x a generator on 100k texts
        rows.append((np.log1p(n), float(text.count("\n")), digits / max(n, 1), np.log1p(stem)))
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(TEXT_FEATURES))
