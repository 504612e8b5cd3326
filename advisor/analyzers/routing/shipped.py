"""Routing estimates for candidate models without labels of their own: the shipped default
router (models/router), used only after a domain check says the log looks like its training
data, else an estimate that claims nothing. RoutingCalls + CandidateInputs -> CandidateEstimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.analyzers.routing.candidates import (
    CandidateEstimate,
    CandidateInputs,
    estimate_from_router,
    estimate_unsupported,
)

if TYPE_CHECKING:
    from advisor.analyzers.routing.calls import RoutingCalls
    from advisor.analyzers.routing.router.classifier import RouterScores
    from advisor.analyzers.routing.router.domain import DomainCheck
    from advisor.analyzers.routing.router.model import ShippedRouter
    from advisor.analyzers.routing.settings import RoutingSettings

DEFAULT_ROUTER_ECE = 0.05  # assumed when the shipped router's card has no held-out ECE


class ShippedFallback:
    """The estimate for candidates without labels of their own: the shipped default router,
    loaded and checked against the log's domain once, on the first candidate that needs it."""

    def __init__(
        self,
        cfg: RoutingSettings,
        calls: RoutingCalls,
        *,
        seed: int,
        embedder_id: Callable[[], str | None],
        target: float,
    ):
        self._cfg, self._calls, self._seed = cfg, calls, seed
        self._embedder_id, self._target = embedder_id, target
        self._applied = False
        self.router: ShippedRouter | None = None
        self.domain: DomainCheck | None = None
        self.scores: RouterScores | None = None

    def estimate(self, inputs: CandidateInputs) -> tuple[CandidateEstimate, list[str]]:
        if self._cfg.router == "none":
            return estimate_unsupported(
                inputs, 'No labels and the default router is disabled ([routing] router = "none").'
            ), []
        notes = []
        if not self._applied:
            self._applied = True
            router, self.domain, self.scores, note = _apply_shipped_router(self._cfg, self._calls, self._seed)
            self.router = router
            embedder_id = self._embedder_id()
            if self.scores is not None and embedder_id != router.embedding_model_id:
                notes.append(
                    f"routing: the default router was trained on {router.embedding_model} "
                    f"embeddings; the configured embedder is '{embedder_id}'."
                )
            if note:
                notes.append(note)
        if self.scores is None or self.router is None:
            return estimate_unsupported(inputs, "The default router does not cover this traffic."), notes
        ece = float(self.router.metrics.get("held_out", {}).get("ece") or DEFAULT_ROUTER_ECE)
        estimate = estimate_from_router(inputs, self.scores, ece, target=self._target)
        # A deployed router scores with the same classifier (advisor export router).
        deployable = replace(estimate, scorer=self.router.classifier, per_call_deploy_score=self.scores.strong_score)
        return deployable, notes


def _apply_shipped_router(
    cfg: RoutingSettings, calls: RoutingCalls, seed: int
) -> tuple[ShippedRouter, DomainCheck | None, RouterScores | None, str | None]:
    """(router, domain check, scores or None, warning or None): scores only for in-domain traffic.
    The router reads one embedding per distinct text and the features per call."""
    from advisor.analyzers.routing.router.model import load_router

    embeddings, text_ids, texts, features = calls.distinct_vectors, calls.text_of_call, calls.texts, calls.features
    shipped = load_router(None if cfg.router == "default" else cfg.router)
    expected_dim = shipped.classifier.pca_mean_.shape[0]
    if embeddings.shape[1] != expected_dim:
        return (
            shipped,
            None,
            None,
            (
                f"ROUTING: the default router needs {shipped.embedding_model} embeddings ({expected_dim} dimensions); "
                f"the configured embedder gives {embeddings.shape[1]}. No routing savings are claimed without your own labels."
            ),
        )
    domain = shipped.check_domain(
        embeddings, texts, max_share_below=cfg.max_out_of_domain_share, seed=seed, features=features, text_ids=text_ids
    )
    if not domain.in_domain:
        return (
            shipped,
            domain,
            None,
            (
                f"ROUTING: OUT OF DOMAIN. The default router was trained on {shipped.training.get('data', 'other data')}; "
                f"{domain.describe()}. No routing savings are claimed without your own labels."
            ),
        )
    return shipped, domain, shipped.predict(embeddings, texts, features=features, text_ids=text_ids), None
