"""Matched pairs for a person to label, and their labels back: the few-labels path.

    select_pairs(match_cosine, thresholds, n, seed, clusters) -> row indices to show  (label_selection.py)
    write_pairs(path, rows) / load_pair_labels(path) -> PairLabels(cosine, same)

Pairs are stratified around the candidate thresholds and spread over clusters of
near-duplicate queries (advisor.analyzers.cache.label_selection), so the labels land where
the threshold decision is made instead of where matches are most frequent. The update (advisor.analyzers.cache.calibration.update_with_labels) models P(same | cosine), so a
stratified sample does not bias it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.analyzers.cache.label_selection import match_clusters, select_pairs
from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write, spreadsheet_safe

PAIR_COLUMNS = (
    "pair_id",
    "cosine",
    "query_a",
    "query_b",
    "response_a",
    "response_b",
    "call_a",  # where each call is in the user's log: file:row, then conversation id when the log has one
    "call_b",
    "same",
)
_TRUE = {"1", "true", "yes", "y", "same", "s"}
_FALSE = {"0", "false", "no", "n", "different", "diff", "d"}


@dataclass(frozen=True)
class PairLabels:
    cosine: np.ndarray  # float64
    same: np.ndarray  # bool
    source: str = ""
    # The two logged answers of each labelled pair ("" where the file has none): they let the
    # analyzer measure on this log whether answer similarity tells right from wrong matches.
    responses: tuple[tuple[str, str], ...] = ()


def label_bins(thresholds, width: float = 0.05) -> np.ndarray:
    """Bin edges every `width` from the lowest candidate threshold: a few labels per bin.

    Bins one threshold step wide (0.01) would hold three or four labels each out of a hundred.
    The same bins carry the model-free half of the labelled interval (calibration.BinPosterior),
    which needs enough labels per bin to say anything. Giving the end bins more labels, or none
    to the bin below 0.75, changed the worst error by less than the label noise between draws.
    """
    t = np.asarray(thresholds, dtype=np.float64)
    # A single candidate threshold still gets one bin (open above) instead of none.
    return np.round(np.arange(t.min(), max(t.max(), t.min() + width / 2), width), 4)


def write_pairs(path: str | Path, rows: list[dict]) -> None:
    """Atomically write the pairs CSV; text cells that look like formulas are neutralised."""
    buffer = io.StringIO(newline="")
    w = csv.DictWriter(buffer, fieldnames=PAIR_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: spreadsheet_safe(r.get(k, "")) for k in PAIR_COLUMNS})
    atomic_write(path, buffer.getvalue())


def load_pair_labels(path: str | Path) -> PairLabels:
    """Read a labelled pairs file (from `advisor cache label`); rows left blank are skipped."""
    p = Path(path)
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            cos, same, responses = _read_marks(p, csv.DictReader(fh))
    except FileNotFoundError:
        raise InputError(f"{p}: pair labels file not found. Check the path in [cache] pair_labels.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError.at(
            str(p),
            expected="a UTF-8 CSV written by `advisor cache label`",
            found=f"unreadable content ({exc})",
            fix="Use the file `advisor cache label` wrote, saved as UTF-8 CSV.",
        ) from None
    if not cos:
        raise InputError.at(
            str(p),
            column="same",
            expected="at least one labelled pair",
            found="none",
            fix="Fill in the 'same' column (1 = same answer, 0 = different) for some rows.",
        )
    return PairLabels(cosine=np.array(cos), same=np.array(same, dtype=bool), source=str(p), responses=tuple(responses))


def _read_marks(p: Path, reader: csv.DictReader[str]) -> tuple[list[float], list[bool], list[tuple[str, str]]]:
    """(cosine, same, (response_a, response_b)) of every row marked same or different; blank rows are skipped."""
    cos: list[float] = []
    same: list[bool] = []
    responses: list[tuple[str, str]] = []
    missing = [c for c in ("cosine", "same") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError.at(
            str(p),
            line=1,
            column=missing[0],
            expected="the columns cosine and same",
            found=f"columns {reader.fieldnames}",
            fix="Use the file written by `advisor cache label` and fill in 'same'.",
        )
    for line, row in enumerate(reader, start=2):
        mark = (row.get("same") or "").strip().lower()
        if not mark:
            continue
        if mark not in _TRUE | _FALSE:
            raise InputError.at(
                str(p),
                line=line,
                column="same",
                expected="1/0, yes/no or same/different",
                found=repr(row["same"]),
                fix="Mark each pair same or different, or leave it blank.",
            )
        try:
            c = float(row["cosine"])
        except (TypeError, ValueError):
            raise InputError.at(
                str(p),
                line=line,
                column="cosine",
                expected="a number",
                found=repr(row["cosine"]),
                fix="Keep the cosine column as exported.",
            ) from None
        cos.append(c)
        same.append(mark in _TRUE)
        responses.append(((row.get("response_a") or "").strip(), (row.get("response_b") or "").strip()))
    return cos, same, responses


def pairs_for_labelling(log, config, embedder, n: int = 100, seed: int = 0, progress=None) -> list[dict]:
    """QueryLog -> up to `n` matched pairs (rows of PAIR_COLUMNS, 'same' blank) to label.

    The same cacheable calls and replay as the analyzer; identical texts (right by
    construction) and entity-value conflicts (wrong by construction) are left out, so every
    label is spent on a real decision.
    """
    from advisor.analyzers.cache.replay import replay
    from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
    from advisor.core import schema as S
    from advisor.core.config import settings
    from advisor.embed.text import normalize_text

    s = settings(config, "cache", CacheSettings)
    frame = log.frame
    if not log.has(S.QUERY):
        raise InputError.at(
            ", ".join(log.sources),
            column="query",
            expected="a query text column",
            found="none",
            fix="Map the user's message column with --map query=<column>.",
        )
    rows = np.flatnonzero(cacheable_mask(frame, s))
    texts = frame[S.QUERY].iloc[rows].astype(str).tolist()
    times = frame[S.TIMESTAMP].iloc[rows].astype("int64").to_numpy() / 1e9
    r = replay(
        embedder.encode(texts, progress=progress),
        times_s=times,
        ttl_s=s.ttl_s,
        capacity=s.capacity or None,
        use_threshold=min(s.thresholds),
        seed=seed,
        index=s.index,
    )
    norm = np.asarray([normalize_text(t) for t in texts], dtype=object)
    j = np.maximum(r.match_index, 0)
    ok = (r.match_index >= 0) & (norm != norm[j]) & (r.match_cosine >= min(s.thresholds))
    if s.entity_conflicts_are_false_hits:
        # The analyzer already counts these as wrong; a label on them would teach the curve
        # that close texts differ when the reason is an entity value it never sees.
        from advisor.analyzers.cache.entities import entity_conflict, entity_signatures

        sigs = entity_signatures(texts)
        ok &= ~np.array([entity_conflict(sigs[i], sigs[k]) for i, k in enumerate(j)], dtype=bool)
    candidates = np.flatnonzero(ok)
    clusters = match_clusters(r.match_index, r.match_cosine)[candidates]
    shown = candidates[
        select_pairs(r.match_cosine[candidates], label_bins(s.thresholds), n, seed=seed, clusters=clusters)
    ]
    has_resp = log.has(S.RESPONSE)
    resp = frame[S.RESPONSE].iloc[rows].astype(object).to_numpy() if has_resp else None
    calls = _call_ids(frame, rows)
    out = []
    for k, i in enumerate(shown, start=1):
        out.append(
            {
                "pair_id": k,
                "cosine": f"{float(r.match_cosine[i]):.4f}",
                "query_a": texts[j[i]],
                "query_b": texts[i],
                "response_a": _text_or_blank(resp, j[i]),
                "response_b": _text_or_blank(resp, i),
                "call_a": calls[j[i]],
                "call_b": calls[i],
                "same": "",
            }
        )
    return out


def _text_or_blank(values, i) -> str:
    import pandas as pd

    return "" if values is None or pd.isna(values[i]) else str(values[i])


def _call_ids(frame, rows: np.ndarray) -> list[str]:
    """Per cacheable row: 'file:row' in the user's log, plus ' conversation <id>' when known."""
    from advisor.core import schema as S

    def column(name: str) -> list:
        return frame[name].iloc[rows].tolist() if name in frame.columns else [None] * len(rows)

    out = []
    for file, row, conv in zip(column(S.SOURCE_FILE), column(S.SOURCE_ROW), column(S.CONVERSATION_ID)):
        where = f"{file}:{row}" if file is not None and row is not None else ""
        if conv is not None and conv == conv:  # NaN is not equal to itself
            where = f"{where} conversation {conv}".strip()
        out.append(where)
    return out
