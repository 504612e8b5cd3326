"""What a recommendation is and how its figures read: Recommendation, intervals, confidence, wording."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from advisor.analyzers.levers import LeverResult

EFFORT = {
    "routing": "medium: put a router in front of the API and monitor quality on shadow samples",
    "cache": "medium: embed each query, run a vector store, invalidate when answers change",
    "prompt": "medium: summarize long histories / order prompts for provider prompt caching",
    "history_summarization": "medium: summarize older turns with a model call and send the summary instead",
    "prompt_caching": "low: keep the fixed system prompt first in every call and turn on the provider's prompt caching",
    "capacity": "low: buy reserved instances; autoscale the rest",
}


@dataclass(frozen=True)
class Recommendation:
    rank: int
    lever: str
    title: str
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    interval_source: str
    quality_impact: str
    effort: str
    prerequisites: tuple[str, ...]
    confidence: str
    # The figures the title states, unrounded (shares of all calls, model names, threshold...),
    # so tools and tests can read what the sentence says without parsing it.
    action: dict[str, Any] = field(default_factory=dict)
    # Stable across reruns (no amounts in it), so `advisor runs compare` can pair the same advice.
    id: str = ""

    @property
    def has_interval(self) -> bool:
        return not self.interval_source.startswith("none")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        # No interval is null, never [saving, saving]: a zero-width range would read as certainty.
        d["savings_interval_usd"] = None if not self.has_interval else list(self.savings_interval_usd)
        d["prerequisites"] = list(self.prerequisites)
        d["action"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.action.items()}
        return d


def scaled_interval(saving: float, found: LeverResult | None, lever: str) -> tuple[tuple[float, float], str]:
    """The analyzer's interval, scaled from its stand-alone estimate to this plan's saving.

    An analyzer that estimates no saving of its own has no interval to scale."""
    if found is not None and found.monthly_savings_usd > 0:
        point = float(found.monthly_savings_usd)
        low, high = (saving * float(b) / point for b in found.savings_interval_usd)
        return (min(low, high), max(low, high)), f"the {lever} analyzer's interval, scaled to the plan's saving"
    return (saving, saving), f"none: the {lever} analyzer reports no interval"


def confidence(interval: tuple[float, float], source: str, saving: float, stated: str | None = None) -> str:
    """The analyzer's own word (routing states one), else from the interval's width."""
    if stated is not None:
        return stated
    # No interval at all is low confidence; a measured interval of zero width (e.g. reserved
    # workers that cover every resampled day) is not.
    if saving <= 0 or source.startswith("none"):
        return "low"
    spread = (interval[1] - interval[0]) / saving
    return "high" if spread < 0.2 else "medium" if spread < 0.6 else "low"


def pct(share: float) -> str:
    """A share of calls as a percentage, with a decimal below 10 % so a small share never reads 0%."""
    return f"{share:.0%}" if share >= 0.1 or share == 0 else f"{share:.1%}"


def join_words(words: list[str], limit: int = 3) -> str:
    """'a', 'a and b', 'a, b and c', 'a, b, c and 2 more'."""
    if len(words) > limit:
        return f"{', '.join(words[:limit])} and {len(words) - limit} more"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
