"""Reading the providers' batch output files: the documented success, error, expired and
cancelled rows of both, and one-line errors for anything else."""

from __future__ import annotations

import json

import pytest

from advisor.core.errors import InputError
from advisor.shadow.outputs import CANCELED, ERRORED, EXPIRED, SUCCEEDED, read_outputs
from tests.shadow.fakes import anthropic_errored, anthropic_expired, anthropic_success, openai_error, openai_success

# OpenAI's batch guide, "Batch expiration": an expired request in the error file, verbatim.
OPENAI_EXPIRED = (
    '{"id": "batch_req_123", "custom_id": "request-3", "response": null, "error": {"code": "batch_expired", '
    '"message": "This request could not be executed before the completion window expired."}}'
)
# OpenAI's batch guide, "Retrieve the results": an output line, verbatim.
OPENAI_OUTPUT = (
    '{"id": "batch_req_123", "custom_id": "request-2", "response": {"status_code": 200, "request_id": "req_123", '
    '"body": {"id": "chatcmpl-123", "object": "chat.completion", "created": 1711652795, "model": "gpt-3.5-turbo-0125", '
    '"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello."}, "logprobs": null, '
    '"finish_reason": "stop"}], "usage": {"prompt_tokens": 22, "completion_tokens": 2, "total_tokens": 24}, '
    '"system_fingerprint": "fp_123"}}, "error": null}'
)


def _write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_openai_output_and_error_files(tmp_path):
    http_error = openai_success("r5", "gpt-4o", "x")
    http_error["response"]["status_code"] = 400
    http_error["response"]["body"] = {"error": {"message": "bad model", "type": "invalid_request_error"}}
    path = _write(tmp_path, "out.jsonl", [OPENAI_OUTPUT, OPENAI_EXPIRED, openai_error("r4"), http_error])
    got = read_outputs([path])
    assert [(r.custom_id, r.status, r.text) for r in got] == [
        ("request-2", SUCCEEDED, "Hello."),
        ("request-3", EXPIRED, None),
        ("r4", ERRORED, None),
        ("r5", ERRORED, None),
    ]
    assert "batch_expired" in got[1].detail and got[3].detail == "HTTP 400: bad model"
    assert (got[0].file, got[0].line) == (str(path), 1)


def test_anthropic_results_every_result_type(tmp_path):
    rows = [
        anthropic_success("a1", "claude-haiku-4-5", "Hello!"),
        anthropic_errored("a2"),
        anthropic_expired("a3"),
        {"custom_id": "a4", "result": {"type": "canceled"}},
    ]
    got = read_outputs([_write(tmp_path, "results.jsonl", rows)])
    assert [(r.custom_id, r.status) for r in got] == [
        ("a1", SUCCEEDED),
        ("a2", ERRORED),
        ("a3", EXPIRED),
        ("a4", CANCELED),
    ]
    assert got[0].text == "Hello!" and got[1].detail == "invalid_request_error: max_tokens: Field required"


def test_a_reply_without_text_is_kept_as_succeeded_without_text(tmp_path):
    refusal = openai_success("r1", "gpt-4o", "x")
    refusal["response"]["body"]["choices"][0]["message"]["content"] = None
    tool_only = anthropic_success("a1", "claude-haiku-4-5", "x")
    tool_only["result"]["message"]["content"] = [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]
    got = read_outputs([_write(tmp_path, "o.jsonl", [refusal, tool_only])])
    assert [(r.status, r.text) for r in got] == [(SUCCEEDED, None), (SUCCEEDED, None)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"custom_id": "a", "result": {"type": "expired"}}\nnot json\n',
            r"o\.jsonl, line 2: expected a JSON object, found invalid JSON",
        ),
        ('{"id": "x"}\n', r"line 1: expected a batch result with a custom_id, found no custom_id"),
        ('{"custom_id": "a", "status": "ok"}\n', r"line 1: expected OpenAI 'response'/'error' or Anthropic 'result'"),
        ('{"custom_id": "a", "result": {"type": "weird"}}\n', r"line 1, column 'result.type'"),
        ("\n\n", r"expected at least one result line, found an empty file"),
        ('{"custom_id": "a", "response": 7, "error": null}\n', r"column 'response'"),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_line(tmp_path, content, expected):
    path = tmp_path / "o.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match=expected) as err:
        read_outputs([path])
    assert "\n" not in str(err.value) and "Pass the files downloaded from the provider" in str(err.value)


def test_a_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(InputError, match="batch output file not found"):
        read_outputs([tmp_path / "nope.jsonl"])
