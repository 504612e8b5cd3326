"""The log as the routing estimate reads it: QueryLog + Baseline + AnalysisContext -> RoutingCalls,
and one candidate's view of those calls -> CandidateInputs.

Embeddings are computed once per distinct text (a log repeats its queries); every per-call
array here is aligned with the log's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.analyzers.routing.candidates import CandidateInputs
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.settings import DEFAULT_CANDIDATES, RoutingSettings
from advisor.core.schema import INPUT_TOKENS, MODEL, OUTPUT_TOKENS, PROVIDER, QUALITY, QUALITY_PREFIX, QUERY, TURN

if TYPE_CHECKING:
    import pandas as pd

    from advisor.analyzers import AnalysisContext
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline


@dataclass(frozen=True)
class RoutingCalls:
    """Per-call arrays (one entry per log row) plus the distinct texts they point into."""

    frame: pd.DataFrame
    texts: list[str]  # query text per call
    served: np.ndarray  # served model per call
    served_models: np.ndarray  # distinct served models, sorted
    served_code: np.ndarray  # each call's index in served_models
    providers: np.ndarray  # served provider per call ("unknown" without the column)
    distinct_texts: list[str]  # sorted
    embed: Callable[[list[str]], np.ndarray]  # the embedder, run on first use of distinct_vectors
    text_of_call: np.ndarray  # each call's row in distinct_texts / distinct_vectors
    features: np.ndarray  # cheap text features per call (what the shipped router reads)
    user_features: np.ndarray  # the same plus log(1 + turn) when the log has turns (user-trained router)
    current_labels: np.ndarray  # served model's score per call, NaN where unknown
    current_from_file: np.ndarray  # bool: the score came from --labels (one per text)
    current_quality: np.ndarray  # current_labels filled with their mean (1.0 when none)
    cost_usd: np.ndarray  # today's cost per call
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    monthly_factor: float

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def distinct_vectors(self) -> np.ndarray:
        """One embedding per distinct text, computed on first use: a log with no cheaper
        candidate is never embedded."""
        return np.asarray(self.embed(self.distinct_texts), dtype=np.float32)


def guess_provider(model: str, configured: dict, fallback: str) -> str:
    """[routing] candidate_providers first, then the price catalog's own lookup (as ingest does)."""
    if model in configured:
        return str(configured[model])
    from advisor.ingest.providers import UNKNOWN, infer_provider

    provider = infer_provider(model)
    return fallback if provider == UNKNOWN else provider


def sorted_distinct(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values in sorted order, index of each value among them): np.unique's answer for
    strings, by hashing (pandas.factorize) and sorting only the distinct ones; np.unique sorts
    every row by Python comparisons (1.3 s for a million query texts)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def embed_distinct(embedder: Any, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(distinct texts, their vectors, distinct index per call): work per text, not per call."""
    uniq, inverse = sorted_distinct(texts)
    distinct = [str(t) for t in uniq]
    return distinct, np.asarray(embedder.encode(distinct), dtype=np.float32), inverse


def labels_for(
    frame: pd.DataFrame, ctx_labels: Any, model: str | None, texts: list[str], served: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(per-call scores, from_file) of `model` (a shadow column / the labels file), or of the
    served model when model is None. from_file marks calls whose score came from --labels:
    one score per text, copied to every call of that text."""
    out = np.full(len(frame), np.nan)
    if model is None:
        if QUALITY in frame.columns:
            out = frame[QUALITY].to_numpy(dtype=float, na_value=np.nan).copy()
        from_log = np.isfinite(out)
        if ctx_labels is not None:
            for name in np.unique(served):
                rows = np.flatnonzero(served == name)
                fill = ctx_labels.for_texts([texts[i] for i in rows], name)
                out[rows] = np.where(np.isfinite(out[rows]), out[rows], fill)
        return out, np.isfinite(out) & ~from_log
    column = QUALITY_PREFIX + model
    if column in frame.columns:
        out = frame[column].to_numpy(dtype=float, na_value=np.nan).copy()
    from_log = np.isfinite(out)
    if ctx_labels is not None:
        fill = ctx_labels.for_texts(texts, model)
        out = np.where(np.isfinite(out), out, fill)
    return out, np.isfinite(out) & ~from_log


def read_calls(log: QueryLog, baseline: Baseline, ctx: AnalysisContext) -> RoutingCalls:
    """The log's calls; embedded once per distinct text when first needed (reported as progress)."""
    frame = log.frame
    n = len(frame)
    texts = frame[QUERY].fillna("").astype(str).tolist()
    served = frame[MODEL].astype(str).to_numpy()
    served_models, served_code = sorted_distinct(served)
    providers = frame[PROVIDER].astype(str).to_numpy() if PROVIDER in frame.columns else np.array(["unknown"] * n)

    uniq, text_of_call = sorted_distinct(texts)
    distinct_texts = [str(t) for t in uniq]

    def embed(distinct: list[str]) -> np.ndarray:
        ctx.progress("routing: embedding queries", 0, n)
        vectors = ctx.get_embedder().encode(distinct)
        ctx.progress("routing: embedding queries", n, n)
        return vectors

    features = text_features(distinct_texts)[text_of_call]  # per call (small: a few columns)
    if log.has(TURN):  # the user-trained classifier may use the turn; the shipped router does not
        user_features = np.c_[features, np.log1p(frame[TURN].fillna(1).to_numpy(dtype=float))]
    else:
        user_features = features

    current_labels, current_from_file = labels_for(frame, ctx.labels, None, texts, served)
    known_current = current_labels[np.isfinite(current_labels)]
    current_quality = np.where(
        np.isfinite(current_labels), current_labels, known_current.mean() if len(known_current) else 1.0
    )
    return RoutingCalls(
        frame=frame,
        texts=texts,
        served=served,
        served_models=served_models,
        served_code=served_code,
        providers=providers,
        distinct_texts=distinct_texts,
        embed=embed,
        text_of_call=text_of_call,
        features=features,
        user_features=user_features,
        current_labels=current_labels,
        current_from_file=current_from_file,
        current_quality=current_quality,
        cost_usd=np.asarray(baseline.per_call_cost_usd, dtype=float),
        input_tokens=frame[INPUT_TOKENS].to_numpy(dtype=float),
        output_tokens=frame[OUTPUT_TOKENS].to_numpy(dtype=float),
        monthly_factor=float(baseline.monthly_factor),
    )


def candidate_names(log: QueryLog, ctx_labels: Any, cfg: RoutingSettings, calls: RoutingCalls) -> list[str]:
    """The configured candidates; else the models with shadow labels; else a cheaper default per provider."""
    if cfg.candidates:
        return list(cfg.candidates)
    # A model that already serves some of the traffic stays a candidate for the rest (each call is
    # eligible only where it is served by another, dearer model); only one serving every call is not.
    served_models = set(calls.served_models)
    serves_all = served_models if len(served_models) == 1 else set()
    labelled = set(log.quality_models()) | (set(ctx_labels.models) if ctx_labels is not None else set())
    names = sorted(labelled - serves_all)
    if names:
        return names
    providers = set(calls.providers)
    return sorted({DEFAULT_CANDIDATES[p] for p in providers if p in DEFAULT_CANDIDATES} - serves_all)


def candidate_inputs(
    calls: RoutingCalls, name: str, provider: str, candidate_cost_usd: np.ndarray, ctx_labels: Any
) -> CandidateInputs:
    """One candidate's view of the calls: which it is cheaper for, by how much, and its labels."""
    cost = calls.cost_usd
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, candidate_cost_usd / cost, 1.0)
    eligible = (calls.served != name) & (candidate_cost_usd < cost)
    candidate_labels, candidate_from_file = labels_for(calls.frame, ctx_labels, name, calls.texts, calls.served)
    return CandidateInputs(
        model=name,
        provider=provider,
        eligible=eligible,
        per_call_saving_usd=np.where(eligible, cost - candidate_cost_usd, 0.0),
        cost_ratio=ratio,
        current_quality=calls.current_quality,
        candidate_labels=candidate_labels,
        current_labels=calls.current_labels,
        monthly_factor=calls.monthly_factor,
        labels_per_text=calls.current_from_file | candidate_from_file,
    )
