"""The judge batch's results -> a routing labels file (query, model, score), the format
`advisor analyze --labels` reads (docs/routing-labels.md), and an account of every request
that gave no label (failed, expired, cancelled, no result, or no verdict in the reply).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write
from advisor.shadow.judge import PAIRWISE, absolute_score, pairwise_scores, verdict
from advisor.shadow.manifest import match_results, ordered


@dataclass(frozen=True)
class ImportedLabels:
    rows: tuple[tuple[str, str, float], ...]  # (query, model, score)
    counts: Counter  # outcomes of the judge batch, plus "no verdict"
    first_batch: dict  # outcomes of the first batch, as `advisor shadow judge` recorded them
    n_requests: int  # distinct requests with at least one candidate label
    unparsed: tuple[str, ...]  # custom_ids whose reply had no verdict


def import_labels(manifest: dict, results, *, files: list[str]) -> ImportedLabels:
    if not manifest["round2"]:
        raise InputError(
            "The plan has no judge batch yet: run `advisor shadow judge DIR FIRST_BATCH_OUTPUTS...` "
            "first, submit the judge batch it writes, then import that batch's outputs."
        )
    found, counts = match_results(results, manifest["round2"])
    if not found:
        raise InputError(
            f"{', '.join(files)}: none of the {len(results)} results answers this plan's judge batch. "
            "Pass the output files of the judge batch (the second one), not the first."
        )
    items = {item["id"]: item for item in manifest["items"]}
    rows: dict[tuple[str, str], float] = {}
    unparsed = []
    labelled = set()
    for jid in sorted(found):
        result, role = found[jid], manifest["round2"][jid]
        if result.status != "succeeded" or result.text is None:
            continue
        item = items[role["item"]]
        v = verdict(result.text)
        scores: tuple[float | None, float] | None = None
        if v is not None and manifest["mode"] == PAIRWISE:
            scores = pairwise_scores(v, served_first=bool(role["served_first"]))
        elif v is not None:
            score = absolute_score(v)
            scores = None if score is None else (None, score)
        if scores is None:
            unparsed.append(jid)
            continue
        served, score = scores
        if served is not None:
            rows[(item["query"], item["current_model"])] = served
        rows[(item["query"], role["model"])] = score
        if role["model"] != item["current_model"]:
            labelled.add(item["id"])
    counts["no verdict"] = len(unparsed)
    out = tuple((q, m, s) for (q, m), s in rows.items())
    return ImportedLabels(
        out, counts, ordered(Counter(manifest.get("round1_counts", {}))), len(labelled), tuple(unparsed)
    )


def write_labels(path: Path, labels: ImportedLabels) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["query", "model", "score"])
    for query, model, score in labels.rows:
        writer.writerow([query, model, f"{score:g}"])
    return atomic_write(path, buffer.getvalue())
