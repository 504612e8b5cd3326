"""Every ingest error message: one line naming file, row/line, column, expected, found, fix.

Also --skip-bad-rows: rows skipped and counted by reason, never dropped silently.
"""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest import load_log, parse_mapping

HEADER = "timestamp,model,input_tokens,output_tokens\n"
GOOD = "2026-11-02T10:00:00Z,gpt-4o,5,6\n"


def write(tmp_path, name, content):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def error_of(*args, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        load_log(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# ----------------------------------------------------------------------------- files


def test_no_paths_is_an_error():
    assert error_of([]) == "load_log: expected at least one log file or folder, found none. Pass a path."


def test_missing_path_is_an_error(tmp_path):
    msg = error_of(tmp_path / "nope.csv")
    assert (
        msg
        == f"{tmp_path / 'nope.csv'}: expected an existing log file or folder, found nothing at that path. Check the path."
    )


def test_folder_without_logs_is_an_error(tmp_path):
    (tmp_path / "readme.txt").write_text("x")
    assert "expected a folder holding .csv, .jsonl or .parquet files (optionally .gz), found no such files" in error_of(
        tmp_path
    )


def test_unknown_extension_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "log.xlsx", "x"))
    assert (
        "log.xlsx: expected a .csv, .tsv, .jsonl, .ndjson, .json or .parquet file (optionally .gz), "
        "found the extension '.xlsx'. Rename the file" in msg
    )


def test_damaged_gzip_is_an_error(tmp_path):
    data = gzip.compress((HEADER + GOOD * 50).encode())
    msg = error_of(write(tmp_path, "log.csv.gz", data[: len(data) // 2]))
    assert "log.csv.gz: expected a complete gzip file, found a damaged one" in msg
    assert "Re-export or re-compress the file." in msg


@pytest.mark.parametrize("name", ["empty.csv", "empty.jsonl"])
def test_empty_file_is_an_error(tmp_path, name):
    msg = error_of(write(tmp_path, name, "  \n"))
    assert f"{name}: expected " in msg and "found an empty file. Check that the export finished." in msg


def test_empty_parquet_file_is_an_error(tmp_path):
    assert "empty.parquet: expected a Parquet file, found an empty file." in error_of(
        write(tmp_path, "empty.parquet", b"")
    )


def test_header_only_csv_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "h.csv", HEADER))
    assert msg.endswith(
        "h.csv: expected a header and at least one data row, found only the header. Export the log again with its rows."
    )


def test_parquet_without_rows_is_an_error(tmp_path):
    p = tmp_path / "h.parquet"
    pd.DataFrame({c: pd.Series([], dtype="int64") for c in schema.REQUIRED}).to_parquet(p)
    assert "h.parquet: expected a header and at least one data row, found only the header." in error_of(p)


def test_damaged_parquet_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "bad.parquet", b"PAR1 this is not parquet at all"))
    assert "bad.parquet: expected a readable Parquet file, found a damaged or different file" in msg
    assert "Re-export the file, or give it the extension of its real format." in msg


def test_jsonl_of_blank_lines_is_an_error(tmp_path):
    # Whitespace other than spaces and newlines is not stripped by the empty check.
    msg = error_of(write(tmp_path, "blank.jsonl", "\n\x0b\n"))
    assert "blank.jsonl" in msg and "expected" in msg


# ----------------------------------------------------------------------------- encodings and structure


def test_broken_utf8_names_the_line(tmp_path):
    data = (HEADER + GOOD).encode() + b"2026-11-02T10:00:00Z,gpt-\xff4o,5,6\n"
    msg = error_of(write(tmp_path, "enc.csv", data))
    assert msg == (
        "enc.csv, line 3: expected UTF-8 text, found undecodable bytes (ff 34 6f 2c). "
        "Re-save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)."
    ).replace("enc.csv", str(tmp_path / "enc.csv"))


def test_broken_utf8_in_header_names_line_1(tmp_path):
    msg = error_of(write(tmp_path, "enc.csv", b"time\xe9stamp,model\n1,2\n"))
    assert "enc.csv, line 1: expected UTF-8 text, found undecodable bytes (e9" in msg


def test_latin1_jsonl_line_names_the_line(tmp_path):
    data = (
        b'{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n'
        b'{"timestamp": "2026-11-02T10:00:00Z", "model": "caf\xe9", "input_tokens": 1, "output_tokens": 1}\n'
    )
    msg = error_of(write(tmp_path, "enc.jsonl", data))
    assert "enc.jsonl, line 2: expected one JSON object per line, found undecodable bytes (e9" in msg
    assert "use --skip-bad-rows" in msg


def test_wrong_number_of_fields_names_the_line(tmp_path):
    msg = error_of(write(tmp_path, "f.csv", HEADER + GOOD + "2026-11-02T10:00:00Z,gpt-4o,5,6,7\n"))
    assert msg.endswith(
        "f.csv, line 3: expected 4 fields per line as in the header, found 5 fields. "
        "Fix the file, or use --skip-bad-rows to skip such rows."
    )


def test_unterminated_quote_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "q.csv", HEADER + GOOD + '2026-11-02T10:00:00Z,"gpt-4o,5,6\n'))
    assert "q.csv" in msg and "expected" in msg and "--skip-bad-rows" in msg


def test_duplicated_column_is_an_error(tmp_path):
    msg = error_of(
        write(tmp_path, "d.csv", "timestamp,model,input_tokens,input_tokens,output_tokens\n2026-11-02,gpt-4o,1,1,1\n")
    )
    assert msg.endswith(
        "d.csv, column 'input_tokens': expected each column name once, found 2 columns named "
        "'input_tokens'. Rename or remove the duplicates."
    )


def test_duplicated_json_key_names_the_line(tmp_path):
    line = '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "input_tokens": 2, "output_tokens": 1}\n'
    msg = error_of(write(tmp_path, "d.jsonl", line))
    assert "d.jsonl, line 1: expected one JSON object per line, found the key 'input_tokens' twice." in msg


def test_truncated_jsonl_line_names_the_line(tmp_path):
    good = '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n'
    msg = error_of(write(tmp_path, "t.jsonl", good + good + good[:30]))
    assert "t.jsonl, line 3: expected one JSON object per line, found broken JSON (" in msg
    assert msg.endswith("Fix the file, or use --skip-bad-rows to skip such rows.")


def test_jsonl_line_that_is_not_an_object_names_the_line(tmp_path):
    good = '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n'
    assert "x.jsonl, line 2: expected one JSON object per line, found a JSON list." in error_of(
        write(tmp_path, "x.jsonl", good + "[1, 2]\n")
    )


def test_chat_jsonl_line_that_is_not_a_completion_names_the_line(tmp_path):
    chat = json.dumps(
        {
            "created": 1793613600,
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "hi"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        }
    )
    msg = error_of(write(tmp_path, "c.jsonl", chat + "\n" + '{"hello": 1}\n'))
    assert (
        "c.jsonl, line 2: expected one JSON object per line, found an object without 'messages' or 'usage' and 'choices'."
        in msg
    )


# ----------------------------------------------------------------------------- columns


def test_missing_required_column_says_how_to_map_it(tmp_path):
    msg = error_of(write(tmp_path, "m.csv", "timestamp,model,tin,output_tokens\n2026-11-02,gpt-4o,1,1\n"))
    assert msg.endswith(
        "m.csv, column 'input_tokens': expected a input_tokens column or a query text column to count "
        "from, found no such column (unmapped columns: 'tin'). Map the column with --map input_tokens=<your column>."
    )


def test_missing_timestamp_column_says_how_to_map_it(tmp_path):
    msg = error_of(write(tmp_path, "m.csv", "when,model,input_tokens,output_tokens\n2026-11-02,gpt-4o,1,1\n"))
    assert (
        "column 'timestamp': expected a timestamp column, found no such column (unmapped columns: 'when'). "
        "Map the column with --map timestamp=<your column>." in msg
    )


def test_mapping_to_a_missing_column_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "m.csv", HEADER + GOOD), mapping={"input_tokens": "prompt"})
    assert (
        "m.csv, column 'prompt': expected the column you mapped to input_tokens, found no such column "
        "(columns: 'timestamp', 'model', 'input_tokens', 'output_tokens'). Fix the mapping input_tokens=prompt." in msg
    )


@pytest.mark.parametrize(
    "text, found",
    [
        ("timestamp", "'timestamp'"),
        ("timestamp=", "'timestamp='"),
        ("=created", "'=created'"),
    ],
)
def test_parse_mapping_bad_syntax(text, found):
    with pytest.raises(InputError) as info:
        parse_mapping(text)
    assert str(info.value) == (
        f"--map: expected pairs like schema_column=your_column separated by commas, found {found}. "
        "Write e.g. --map timestamp=created_at,input_tokens=prompt_tokens"
    )


def test_parse_mapping_unknown_schema_column():
    with pytest.raises(
        InputError,
        match=r"--map: expected a schema column on the left of '=' .* found 'created_at'\. "
        r"Put the schema name first",
    ):
        parse_mapping("created_at=timestamp")


def test_parse_mapping_repeated_column():
    with pytest.raises(
        InputError, match=r"--map: expected each schema column once, found 'model' twice\. Keep one model=\.\.\. pair"
    ):
        parse_mapping("model=a,model=b")


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    "row, column, expected, found",
    [
        ("2026-11-02T10:00:00Z,gpt-4o,-5,6", "input_tokens", "a number >= 0", "-5"),
        ("2026-11-02T10:00:00Z,gpt-4o,,6", "input_tokens", "a whole number", "an empty value"),
        ("2026-11-02T10:00:00Z,gpt-4o,abc,6", "input_tokens", "a whole number", "'abc'"),
        ("2026-11-02T10:00:00Z,gpt-4o,5,inf", "output_tokens", "a finite whole number", "inf"),
        ("2026-11-02T10:00:00Z,gpt-4o,5,NaN", "output_tokens", "a whole number", "an empty value"),
        ("2026-11-02T10:00:00Z,gpt-4o,20000000,6", "input_tokens", "at most 10,000,000 tokens per call", "20000000"),
        ("2026-11-02T10:00:00Z,gpt-4o,5.5,6", "input_tokens", "a whole number", "5.5"),
        (
            "yesterday,gpt-4o,5,6",
            "timestamp",
            "an ISO 8601 time or epoch seconds/milliseconds between 2000 and 2100",
            "'yesterday'",
        ),
        (",gpt-4o,5,6", "timestamp", "a date and time", "an empty value"),
        (
            "1899-01-01T00:00:00Z,gpt-4o,5,6",
            "timestamp",
            "an ISO 8601 time or epoch seconds/milliseconds between 2000 and 2100",
            "'1899-01-01T00:00:00Z'",
        ),
        ("2026-11-02T10:00:00Z,,5,6", "model", "a non-empty value", "an empty value"),
    ],
)
def test_bad_value_names_file_row_column_expected_found_and_fix(tmp_path, row, column, expected, found):
    p = write(tmp_path, "v.csv", HEADER + GOOD + row + "\n")
    msg = error_of(p)
    assert msg.startswith(f"{p}, row 2, column '{column}': expected {expected}, found ")
    assert found in msg
    assert msg.endswith("Fix the value, or use --skip-bad-rows to skip such rows.")


@pytest.mark.parametrize(
    "extra, value, column, expected",
    [
        ("quality", "1.5", "quality", "a score from 0 to 1"),
        ("cost_usd", "-0.1", "cost_usd", "a cost >= 0"),
        ("is_batch", "maybe", "is_batch", "true or false"),
        ("quality", "good", "quality", "a number"),
    ],
)
def test_bad_optional_value_is_an_error(tmp_path, extra, value, column, expected):
    p = write(
        tmp_path,
        "o.csv",
        f"timestamp,model,input_tokens,output_tokens,{extra}\n2026-11-02T10:00:00Z,gpt-4o,5,6,{value}\n"
        f"2026-11-02T10:00:00Z,gpt-4o,5,6,\n",
    )
    assert f"row 1, column '{column}': expected {expected}" in error_of(p)


def test_jsonl_bad_value_names_the_line(tmp_path):
    rows = [
        '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}',
        "",
        '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": -1, "output_tokens": 1}',
    ]
    assert "n.jsonl, line 3, column 'input_tokens': expected a number >= 0, found -1" in error_of(
        write(tmp_path, "n.jsonl", "\n".join(rows))
    )


def test_boolean_token_count_is_an_error(tmp_path):
    line = '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": true, "output_tokens": 1}\n'
    assert "column 'input_tokens': expected a whole number, found True" in error_of(write(tmp_path, "b.jsonl", line))


def test_every_row_bad_is_an_error_even_when_skipping(tmp_path):
    p = write(tmp_path, "all.csv", HEADER + "2026-11-02T10:00:00Z,gpt-4o,-1,6\n2026-11-02T10:00:00Z,gpt-4o,-2,6\n")
    with pytest.raises(InputError) as info:
        load_log(p, skip_bad_rows=True)
    assert str(info.value).endswith(
        "Every row has a problem like this one: check the file's format and the --map column mapping."
    )


def test_every_line_broken_is_an_error_even_when_skipping(tmp_path):
    with pytest.raises(
        InputError,
        match=r"b.jsonl: expected at least one readable row, found none: every row was skipped \(not valid JSON \(2\)\)",
    ):
        load_log(write(tmp_path, "b.jsonl", "{oops\n{nope\n"), skip_bad_rows=True)


def test_every_csv_line_with_an_extra_field_is_an_error(tmp_path):
    # pandas would silently use the first field as an index and shift every column.
    msg = error_of(write(tmp_path, "x.csv", HEADER + "2026-11-02T10:00:00Z,gpt-4o,5,6,7\n" * 2))
    assert msg.endswith(
        "x.csv, line 2: expected 4 fields per line as in the header, found 5 fields on every line. "
        "Fix the header or the delimiter."
    )


# ----------------------------------------------------------------------------- skip_bad_rows


def test_skip_bad_rows_counts_rows_by_reason(tmp_path):
    p = write(
        tmp_path,
        "s.csv",
        HEADER
        + GOOD
        + "yesterday,gpt-4o,5,6\n"
        + "2026-11-02T10:00:00Z,gpt-4o,-5,6\n"
        + "2026-11-02T10:00:00Z,gpt-4o,-5,-6\n"
        + GOOD,
    )
    log = load_log(p, skip_bad_rows=True)
    assert log.n_calls == 2
    assert log.skipped.count == 3
    assert log.skipped.by_reason == {"unreadable timestamp": 1, "negative input_tokens": 2}
    assert "Skipped 3 of 5 rows: negative input_tokens (2), unreadable timestamp (1)." in log.warnings
    assert log.frame[schema.SOURCE_ROW].tolist() == [1, 5]


def test_skip_bad_rows_counts_unparseable_lines(tmp_path):
    good = '{"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n'
    log = load_log(write(tmp_path, "s.jsonl", good + "[1]\n" + good + good[:20]), skip_bad_rows=True)
    assert log.n_calls == 2
    assert log.skipped.by_reason == {"not a JSON object": 1, "not valid JSON": 1}
    assert "Skipped 2 of 4 rows: not a JSON object (1), not valid JSON (1)." in log.warnings
    assert log.frame[schema.SOURCE_ROW].tolist() == [1, 3]


def test_skip_bad_rows_counts_malformed_csv_lines(tmp_path):
    log = load_log(write(tmp_path, "s.csv", HEADER + GOOD + "1,2,3,4,5\n" + GOOD), skip_bad_rows=True)
    assert log.n_calls == 2
    assert log.skipped.by_reason == {"wrong number of fields": 1}
    assert "Skipped 1 of 3 rows: wrong number of fields (1)." in log.warnings


def test_broken_utf16_is_an_error(tmp_path):
    data = (HEADER + GOOD).encode("utf-16") + b"\x00"  # odd length: a cut UTF-16 file
    msg = error_of(write(tmp_path, "u16.csv", data))
    assert "u16.csv: expected UTF-16 text after a UTF-16 byte-order mark, found undecodable bytes at byte" in msg
    assert msg.endswith("Re-save the file as UTF-8.")


def test_blank_model_reads_as_an_empty_value(tmp_path):
    msg = error_of(write(tmp_path, "b.csv", HEADER + GOOD + '2026-11-02T10:00:00Z,"  ",5,6\n'))
    assert "row 2, column 'model': expected a non-empty value, found an empty value." in msg


def test_duplicated_parquet_column_is_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays(
        [pa.array(["2026-11-02T10:00:00Z"]), pa.array(["gpt-4o"]), pa.array([1]), pa.array([2]), pa.array([3])],
        names=["timestamp", "model", "input_tokens", "output_tokens", "output_tokens"],
    )
    pq.write_table(table, tmp_path / "d.parquet")
    assert (
        "d.parquet, column 'output_tokens': expected each column name once, found 2 columns named 'output_tokens'."
        in error_of(tmp_path / "d.parquet")
    )


def test_invalid_utf8_inside_parquet_strings_names_the_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    bad = pa.array([b"caf\xe9"], type=pa.binary()).view(pa.string())
    table = pa.Table.from_arrays(
        [pa.array(["2026-11-02T10:00:00Z"]), bad, pa.array([1]), pa.array([2])],
        names=["timestamp", "model", "input_tokens", "output_tokens"],
    )
    pq.write_table(table, tmp_path / "u.parquet")
    assert error_of(tmp_path / "u.parquet").endswith(
        "u.parquet, column 'model': expected UTF-8 text, found undecodable bytes. Re-export the file with UTF-8 strings."
    )


def test_mapping_with_a_non_schema_key_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, "m.csv", HEADER + GOOD), mapping={"stamp": "timestamp"})
    assert msg.startswith("mapping: expected a schema column as key (timestamp, model, ")
    assert msg.endswith("found 'stamp'. Use e.g. {'timestamp': 'created_at'}.")


def test_json_array_with_a_non_object_names_the_record(tmp_path):
    good = {"timestamp": "2026-11-02T10:00:00Z", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}
    p = write(tmp_path, "a.json", json.dumps([good, 5, good]))
    assert error_of(p).endswith(
        "a.json, row 2: expected a JSON object per array element, found a JSON int. "
        "Fix the file, or use --skip-bad-rows to skip such rows."
    )
    log = load_log(p, skip_bad_rows=True)
    assert log.n_calls == 2 and log.skipped.by_reason == {"not a JSON object": 1}


def test_broken_json_array_names_the_line(tmp_path):
    msg = error_of(write(tmp_path, "a.json", '[\n{"timestamp": "2026-11-02T10:00:00Z",\n "model": gpt}\n]'))
    assert msg.endswith(
        "a.json, line 3: expected a JSON array of objects, found broken JSON (Expecting value). "
        "Fix the file, or export it again as JSONL."
    )


def test_cut_off_last_csv_line_is_an_error(tmp_path):
    # "2026-11-02T10:00:00Z,gpt-4o,5" was "...,5,600": reading 600 as missing would be silent.
    msg = error_of(write(tmp_path, "cut.csv", HEADER + GOOD + "2026-11-02T10:00:00Z,gpt-4o,5"))
    assert msg.endswith(
        "cut.csv, row 2: expected 4 fields per line as in the header, found 3 fields in the last "
        "line, which has no line end (the file looks cut off). Fix the file, or use --skip-bad-rows "
        "to skip such rows."
    )
    log = load_log(tmp_path / "cut.csv", skip_bad_rows=True)
    assert log.n_calls == 1 and log.skipped.by_reason == {"cut-off last line": 1}


def test_last_line_without_newline_but_complete_is_fine(tmp_path):
    assert load_log(write(tmp_path, "ok.csv", HEADER + GOOD + GOOD.rstrip("\n"))).n_calls == 2


def test_skipping_malformed_csv_lines_keeps_true_row_numbers(tmp_path):
    p = write(tmp_path, "s.csv", HEADER + GOOD + "1,2,3,4,5\n" + "2026-11-02T10:00:00Z,gpt-4o,-5,6\n" + GOOD)
    with pytest.raises(InputError, match=r"s.csv, line 3: expected 4 fields"):
        load_log(p)
    log = load_log(p, skip_bad_rows=True)
    assert log.frame[schema.SOURCE_ROW].tolist() == [1, 4]
    assert log.skipped.by_reason == {"wrong number of fields": 1, "negative input_tokens": 1}


def test_malformed_usage_count_is_reported_not_replaced_by_a_text_count(tmp_path):
    line = json.dumps(
        {
            "created": 1793613600,
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "hi"}],
            "choices": [{"message": {"content": "yo"}}],
            "usage": {"prompt_tokens": "lots", "completion_tokens": 2},
        }
    )
    msg = error_of(write(tmp_path, "c.jsonl", line + "\n"))
    assert "c.jsonl, line 1, column 'input_tokens': expected a whole number, found 'lots'." in msg
