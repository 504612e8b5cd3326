"""The three steps of `advisor shadow`, as library calls: plan (sample + first batch), judge
(first batch's outputs -> judge batch), import (judge batch's outputs -> labels file). Each
reads and writes only the folder it is given; none touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.config import Config
from advisor.core.errors import InputError
from advisor.shadow.cost import batch_costs, total_usd
from advisor.shadow.importing import import_labels, write_labels
from advisor.shadow.judge import JUDGE_MAX_TOKENS, SYSTEM, absolute_prompt, pairwise_prompt
from advisor.shadow.judging import judge_batch
from advisor.shadow.manifest import MANIFEST, ordered, read_manifest, write_manifest
from advisor.shadow.outputs import read_outputs
from advisor.shadow.plan import Model, make_plan
from advisor.shadow.requests import write_batches
from advisor.shadow.sizing import sample_size

FIRST, SECOND = "batch1", "batch2"
LABELS_FILE = "labels.csv"


@dataclass(frozen=True)
class PlanOptions:
    candidates: tuple[str, ...]
    judge: str
    n: int | None = None  # None: the learning curve's number (sizing.py)
    routing: bool = True  # run the routing analyzer for segments and the learning curve
    mapping: dict[str, str] | None = None
    labels: Any = None  # RoutingLabels the log's labels are completed with
    embedder: Any = None
    prices_file: str | Path | None = None


def model_of(name: str) -> Model:
    from advisor.ingest.providers import infer_provider, split_prefixed

    provider, model = split_prefixed(name.strip())
    return Model(model, provider or infer_provider(model))


def plan_shadow(paths: list[str], config: Config, out: Path, options: PlanOptions) -> dict:
    """Sample, write DIR/batch1/* and DIR/manifest.json; the summary the CLI prints."""
    from advisor.ingest.load import load_log
    from advisor.prices.catalog import load_prices

    if (out / MANIFEST).exists():
        raise InputError(
            f"{out / MANIFEST}: this folder already holds a plan; its batches may be out with their custom_ids. "
            "Choose a new --out folder (or delete this one if its batches were never submitted)."
        )
    candidates = [model_of(c) for c in options.candidates]
    if not candidates:
        raise InputError("--candidates: expected at least one model name, found none. Name them, e.g. M1,M2.")
    judge = model_of(options.judge)
    log = load_log(paths, mapping=options.mapping)
    routing = _routing(paths, config, options) if options.routing else None
    size = sample_size([c.model for c in candidates], routing)
    n = options.n if options.n is not None else size.n
    segments = segment_names_per_call(routing) if routing is not None else None
    if n == 0:
        raise InputError(
            f"{', '.join(c.model for c in candidates)}: the learning curve needs no more labels (stable, and the "
            "AUC interval excludes chance). Pass --n N to label N requests anyway."
        )
    plan = make_plan(
        log, candidates=candidates, judge=judge, n=n, seed=config.seed, segments=segments, labels=options.labels
    )
    if not plan.items:
        raise InputError(
            f"{', '.join(map(str, paths))}: no request to sample (the sample size is {n}, and requests need a "
            "non-empty query column). Map your text column to `query` (--map query=...) or pass --n."
        )
    first, second = _plan_costs(plan, load_prices(config, options.prices_file))  # before any file is written
    written = write_batches(list(plan.requests), out / FIRST)
    manifest = plan.manifest()
    manifest["sample_size"] = {**size.to_dict(), "used": n, "given": options.n}
    write_manifest(out, manifest)
    return _plain(
        {
            "folder": str(out),
            "mode": plan.mode,
            "sample": {
                "requests": len(plan.items),
                "available": plan.n_available,
                "strata": plan.n_strata,
                "routing_segments": segments is not None,
            },
            "sample_size": manifest["sample_size"],
            "files": [str(p) for p in written],
            "cost_usd": {"first_batch": total_usd(first), "judge_batch_at_most": total_usd(second)},
            "costs": {
                "first_batch": [c.to_dict() for c in first],
                "judge_batch_at_most": [c.to_dict() for c in second],
            },
        }
    )


def segment_names_per_call(routing) -> np.ndarray:
    """Per call, its routing segment as the reports name it ("segment 3 \u00b7 refund \u00b7 order status")."""
    names = {int(s.id): s.name for s in routing.segments}
    ids = np.asarray(routing.per_call_segment, dtype=np.int64)
    return np.array([names.get(int(i), f"segment {int(i) + 1}") for i in ids], dtype=object)


def _plan_costs(plan, prices):
    """(first batch, judge batch upper bound) at batch prices, per model."""
    by_item = {item["id"]: item for item in plan.items}
    item_of = [by_item[plan.roles[r.custom_id]["item"]] for r in plan.requests]
    first = batch_costs(
        [(r.model, r.provider, r.user, item["output_tokens"]) for r, item in zip(plan.requests, item_of)], prices
    )
    judge = plan.judge
    rows = [(judge.model, judge.provider, SYSTEM + _judge_text(plan.mode, item), JUDGE_MAX_TOKENS) for item in item_of]
    return first, batch_costs(rows, prices)


def _plain(summary: dict) -> dict:
    """Plain JSON values, floats at the 12 significant digits of every advisor JSON output."""
    from advisor.core.jsonable import to_jsonable
    from advisor.result.schema import JSON_SIGNIFICANT_DIGITS

    def rounded(value):
        if isinstance(value, float):
            return float(f"{value:.{JSON_SIGNIFICANT_DIGITS}g}")
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return [rounded(v) for v in value] if isinstance(value, list) else value

    return rounded(to_jsonable(summary))


def _judge_text(mode: str, item: dict) -> str:
    """The judge prompt for an item before the answers exist: each answer as long as the served
    one (the served answer itself when the log has it)."""
    answer = item.get("served_answer") or ("x " * item["output_tokens"])
    return (
        pairwise_prompt(item["query"], answer, answer) if mode == "pairwise" else absolute_prompt(item["query"], answer)
    )


def _routing(paths, config: Config, options: PlanOptions):
    """The routing analyzer's findings on the log (segments, each candidate's labels and learning
    curve), or None when it could not run."""
    from advisor.pipeline import run_analysis

    cfg = config.with_section("routing", candidates=[model_of(c).model for c in options.candidates])
    result = run_analysis(
        paths,
        cfg,
        mapping=options.mapping,
        embedder=options.embedder,
        labels=options.labels,
        analyzers=("routing",),
        prices_file=options.prices_file,
    )
    findings: Any = result.findings.get("routing")
    if findings is None or findings.skipped_reason or getattr(findings, "per_call_segment", None) is None:
        return None
    return findings


def judge_shadow(folder: Path, outputs: list[Path], prices=None) -> dict:
    """Read the first batch's outputs, write DIR/batch2/* (the judge batch) and update the manifest."""
    manifest = read_manifest(folder)
    files = [str(p) for p in outputs]
    batch = judge_batch(manifest, read_outputs(outputs), files=files)
    written = write_batches(list(batch.requests), folder / SECOND)
    manifest["round2"] = batch.roles
    manifest["round1_counts"] = ordered(batch.counts)
    write_manifest(folder, manifest)
    judge = manifest["judge"]
    costs = (
        batch_costs(
            [(r.model, r.provider, (r.system or "") + r.user, JUDGE_MAX_TOKENS) for r in batch.requests], prices
        )
        if prices is not None
        else ()
    )
    return _plain(
        {
            "folder": str(folder),
            "judge": judge["model"],
            "first_batch": ordered(batch.counts),
            "judge_requests": len(batch.requests),
            "files": [str(p) for p in written],
            "cost_usd_at_most": total_usd(costs) if costs else None,
        }
    )


def import_shadow(folder: Path, outputs: list[Path], out: Path | None = None) -> dict:
    """Read the judge batch's outputs, write the labels file; the summary the CLI prints."""
    manifest = read_manifest(folder)
    labels = import_labels(manifest, read_outputs(outputs), files=[str(p) for p in outputs])
    path = write_labels(out or folder / LABELS_FILE, labels)
    return {
        "labels_file": str(path),
        "rows": len(labels.rows),
        "requests_labelled": labels.n_requests,
        "judge_batch": ordered(labels.counts),
        "first_batch": labels.first_batch,
        "no_verdict": list(labels.unparsed),
    }
