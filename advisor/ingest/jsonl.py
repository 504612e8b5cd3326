"""JSONL files -> raw tables (flat records; the OpenAI chat layout is in openai_chat.py).

The happy path is pyarrow's JSON reader (vectorized, nested objects flattened to dotted
names such as "usage.prompt_tokens"). A line-by-line parse runs only when pyarrow refuses
the file (a broken line, mixed value types, duplicated keys, bad UTF-8): it names the line,
or under --skip-bad-rows skips and counts it.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.errors import InputError
from advisor.ingest.readers import (
    SKIP_FIX,
    RawTable,
    id_text,
    is_blank,
    no_rows_error,
    not_utf8_error,
    one_line,
    read_bytes,
    rename_for,
)


def _line_numbers(data: bytes) -> np.ndarray:
    """1-based numbers of the non-blank lines (the ones pyarrow turns into records).

    Vectorized over line boundaries, not bytes: only lines that start with whitespace (rare
    in JSONL) are checked one by one.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    newline = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newline + 1))
    ends = np.append(newline, len(buf))
    nonempty = ends > starts
    first = np.zeros(len(starts), dtype=np.uint8)
    first[nonempty] = buf[starts[nonempty]]
    content = nonempty & ~np.isin(first, (9, 13, 32))
    for i in np.flatnonzero(nonempty & ~content):
        content[i] = bool(data[starts[i] : ends[i]].strip())
    return np.flatnonzero(content).astype(np.int64) + 1


def _flatten(table):
    import pyarrow as pa

    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise _DuplicateKey(dup)
    return dict(pairs)


class _DuplicateKey(ValueError):
    pass


def iter_objects(
    file: str,
    data: bytes,
    skip_bad_rows: bool,
    skipped: Counter[str],
    check: Callable[[dict], str | None] | None = None,
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each readable line; the slow path, one json.loads per line.

    A bad line raises InputError, or under skip_bad_rows is counted in `skipped` by reason.
    """
    found_any = False
    start, number = 0, 0
    while start <= len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        raw = data[start:end]
        start, number = end + 1, number + 1
        if not raw.strip():
            continue
        problem = None
        try:
            obj = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
        except UnicodeDecodeError as exc:
            problem, found = "not UTF-8", f"undecodable bytes ({raw[exc.start : exc.start + 4].hex(' ')})"
        except _DuplicateKey as exc:
            problem, found = "duplicated key", f"the key {exc.args[0]!r} twice"
        except (ValueError, RecursionError) as exc:
            problem, found = "not valid JSON", f"broken JSON ({one_line(exc)})"
        else:
            if not isinstance(obj, dict):
                problem, found = "not a JSON object", f"a JSON {type(obj).__name__}"
            elif check is not None and (why := check(obj)) is not None:
                problem, found = "not a chat completion", why
        if problem is not None:
            if not skip_bad_rows:
                raise InputError.at(file, line=number, expected="one JSON object per line", found=found, fix=SKIP_FIX)
            skipped[problem] += 1
            continue
        found_any = True
        yield number, obj
    if not found_any:
        raise (
            no_rows_error(file, skipped)
            if skipped
            else InputError.at(
                file,
                expected="one JSON object per line",
                found="only blank lines",
                fix="Check that the export finished.",
            )
        )


def parse_lines(file: str, data: bytes, skip_bad_rows: bool) -> tuple[list[dict], np.ndarray, Counter[str]]:
    """All readable lines as records, with their line numbers and the skipped lines by reason."""
    skipped: Counter[str] = Counter()
    records: list[dict] = []
    lines: list[int] = []
    for number, obj in iter_objects(file, data, skip_bad_rows, skipped):
        records.append(obj)
        lines.append(number)
    return records, np.asarray(lines, dtype=np.int64), skipped


def first_object(data: bytes) -> dict | None:
    """The first non-blank line's JSON object (to detect the OpenAI chat layout), or None."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        raw = data[start:end]  # one line: no copy of the rest of a big file
        if raw.strip():
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError):
                return None
            return obj if isinstance(obj, dict) else None
        start = end + 1
    return None


def read_jsonl(path: Path, mapping: dict[str, str] | None, skip_bad_rows: bool, data: bytes | None = None) -> RawTable:
    import pyarrow as pa
    import pyarrow.json as pj

    file = str(path)
    data = read_bytes(path) if data is None else data
    if is_blank(data):
        raise InputError.at(
            file, expected="one JSON object per line", found="an empty file", fix="Check that the export finished."
        )
    if data[: 1 << 16].lstrip()[:1] == b"[":
        return read_json_array(file, data, mapping, skip_bad_rows)
    skipped: Counter[str] = Counter()
    try:
        # pyarrow does not validate UTF-8 in strings; a bad byte would only fail later.
        # UnicodeDecodeError is a ValueError: the slow path then names the line.
        data.decode("utf-8")
        table = _flatten(pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=1 << 24)))
        columns = table.column_names
        rename, ignored = rename_for(file, columns, mapping)
        frame = table.select(list(rename)).to_pandas() if rename else pd.DataFrame(index=range(table.num_rows))
        lines = _line_numbers(data)
        if len(lines) != len(frame):
            raise ValueError("line count mismatch")  # e.g. an object spread over lines: use the slow path
    except InputError:
        raise
    except (pa.ArrowException, ValueError):
        records, lines, skipped = parse_lines(file, data, skip_bad_rows)
        frame = pd.json_normalize(records)
        rename, ignored = rename_for(file, list(frame.columns), mapping)
        frame = frame[list(rename)]
    return _typed_table(file, frame, rename, lines, "line", ignored, skipped)


def _typed_table(
    file: str,
    frame: pd.DataFrame,
    rename: dict[str, str],
    rows: np.ndarray,
    unit: str,
    ignored: tuple[str, ...],
    skipped: Counter[str],
) -> RawTable:
    frame = frame.rename(columns=rename)
    for dst in rename.values():
        if dst in schema.STR_COLUMNS and not pd.api.types.is_string_dtype(frame[dst]):
            frame[dst] = frame[dst].astype(object).where(frame[dst].notna()).map(id_text, na_action="ignore")
    return RawTable(file, frame.reset_index(drop=True), rows, unit, ignored, dict(skipped))


def read_json_array(file: str, data: bytes, mapping: dict[str, str] | None, skip_bad_rows: bool) -> RawTable:
    """A JSON file holding one array of records (the "JSON" export of Langfuse, Helicone, ...).

    Parsed whole with json (such exports are small next to JSONL ones); rows count records.
    """
    try:
        records = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise not_utf8_error(file, data) from None
    except RecursionError:
        raise InputError.at(
            file,
            expected="a JSON array of objects",
            found="nesting too deep to read",
            fix="Export flat records (one JSON object per line).",
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError.at(
            file,
            line=exc.lineno,
            expected="a JSON array of objects",
            found=f"broken JSON ({exc.msg})",
            fix="Fix the file, or export it again as JSONL.",
        ) from None
    if not isinstance(records, list):
        raise InputError.at(
            file,
            expected="a JSON array of objects",
            found=f"a JSON {type(records).__name__}",
            fix="Export one JSON object per line (JSONL) or an array of objects.",
        )
    keep = [isinstance(r, dict) for r in records]
    skipped: Counter[str] = Counter()
    if not all(keep):
        first = keep.index(False)
        if not skip_bad_rows:
            raise InputError.at(
                file,
                row=first + 1,
                expected="a JSON object per array element",
                found=f"a JSON {type(records[first]).__name__}",
                fix=SKIP_FIX,
            )
        skipped["not a JSON object"] = keep.count(False)
    rows = np.flatnonzero(keep).astype(np.int64) + 1
    records = [r for r, k in zip(records, keep) if k]
    if not records:
        raise no_rows_error(file, skipped)
    frame = pd.json_normalize(records)
    rename, ignored = rename_for(file, list(frame.columns), mapping)
    return _typed_table(file, frame[list(rename)], rename, rows, "row", ignored, skipped)
