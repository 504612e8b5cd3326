"""Quality labels for routing: a log's quality columns or a `--labels FILE` -> RoutingLabels.

A labels file is long-format, one row per (query, model) judgement (docs/routing-labels.md):

    query,model,score
    "Where is my order?",gpt-4o,1
    "Where is my order?",gpt-4o-mini,pass
    "Cancel my plan",gpt-4o-mini,0.4

`score` is a number in 0..1 or a verdict (pass/fail, true/false, yes/no, correct/incorrect).
CSV, or JSON Lines when the name ends in .jsonl / .json. Repeated (query, model) pairs are
averaged. Labels are matched to log rows by exact query text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from advisor.core.errors import InputError

TEXT_COLUMN = "query"
MODEL_COLUMN = "model"
SCORE_COLUMN = "score"
REQUIRED_COLUMNS = (TEXT_COLUMN, MODEL_COLUMN, SCORE_COLUMN)

_VERDICTS = {
    "pass": 1.0,
    "fail": 0.0,
    "true": 1.0,
    "false": 0.0,
    "yes": 1.0,
    "no": 0.0,
    "correct": 1.0,
    "incorrect": 0.0,
    "good": 1.0,
    "bad": 0.0,
}


@dataclass(frozen=True)
class RoutingLabels:
    """Per-query quality of each model: `scores[i, j]` for `texts[i]` and `models[j]` (NaN = unknown)."""

    texts: tuple[str, ...]
    models: tuple[str, ...]
    scores: np.ndarray
    source: str = ""
    warnings: tuple[str, ...] = field(default=())

    def n_labelled(self, model: str) -> int:
        return int(np.isfinite(self.scores[:, self.models.index(model)]).sum())

    def for_texts(self, texts, model: str) -> np.ndarray:
        """Scores of `model` aligned with `texts` (NaN where a text has no label for it)."""
        out = np.full(len(texts), np.nan)
        if model not in self.models:
            return out
        column = self.scores[:, self.models.index(model)]
        index = {t: i for i, t in enumerate(self.texts)}
        for k, text in enumerate(texts):
            i = index.get(text)
            if i is not None:
                out[k] = column[i]
        return out


def parse_score(value, *, file: str, row: int, column: str = SCORE_COLUMN) -> float:
    """A 0..1 number or a pass/fail style verdict -> float in 0..1; anything else is an InputError."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        text = str(value).strip().lower()
        if text in _VERDICTS:
            return _VERDICTS[text]
        try:
            number = float(text)
        except ValueError:
            raise InputError.at(
                file,
                row=row,
                column=column,
                expected="a score in 0..1 or pass/fail",
                found=repr(value),
                fix="Write scores as numbers between 0 and 1, or pass/fail.",
            ) from None
    if not np.isfinite(number) or not 0.0 <= number <= 1.0:
        raise InputError.at(
            file,
            row=row,
            column=column,
            expected="a score in 0..1",
            found=repr(value),
            fix="Rescale scores to 0..1 (e.g. divide a 1-10 rating by 10).",
        )
    return number


def read_label_table(path: str | Path, *, missing_fix: str, format_fix: str):
    """A labels table (CSV, or JSON Lines by extension) as a frame of strings; clean InputErrors."""
    import pandas as pd

    p = Path(path)
    name = str(p)
    if not p.is_file():
        raise InputError(f"{name}: labels file not found. {missing_fix}")
    try:
        if p.suffix.lower() in (".jsonl", ".json"):
            return pd.read_json(p, lines=True, dtype=False)
        return pd.read_csv(p, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError.at(
            name,
            expected="a CSV or JSON Lines labels file",
            found=f"unreadable content ({str(exc).splitlines()[0]})",
            fix=format_fix,
        ) from None


def load_labels(path: str | Path) -> RoutingLabels:
    """Read a long-format labels file (CSV or JSON Lines) into RoutingLabels."""
    import pandas as pd

    name = str(Path(path))
    frame = read_label_table(
        path, missing_fix="Check the path given to --labels.", format_fix="See docs/routing-labels.md for the format."
    )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError.at(
            name,
            column=missing[0],
            expected=f"columns {', '.join(REQUIRED_COLUMNS)}",
            found=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
            fix="Rename your columns (query = the user's message, model, score 0..1 or pass/fail).",
        )
    if frame.empty:
        raise InputError.at(
            name, expected="at least one labelled row", found="no rows", fix="Add labels or drop --labels."
        )
    # Header is line 1 in CSV, so data row k (1-based) is what a user sees as row k.
    scores = [parse_score(v, file=name, row=i + 1) for i, v in enumerate(frame[SCORE_COLUMN].tolist())]
    for i, (text, model) in enumerate(zip(frame[TEXT_COLUMN].tolist(), frame[MODEL_COLUMN].tolist())):
        for column, value in ((TEXT_COLUMN, text), (MODEL_COLUMN, model)):
            if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
                raise InputError.at(
                    name,
                    row=i + 1,
                    column=column,
                    expected="a non-empty value",
                    found="an empty cell",
                    fix="Fill it in or delete the row.",
                )
    long = pd.DataFrame(
        {
            "text": frame[TEXT_COLUMN].astype(str).tolist(),
            "model": frame[MODEL_COLUMN].astype(str).str.strip().tolist(),
            "score": scores,
        }
    )
    wide = long.pivot_table(index="text", columns="model", values="score", aggfunc="mean", sort=True)
    warnings = []
    n_dupes = int(long.duplicated(["text", "model"]).sum())
    if n_dupes:
        warnings.append(f"{name}: {n_dupes} repeated (query, model) labels were averaged.")
    return RoutingLabels(
        texts=tuple(wide.index.astype(str)),
        models=tuple(wide.columns.astype(str)),
        scores=wide.to_numpy(dtype=float),
        source=name,
        warnings=tuple(warnings),
    )
