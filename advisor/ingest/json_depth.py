"""Nesting depth of JSON lines, checked before any parser sees them: bytes -> first deep line.

pyarrow's JSON reader crashes the process (a segfault, exit 139) on deeply nested input and
Python's json raises RecursionError, so a line nested deeper than MAX_JSON_DEPTH is refused
(or, under --skip-bad-rows, blanked and counted) before either runs. Log records are flat or
a few levels deep (an OpenAI chat completion is 5).

Cheap on ordinary logs: a line holding at most MAX_JSON_DEPTH opening brackets cannot be
deeper than that, so only lines with more are scanned exactly (brackets inside strings do
not count).
"""

from __future__ import annotations

import numpy as np

MAX_JSON_DEPTH = 64

_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))
_QUOTE, _BACKSLASH, _NEWLINE = ord('"'), ord("\\"), ord("\n")


def line_depth(line: bytes) -> int:
    """The deepest bracket nesting of one line, brackets inside JSON strings not counted."""
    buf = np.frombuffer(line, dtype=np.uint8)
    quotes = np.flatnonzero(buf == _QUOTE)
    if quotes.size:
        # A quote is real unless an odd run of backslashes precedes it.
        plain = np.flatnonzero(buf != _BACKSLASH)
        before = np.searchsorted(plain, quotes) - 1
        previous = np.where(before >= 0, plain[np.maximum(before, 0)], -1)
        quotes = quotes[(quotes - 1 - previous) % 2 == 0]
    toggles = np.zeros(len(buf), dtype=np.int32)
    toggles[quotes] = 1
    outside = np.cumsum(toggles) % 2 == 0
    step = np.where(np.isin(buf, _OPEN) & outside, 1, 0) - np.where(np.isin(buf, _CLOSE) & outside, 1, 0)
    return int(np.cumsum(step).max(initial=0))


def too_deep_lines(data: bytes, limit: int = MAX_JSON_DEPTH) -> list[int]:
    """1-based numbers of the lines nested deeper than `limit`, in file order."""
    buf = np.frombuffer(data, dtype=np.uint8)
    openers = np.flatnonzero(np.isin(buf, _OPEN))
    if openers.size <= limit:
        return []
    newlines = np.flatnonzero(buf == _NEWLINE)
    line_of = np.searchsorted(newlines, openers)  # 0-based line of each opening bracket
    counts = np.bincount(line_of)
    deep = []
    for index in np.flatnonzero(counts > limit):
        start = 0 if index == 0 else int(newlines[index - 1]) + 1
        end = int(newlines[index]) if index < len(newlines) else len(data)
        if line_depth(data[start:end]) > limit:
            deep.append(int(index) + 1)
    return deep


def blank_lines(data: bytes, numbers: list[int]) -> bytes:
    """`data` with the given lines replaced by an invalid JSON token of the same length, so
    line numbers stay right and the reader counts them as unreadable."""
    out = bytearray(data)
    starts = np.concatenate(([0], np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE) + 1))
    for number in numbers:
        start = int(starts[number - 1])
        end = int(starts[number]) - 1 if number < len(starts) else len(data)
        out[start:end] = b"!" + b" " * (end - start - 1)
    return bytes(out)
