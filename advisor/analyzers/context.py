"""What every analyzer is given and what it returns: AnalysisContext in, a Findings out.

`AnalysisContext` carries settings, prices, the embedder and optional labels; `Findings` is the
shape every analyzer's result has (the lever-specific fields the optimizer and the
recommendations read are typed in advisor/analyzers/levers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from advisor.core.progress import Progress, no_progress

if TYPE_CHECKING:
    import numpy as np

    from advisor.analyzers.routing.labels import RoutingLabels
    from advisor.core.config import Config
    from advisor.embed import Embedder
    from advisor.prices.catalog import PriceCatalog


class Findings(Protocol):
    """What every analyzer returns: a frozen dataclass with these fields and a JSON-ready to_dict()."""

    @property
    def name(self) -> str: ...
    @property
    def monthly_savings_usd(self) -> float: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...
    @property
    def skipped_reason(self) -> str | None: ...

    def to_dict(self) -> dict[str, Any]: ...


class LabelledPairs(Protocol):
    """Query pairs a person judged (advisor.analyzers.cache.labels.PairLabels): the cache's calibration."""

    @property
    def cosine(self) -> np.ndarray: ...
    @property
    def same(self) -> np.ndarray: ...


@dataclass(frozen=True)
class AnalysisContext:
    """What analyzers get besides the log and baseline: settings, prices, the embedder, labels."""

    config: Config
    prices: PriceCatalog
    embedder: Embedder | None = None  # None means "load the default lazily"
    progress: Progress = no_progress
    labels: RoutingLabels | None = None  # optional user labels for routing
    cache_pair_labels: LabelledPairs | None = None  # else [cache] pair_labels, else none
    # Another way to compute the cache replay with replay()'s signature and answers (the Ray
    # engine's chunked replay, advisor/engine/chunked_replay.py); None = replay() itself.
    cache_replay: Any = None
    # The same answers from the call texts and the embedder's encode, (texts, encode, **replay()'s
    # keywords) -> Replay: an engine that keeps only the distinct texts' vectors, never one per
    # call (advisor/engine/chunked_replay.py chunked_replay_texts); None = embed every call here.
    cache_replay_texts: Any = None

    def get_embedder(self) -> Embedder:
        """The injected embedder, or the default sentence-transformers one (loaded on first use)."""
        if self.embedder is not None:
            return self.embedder
        from advisor.embed import default_embedder

        emb = default_embedder(self.config)
        object.__setattr__(self, "embedder", emb)
        return emb
