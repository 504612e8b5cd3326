"""Requests files for `advisor route --file`: plain lines or JSONL."""

from __future__ import annotations

import pytest

from advisor.core.errors import InputError
from advisor.deploy.texts import read_requests


def test_plain_lines_are_one_request_each_and_blank_lines_are_skipped(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("where is my refund\n\ncancel my card\n")
    assert read_requests(p) == (["where is my refund", "cancel my card"], None)


def test_jsonl_reads_text_query_or_prompt_and_the_turn(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text('{"text": "a", "turn": 3}\n"b"\n{"prompt": "c"}\n')
    assert read_requests(p) == (["a", "b", "c"], [3.0, 1.0, 1.0])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"other": 1}', "line 2: expected a JSON string or an object"),
        ('{"text": "x", "turn": "two"}', "column 'turn'"),
    ],
)
def test_a_bad_line_is_one_error_naming_the_line(tmp_path, line, message):
    p = tmp_path / "r.jsonl"
    p.write_text('{"text": "fine"}\n' + line + "\n")
    with pytest.raises(InputError, match=message):
        read_requests(p)
