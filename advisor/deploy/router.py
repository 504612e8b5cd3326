"""A router exported from a run: DIR (router.npz + router.json) -> PlanRouter; texts -> model per request.

`advisor.load_router(DIR).choose(texts)` embeds each request with the embedding model the run
used, puts it in its segment (nearest centroid), scores it with each candidate's classifier and
sends it to the first candidate of its segment whose cut-off it passes, else to the segment's
current model (advisor/deploy/thresholds.py says how the cut-offs reproduce the plan's shares).
Arrays load with allow_pickle=False; nothing here touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.features import TEXT_FEATURES, text_features
from advisor.analyzers.routing.router.model import classifier_from_state
from advisor.core.errors import InputError

FORMAT_VERSION = 1
ARRAYS_FILE = "router.npz"
META_FILE = "router.json"
CARD_FILE = "MODEL_CARD.md"
KIND = "advisor plan router"


class PlanRouter:
    """The plan's routing, per request. `models` lists every model it can answer with."""

    def __init__(
        self, meta: dict[str, Any], centroids: np.ndarray, classifiers: dict[str, RoutingClassifier], embedder
    ):
        self.meta = meta
        self.centroids = np.asarray(centroids, dtype=np.float64)
        self.classifiers = classifiers
        self.embedder = embedder
        self.segments = {int(s["segment_id"]): s for s in meta["segments"]}
        names = [s["current_model"] for s in meta["segments"]]
        names += [r["model"] for s in meta["segments"] for r in s["routes"]]
        self.models = tuple(dict.fromkeys(names))

    def segment_of(self, vectors: np.ndarray) -> np.ndarray:
        """Nearest centroid (Euclidean, as KMeans assigns) of each embedding."""
        v = np.asarray(vectors, dtype=np.float64)
        distance = (v * v).sum(axis=1)[:, None] - 2.0 * v @ self.centroids.T + (self.centroids**2).sum(axis=1)
        return np.argmin(distance, axis=1)

    def scores(self, texts: Sequence[str], vectors: np.ndarray, turns: Sequence[float] | None) -> dict[str, np.ndarray]:
        """Each candidate's routing score per request (lower = less to gain from the stronger model)."""
        base = text_features(texts)
        with_turn = np.c_[base, np.log1p(np.asarray(turns if turns is not None else np.ones(len(texts)), dtype=float))]
        out = {}
        for model, clf in self.classifiers.items():
            features = with_turn if clf.n_features_ == len(TEXT_FEATURES) + 1 else base
            out[model] = clf.predict(vectors, features).strong_score
        return out

    def choose(self, texts: Sequence[str], *, turns: Sequence[float] | None = None) -> list[str]:
        """The model for each request. `turns`: each request's turn in its conversation (1 =
        first), used when the run's classifier read the log's turn column; 1 when not given."""
        texts = [str(t) for t in texts]
        if turns is not None and len(turns) != len(texts):
            raise InputError(
                f"route: expected one turn per text ({len(texts)}), found {len(turns)}. Pass both aligned."
            )
        if not texts:
            return []
        vectors = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        segment = self.segment_of(vectors)
        scores = self.scores(texts, vectors, turns)
        chosen = []
        for i, sid in enumerate(segment):
            rule = self.segments.get(int(sid), {"current_model": self.models[0], "routes": []})
            model = rule["current_model"]
            for route in rule["routes"]:
                if route["threshold"] is not None and scores[route["model"]][i] <= route["threshold"]:
                    model = route["model"]
                    break
            chosen.append(model)
        return chosen


def _default_embedder(expected: str | None, directory: Path):
    from advisor.embed import default_embedder

    embedder = default_embedder()
    found = getattr(embedder, "model_id", None)
    if expected is not None and found != expected:
        raise InputError.at(
            str(directory / META_FILE),
            expected=f"embeddings from '{expected}' (the model the analyzed run used)",
            found=f"the default embedder '{found}'",
            fix="Pass that model: --embedding-model PATH, or load_router(DIR, embedder=...).",
        )
    return embedder


def load_router(directory: str | Path, *, embedder: Any = None) -> PlanRouter:
    """The router `advisor export router` wrote to `directory`. `embedder`: an advisor Embedder
    (advisor.embed.default_embedder(model_path=...)); default: the bundled one, which must be
    the one the run used."""
    d = Path(directory)
    meta_path, arrays_path = d / META_FILE, d / ARRAYS_FILE
    if not meta_path.is_file() or not arrays_path.is_file():
        raise InputError.at(
            str(d),
            expected=f"an exported router ({META_FILE} and {ARRAYS_FILE})",
            found="none",
            fix="Write one with `advisor export router --run ID --out DIR`.",
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError.at(str(meta_path), expected="JSON", found=f"'{exc}'", fix="Export the router again.") from None
    if not isinstance(meta, dict) or meta.get("kind") != KIND or meta.get("format_version") != FORMAT_VERSION:
        raise InputError.at(
            str(meta_path),
            expected=f"an {KIND} of format_version {FORMAT_VERSION}",
            found=repr(meta.get("format_version") if isinstance(meta, dict) else type(meta).__name__),
            fix="Export the router again with this version of advisor.",
        )
    with np.load(arrays_path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    classifiers = {}
    for j, cand in enumerate(meta["candidates"]):
        prefix = f"c{j}.classifier."
        state = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        classifiers[cand["model"]] = classifier_from_state(state, cand["classifier"])
    if embedder is None:
        embedder = _default_embedder(meta.get("embedding_model_id"), d)
    return PlanRouter(meta, arrays["segments.centroids"], classifiers, embedder)
