"""Request segments: query embeddings + texts -> clusters of similar requests with readable names;
clusters + calls + candidate estimates -> one RoutingSegment summary per cluster.

KMeans on the (L2-normalised) embeddings groups requests that a router would treat alike; the
optimizer assigns routing shares per segment and the report names them. A segment's name is
its number and its label, the distinctive terms many of its distinct queries share
(advisor/analyzers/routing/naming.py): "segment 3 \u00b7 refund \u00b7 order status", or "segment 3".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.analyzers.routing.findings import RoutingSegment
from advisor.analyzers.routing.naming import segment_labels
from advisor.analyzers.routing.settings import DEFAULT_MIN_QUERIES
from advisor.core.redact import shown_segment_name

if TYPE_CHECKING:
    from advisor.analyzers.routing.calls import RoutingCalls
    from advisor.analyzers.routing.candidates import CandidateEstimate


@dataclass(frozen=True)
class Clustering:
    per_call_segment: np.ndarray  # int, segment id per request
    names: tuple[str, ...]  # one per segment id: "segment <id + 1>" and the label
    centroids: np.ndarray  # (n_segments, dim)
    labels: tuple[str, ...] = ()  # one per segment id: its safe terms, or ""


def cluster_requests(
    embeddings: np.ndarray,
    texts: list[str],
    *,
    n_segments: int,
    seed: int,
    n_name_words: int = 3,
    weights: np.ndarray | None = None,
    min_queries: int = DEFAULT_MIN_QUERIES,
) -> Clustering:
    """KMeans with a fixed seed; fewer segments than asked when there are few distinct requests.

    `weights`: calls per row when the rows are a log's distinct texts (the analyzer clusters
    those, then maps calls to their text's segment), so segment sizes and names count calls.
    `min_queries`: distinct texts of a segment that must hold a term for it to name the segment."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    from advisor.analyzers.routing.router.fitting import single_threaded
    from advisor.core.rows import unique_rows

    n = len(texts)
    if n == 0:
        return Clustering(np.zeros(0, dtype=int), (), np.zeros((0, embeddings.shape[1] if embeddings.ndim == 2 else 0)))
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    n_distinct = len(unique_rows(np.asarray(embeddings, dtype=np.float32))[0])
    k = max(1, min(n_segments, n_distinct))
    with single_threaded():
        if n > 20000:  # full KMeans passes over every row per iteration; mini-batches keep big logs fast
            km = MiniBatchKMeans(n_clusters=k, n_init=3, random_state=seed, batch_size=4096).fit(
                embeddings, sample_weight=weights
            )
        else:
            km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(embeddings, sample_weight=weights)
    labels = km.labels_.astype(int)
    # Number segments by size in calls (largest first) so ids read naturally in reports.
    sizes = np.bincount(labels, weights=weights, minlength=k)
    order = np.argsort(-sizes, kind="stable")
    remap = np.empty(k, dtype=int)
    remap[order] = np.arange(k)
    labels = remap[labels]
    centroids = km.cluster_centers_[order]
    terms = segment_labels(texts, labels, k, min_queries=min_queries, weights=weights, n_terms=n_name_words)
    return Clustering(labels, tuple(shown_segment_name(s + 1, t) for s, t in enumerate(terms)), centroids, terms)


def summarize_segments(
    clusters: Clustering,
    calls: RoutingCalls,
    estimates: Sequence[CandidateEstimate],
    labelled_masks: dict[str, np.ndarray],
) -> tuple[RoutingSegment, ...]:
    """Per non-empty segment: volume, tokens, main served model, and the expected quality on each
    candidate. `clusters.per_call_segment` is per call; labelled_masks: per candidate, the calls
    labelled for both it and the current model."""
    n = len(calls)
    current_labels, current_quality = calls.current_labels, calls.current_quality
    any_current = bool(np.isfinite(current_labels).any())
    out = []
    labels = clusters.labels or ("",) * len(clusters.names)
    for sid, seg_name in enumerate(clusters.names):
        rows = np.flatnonzero(clusters.per_call_segment == sid)
        if len(rows) == 0:
            continue
        # Calls per served model (names sorted; the first of equal counts is the main one).
        counts = np.bincount(calls.served_code[rows], minlength=len(calls.served_models))
        cur = float(current_quality[rows].mean()) if any_current else None
        cand_q: dict[str, float | None] = {}
        rel_q: dict[str, float | None] = {}
        n_lab = {"current": int(np.isfinite(current_labels[rows]).sum())}
        for e in estimates:
            n_lab[e.model] = int(labelled_masks[e.model][rows].sum())
            if e.per_call_expected_delta is None:
                cand_q[e.model], rel_q[e.model] = None, None
                continue
            # Gains and losses both count; labelled calls carry their measured change.
            base = current_quality[rows]
            expected = np.clip(base + e.per_call_expected_delta[rows], 0.0, 1.0)
            rel_q[e.model] = float(expected.sum() / base.sum()) if base.sum() > 0 else None
            cand_q[e.model] = float(expected.mean()) if any_current else None
        out.append(
            RoutingSegment(
                id=sid,
                name=seg_name,
                n_calls=len(rows),
                call_share=len(rows) / n,
                mean_input_tokens=float(calls.input_tokens[rows].mean()),
                mean_output_tokens=float(calls.output_tokens[rows].mean()),
                main_current_model=str(calls.served_models[np.argmax(counts)]),
                current_quality=cur,
                candidate_quality=cand_q,
                relative_quality=rel_q,
                n_labelled=n_lab,
                label=labels[sid],
            )
        )
    return tuple(out)
