"""The first batch's results -> the judge batch (the second and last one the user submits).

Pairwise: one judge request per (request, candidate answer), the served answer and the
candidate's in a seeded random order. Absolute: one per answer (the serving model's, asked
again, and each candidate's). Answers that failed or came back empty get no judge request;
they are counted, and `advisor shadow import` reports them again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from advisor.core.errors import InputError
from advisor.shadow.judge import JUDGE_MAX_TOKENS, PAIRWISE, SYSTEM, absolute_prompt, pairwise_prompt
from advisor.shadow.manifest import match_results
from advisor.shadow.requests import ChatRequest
from advisor.shadow.sample import stable_hash


@dataclass(frozen=True)
class JudgeBatch:
    requests: tuple[ChatRequest, ...]
    roles: dict[str, dict]  # judge custom_id -> {item, model, served_first?, answer_id}
    counts: Counter  # outcomes of the first batch


def judge_batch(manifest: dict, results, *, files: list[str]) -> JudgeBatch:
    """Judge requests for every answer that came back in `results` (the first batch's outputs)."""
    found, counts = match_results(results, manifest["round1"])
    if not found:
        raise InputError(
            f"{', '.join(files)}: none of the {len(results)} results answers a request of this plan's "
            "first batch. Pass the output files of the batch made from this folder's batch files."
        )
    items = {item["id"]: item for item in manifest["items"]}
    judge = manifest["judge"]
    seed = int(manifest.get("seed", 0))
    requests, roles = [], {}
    for cid in sorted(found):
        result, role = found[cid], manifest["round1"][cid]
        if result.status != "succeeded" or result.text is None:
            continue
        item = items[role["item"]]
        jid = "j" + cid[1:]  # s00001-c1 -> j00001-c1
        entry = {"item": item["id"], "model": role["model"], "answer_id": cid}
        if manifest["mode"] == PAIRWISE:
            served_first = bool(np.random.default_rng([seed, stable_hash(cid)]).random() < 0.5)
            pair = (item["served_answer"], result.text) if served_first else (result.text, item["served_answer"])
            prompt = pairwise_prompt(item["query"], *pair)
            entry["served_first"] = served_first
        else:
            prompt = absolute_prompt(item["query"], result.text)
        requests.append(ChatRequest(jid, judge["provider"], judge["model"], prompt, JUDGE_MAX_TOKENS, SYSTEM))
        roles[jid] = entry
    return JudgeBatch(tuple(requests), roles, counts)
