"""Routing settings: the `[routing]` table of the config file -> RoutingSettings.

candidates = ["gpt-4o-mini", "claude-haiku-4-5"]   # cheaper models to consider
candidate_providers = { "gpt-4o-mini" = "openai" }  # when the name does not say it
n_segments = 12            # clusters of similar requests (1..50)
quality_threshold = 0.8    # optional: "good enough" = candidate score >= this (else >= current)
min_labels = 50            # labelled calls per candidate needed to train on the user's labels
router = "default"         # "default", a directory holding router.json/.npz, or "none"
max_out_of_domain_share = 0.25
learning_curve = true
segment_name_min_queries = 5  # distinct queries of a segment that must hold a term before it names the segment
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.core.errors import ConfigError

DEFAULT_MIN_QUERIES = 5  # a term fewer distinct queries hold could be one person's words
MAX_ECE = 0.05  # calibration error above which probabilities get a warning

# Cheaper model per provider when the user names none and has no shadow labels.
DEFAULT_CANDIDATES = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "google": "gemini-2.0-flash",
    "mistral": "mistral-small-latest",
}


@dataclass(frozen=True)
class RoutingSettings:
    candidates: tuple[str, ...] = ()
    candidate_providers: dict = field(default_factory=dict)
    n_segments: int = 12
    quality_threshold: float | None = None
    min_labels: int = 50
    router: str = "default"
    max_out_of_domain_share: float = 0.25
    learning_curve: bool = True
    segment_name_min_queries: int = DEFAULT_MIN_QUERIES

    def validate(self) -> None:
        if not 1 <= self.n_segments <= 50:
            raise ConfigError.setting("routing.n_segments", "an integer from 1 to 50", self.n_segments)
        if self.quality_threshold is not None and not 0.0 <= self.quality_threshold <= 1.0:
            raise ConfigError.setting("routing.quality_threshold", "a number in 0..1", self.quality_threshold)
        if self.segment_name_min_queries < 2:
            raise ConfigError.setting(
                "routing.segment_name_min_queries", "an integer >= 2", self.segment_name_min_queries
            )
        if self.min_labels < 20:
            raise ConfigError.setting("routing.min_labels", "an integer >= 20", self.min_labels)
        if not 0.0 < self.max_out_of_domain_share < 1.0:
            raise ConfigError.setting(
                "routing.max_out_of_domain_share", "a number strictly between 0 and 1", self.max_out_of_domain_share
            )
