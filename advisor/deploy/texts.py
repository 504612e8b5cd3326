"""Requests to route from a file: one text per line, or JSONL -> (texts, turns or None).

A JSONL line is a JSON string, or an object with the text under "text", "query" or "prompt" and
optionally its "turn" (1 = first in its conversation). Any line starting with "{" or '"' makes
the file JSONL; blank lines are skipped. A bad line is one InputError naming file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

from advisor.core.errors import InputError

TEXT_KEYS = ("text", "query", "prompt")


def _from_json(value: object, path: Path, line: int) -> tuple[str, float | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        for key in TEXT_KEYS:
            if isinstance(value.get(key), str):
                turn = value.get("turn")
                if turn is not None and (isinstance(turn, bool) or not isinstance(turn, (int, float))):
                    raise InputError.at(
                        str(path),
                        line=line,
                        column="turn",
                        expected="a number",
                        found=repr(turn),
                        fix="Fix or drop it.",
                    )
                return value[key], None if turn is None else float(turn)
    raise InputError.at(
        str(path),
        line=line,
        expected=f"a JSON string or an object with a text under {', '.join(TEXT_KEYS)}",
        found=type(value).__name__,
        fix='Write each request as {"text": "..."} or as plain text, one per line.',
    )


def read_requests(path: str | Path) -> tuple[list[str], list[float] | None]:
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError.at(str(p), expected="UTF-8 text", found="other bytes", fix="Save it as UTF-8.") from None
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not any(line.lstrip().startswith(("{", '"')) for _, line in numbered):
        return [line for _, line in numbered], None
    texts, turns = [], []
    for number, line in numbered:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError.at(
                str(p), line=number, expected="one JSON value per line", found=f"'{exc.msg}'", fix="Fix that line."
            ) from None
        text, turn = _from_json(value, p, number)
        texts.append(text)
        turns.append(turn)
    if all(t is None for t in turns):
        return texts, None
    return texts, [1.0 if t is None else t for t in turns]
