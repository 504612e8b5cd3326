"""Decompression bound: a gzip log that expands past the limit is refused with one line,
without holding its text; one within the limit (several members too) reads whole."""

from __future__ import annotations

import gzip

import pytest

from advisor.core.errors import InputError
from advisor.ingest import load_log, readers

ROWS = b"timestamp,model,input_tokens,output_tokens\n" + b"2026-10-01T00:00:00Z,gpt-4o,10,2\n" * 2000


def test_a_gzip_bomb_is_refused_naming_the_limit_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_WHOLE_FILE_BYTES", 10_000)  # the bomb: 68 kB of text
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(ROWS))
    with pytest.raises(InputError, match=r"bomb.csv.gz: expected at most .* MiB .*--sample-fraction"):
        readers.read_bytes(path)


def test_multi_member_gzip_within_the_limit_reads_whole(tmp_path):
    path = tmp_path / "calls.jsonl.gz"
    line = b'{"timestamp":"2026-10-01T00:00:00Z","model":"gpt-4o","input_tokens":10,"output_tokens":2}\n'
    path.write_bytes(gzip.compress(line * 3) + gzip.compress(line * 2))
    assert load_log(path).n_calls == 5
