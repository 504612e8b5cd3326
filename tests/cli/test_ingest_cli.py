"""Ingest errors as the user sees them: exit status 2 and one line on stderr, via the CLI.

`advisor cost LOGS` is used because it ingests like `advisor analyze` but needs no embedder;
`--map` and `--skip-bad-rows` are passed through to load_log by both commands.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from advisor.cli.main import cli

HEADER = "timestamp,model,input_tokens,output_tokens\n"
GOOD = "2026-11-02T10:00:00Z,gpt-4o,5,6\n"


def run(*args):
    return CliRunner().invoke(cli, ["cost", *map(str, args)])


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "empty.csv",
            "",
            "empty.csv: expected a header line and data rows, found an empty file. Check that the export finished.",
        ),
        (
            "h.csv",
            HEADER,
            "h.csv: expected a header and at least one data row, found only the header. Export the log again with its rows.",
        ),
        (
            "neg.csv",
            HEADER + GOOD + "2026-11-02T10:00:00Z,gpt-4o,-5,6\n",
            "neg.csv, row 2, column 'input_tokens': expected a number >= 0, found -5. Fix the value, or use --skip-bad-rows to skip such rows.",
        ),
        (
            "ts.csv",
            HEADER + GOOD + "soon,gpt-4o,5,6\n",
            "ts.csv, row 2, column 'timestamp': expected an ISO 8601 time or epoch seconds/milliseconds between 2000 and 2100, "
            "found 'soon'. Fix the value, or use --skip-bad-rows to skip such rows.",
        ),
        (
            "m.csv",
            "when,model,input_tokens,output_tokens\n2026-11-02,gpt-4o,1,1\n",
            "m.csv, column 'timestamp': expected a timestamp column, found no such column (unmapped columns: 'when'). "
            "Map the column with --map timestamp=<your column>.",
        ),
        (
            "t.jsonl",
            '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n{"timest',
            "t.jsonl, line 2: expected one JSON object per line, found broken JSON (",
        ),
        (
            "x.xlsx",
            "x",
            "x.xlsx: expected a .csv, .tsv, .jsonl, .ndjson, .json or .parquet file (optionally .gz), found the "
            "extension '.xlsx'. Rename the file to the extension of its format, or convert it to CSV.",
        ),
    ],
)
def test_ingest_errors_exit_2_with_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run(path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {tmp_path / name}")
    assert expected.split(name, 1)[1] in lines[0]


def test_map_option_reaches_ingest(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("when,model,input_tokens,output_tokens\n2026-11-02T10:00:00Z,gpt-4o,1000,100\n")
    assert run(path, "--map", "timestamp=when").exit_code == 0
    bad = run(path, "--map", "timestamp")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (
        "Error: --map: expected pairs like schema_column=your_column separated by commas, "
        "found 'timestamp'. Write e.g. --map timestamp=created_at,input_tokens=prompt_tokens"
    )


def test_skip_bad_rows_option_reaches_ingest(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + GOOD + "2026-11-02T10:00:00Z,gpt-4o,-5,6\n" + GOOD)
    result = run(path, "--skip-bad-rows", "--json")
    assert result.exit_code == 0
    assert "Skipped 1 of 3 rows: negative input_tokens (1)." in result.output
