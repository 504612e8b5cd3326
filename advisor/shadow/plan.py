"""A log + candidate models + a judge -> the shadow-label plan: the sampled requests, the
first batch (each candidate's answer to each sampled request) and the manifest that ties every
custom_id back to its request, model and role.

Mode: "pairwise" when the log has the served answers (`response`; only requests with one are
sampled), else "absolute" (the serving model is asked again in the same batch, so every answer
is graded alike). Requests are sampled once per distinct query text: labels are matched to the
log by text (docs/routing-labels.md), so a text labelled twice would be paid twice for one label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from advisor.core import schema
from advisor.core.schema import QueryLog
from advisor.shadow.judge import ABSOLUTE, PAIRWISE
from advisor.shadow.requests import ChatRequest, check_provider
from advisor.shadow.sample import stratified_sample

MANIFEST_FORMAT = "advisor-shadow-labels"
MANIFEST_VERSION = 1
MIN_ANSWER_TOKENS = 256  # room for a short answer even when the served one was shorter
MAX_ANSWER_TOKENS = 4096  # a candidate's answer is capped here (and at twice the served one)


@dataclass(frozen=True)
class Model:
    model: str
    provider: str


@dataclass(frozen=True)
class ShadowPlan:
    mode: str  # pairwise | absolute
    seed: int
    candidates: tuple[Model, ...]
    judge: Model
    items: tuple[dict, ...]  # one per sampled request: id, query, current model, served answer ...
    requests: tuple[ChatRequest, ...]  # the first batch
    roles: dict[str, dict] = field(default_factory=dict)  # custom_id -> {item, model, role}
    n_available: int = 0  # distinct requests the sample was drawn from
    n_strata: int = 0

    def manifest(self) -> dict:
        return {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "mode": self.mode,
            "seed": self.seed,
            "judge": self.judge.__dict__,
            "candidates": [c.__dict__ for c in self.candidates],
            "items": list(self.items),
            "round1": self.roles,
            "round2": {},
        }


def distinct_requests(
    log: QueryLog, *, need_answer: bool, segments: np.ndarray | None = None, skip: np.ndarray | None = None
):
    """(first row of each distinct non-empty query, its calls, its stratum name); `segments`: per
    row, its routing segment's name (or id); `skip`: rows
    whose text is already labelled for every candidate (labelling it again pays for nothing)."""
    frame = log.frame
    query = frame[schema.QUERY].astype("string").fillna("") if log.has(schema.QUERY) else None
    if query is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0), []
    usable = query.str.strip() != ""
    if skip is not None:
        usable &= ~skip
    if need_answer:
        usable &= frame[schema.RESPONSE].astype("string").fillna("").str.strip() != ""
    rows = np.flatnonzero(usable.to_numpy())
    groups = pd.Series(rows).groupby(query.to_numpy()[rows], sort=False)  # first appearance order
    reps, calls = groups.first().to_numpy(), groups.size().to_numpy()
    model = frame[schema.MODEL].astype(str).to_numpy()
    task = frame[schema.TASK].astype("string").fillna("-").to_numpy() if log.has(schema.TASK) else None
    strata = [
        " | ".join(
            [model[r]]
            + ([f"task {task[r]}"] if task is not None else [])
            + ([_segment(segments[r])] if segments is not None else [])
        )
        for r in reps
    ]
    return reps, calls.astype(float), strata


def _segment(value) -> str:
    """A stratum's segment: its name as the reports show it, or "segment <id + 1>" for an id."""
    return value if isinstance(value, str) else f"segment {int(value) + 1}"


def labelled_for_all(log: QueryLog, models: list[str], labels=None) -> np.ndarray:
    """Per row: does its text already have a label for every model in `models` (a
    quality__<model> value on any call of the text, or a row of the --labels file)?"""
    frame = log.frame
    if not log.has(schema.QUERY):
        return np.zeros(len(frame), dtype=bool)
    texts = frame[schema.QUERY].astype("string").fillna("")
    out = np.ones(len(frame), dtype=bool)
    for model in models:
        column = f"{schema.QUALITY_PREFIX}{model}"
        has = frame[column].notna().to_numpy() if column in frame.columns else np.zeros(len(frame), dtype=bool)
        if labels is not None:
            has = has | np.isfinite(labels.for_texts(texts.tolist(), model))
        out &= texts.isin(set(texts[has])).to_numpy()
    return out


def answer_tokens(served_output_tokens: int) -> int:
    return int(min(MAX_ANSWER_TOKENS, max(MIN_ANSWER_TOKENS, 2 * int(served_output_tokens))))


def make_plan(
    log: QueryLog,
    *,
    candidates: list[Model],
    judge: Model,
    n: int,
    seed: int,
    segments: np.ndarray | None = None,
    labels=None,
) -> ShadowPlan:
    """Sample `n` distinct requests (stratified, seeded) and build the first batch for them."""
    for c in candidates:
        check_provider(c.model, c.provider, "Candidate")
    check_provider(judge.model, judge.provider, "Judge")
    mode = PAIRWISE if log.has(schema.RESPONSE) else ABSOLUTE
    skip = labelled_for_all(log, [c.model for c in candidates], labels)
    reps, calls, strata = distinct_requests(log, need_answer=mode == PAIRWISE, segments=segments, skip=skip)
    picked = reps[stratified_sample(strata, calls, n, seed=seed)] if len(reps) else reps
    frame = log.frame
    where = {r: k for k, r in enumerate(reps)}
    items, requests, roles = [], [], {}
    for i, row in enumerate(picked.tolist()):
        item = _item(frame, row, f"s{i + 1:05d}", strata[where[row]], calls[where[row]], mode, log)
        items.append(item)
        asked = [(f"c{k + 1}", c) for k, c in enumerate(candidates) if c.model != item["current_model"]]
        if mode == ABSOLUTE:
            current = Model(item["current_model"], item["current_provider"])
            check_provider(current.model, current.provider, "Serving model")
            asked.insert(0, ("cur", current))
        for tag, m in asked:
            cid = f"{item['id']}-{tag}"
            requests.append(ChatRequest(cid, m.provider, m.model, item["query"], answer_tokens(item["output_tokens"])))
            roles[cid] = {"item": item["id"], "model": m.model, "role": "current" if tag == "cur" else "candidate"}
    return ShadowPlan(
        mode=mode,
        seed=seed,
        candidates=tuple(candidates),
        judge=judge,
        items=tuple(items),
        requests=tuple(requests),
        roles=roles,
        n_available=len(reps),
        n_strata=len(set(strata)),
    )


def _item(frame, row: int, item_id: str, stratum: str, calls: float, mode: str, log: QueryLog) -> dict:
    get = frame.iloc[row]
    item = {
        "id": item_id,
        "query": str(get[schema.QUERY]),
        "current_model": str(get[schema.MODEL]),
        "current_provider": str(get[schema.PROVIDER]) if log.has(schema.PROVIDER) else "unknown",
        "stratum": stratum,
        "calls": int(calls),
        "output_tokens": int(get[schema.OUTPUT_TOKENS]),
        "source_file": str(get[schema.SOURCE_FILE]) if schema.SOURCE_FILE in frame.columns else "",
        "source_row": int(get[schema.SOURCE_ROW]) if schema.SOURCE_ROW in frame.columns else row + 1,
    }
    if mode == PAIRWISE:
        item["served_answer"] = str(get[schema.RESPONSE])
    return item
