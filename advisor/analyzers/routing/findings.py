"""What the routing analyzer finds: per-candidate estimates + segments -> RoutingFindings.

The optimizer reads `segments` (volume, tokens and expected quality per model) and
`per_call_segment`; the report reads the rest. Field names are part of the stored JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.analyzers.routing.candidates import CandidateEstimate
from advisor.analyzers.routing.router.domain import DomainCheck
from advisor.core.jsonable import to_jsonable


@dataclass(frozen=True)
class RoutingSegment:
    id: int
    name: str
    n_calls: int
    call_share: float
    mean_input_tokens: float
    mean_output_tokens: float
    main_current_model: str
    current_quality: float | None  # absolute 0..1; None when nothing is labelled
    candidate_quality: dict[str, float | None]  # expected absolute quality on each candidate
    relative_quality: dict[str, float | None]  # candidate / current
    n_labelled: dict[str, int]  # "current" and each candidate
    label: str = ""  # the safe terms in `name` ("refund \u00b7 order status"; naming.py), or ""


@dataclass(frozen=True)
class RoutingFindings:
    name: str = "routing"
    monthly_savings_usd: float = 0.0
    savings_interval_usd: tuple[float, float] = (0.0, 0.0)
    confidence: str = "low"
    quality_target: float = 0.95
    best_candidate: str | None = None
    current_models: tuple[str, ...] = ()
    candidates: tuple[CandidateEstimate, ...] = ()
    segments: tuple[RoutingSegment, ...] = ()
    domain: DomainCheck | None = None
    prerequisites: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    per_call_segment: np.ndarray | None = None
    # Per segment, its queries nearest the centre ({"segment": "segment N", "query": text}); raw
    # here, shown redacted and only with --show-examples (advisor/analyzers/routing/examples.py).
    examples: tuple[dict[str, str], ...] = ()
    # For a deployed router (advisor export router), kept in memory and in the run store, not the JSON:
    # the segments' centroids (row = segment id) and the embedder the vectors came from.
    centroids: np.ndarray | None = field(default=None, metadata={"json": False})
    embedding_model_id: str | None = field(default=None, metadata={"json": False})

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)
