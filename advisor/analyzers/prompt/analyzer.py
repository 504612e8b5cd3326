"""Prompt analyzer: QueryLog + Baseline + [prompt] settings -> PromptFindings.

1. Token composition of every call: system prompt, conversation history, user message and
   output (composition.py: from columns when the log has them, else from conversation order).
2. Summarizing history older than k turns into a summary of `summary_ratio` x its size,
   net of the calls that write and update the summaries.
3. Provider prompt caching of the static prefix, replayed with the provider's rules
   (`caching.py`), priced at the catalog's cached-input price where it has one.
4. The system prompt's share of input, reported without a savings claim.

The two savings are alternatives, not a sum (a summary rewrites the prefix a cache would
read), so `monthly_savings_usd` is the larger one and `recommended` names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.prompt.caching import PROFILES
from advisor.analyzers.prompt.composition import older_history, previous_in_conversation, token_composition
from advisor.analyzers.prompt.pricing import input_rates, price_prompt_cache
from advisor.analyzers.resample import bootstrap_monthly_interval, resampling_units
from advisor.core import schema as S
from advisor.core.config import settings
from advisor.core.errors import ConfigError
from advisor.core.policy import MAX_BOOTSTRAP


@dataclass(frozen=True)
class PromptSettings:
    """Section [prompt]."""

    summarize_after_turns: int = 4  # k: the last k turns stay verbatim, older ones are summarized
    summary_ratio: float = 0.25  # summary tokens / tokens summarized
    summary_model: str | None = None  # model that writes summaries; default: the call's own model
    summary_provider: str | None = None
    cache_profile: str = "auto"  # auto (by provider) | anthropic | openai
    cache_ttl_s: float | None = None  # overrides of the profile's rules
    cache_min_prefix_tokens: int | None = None
    cache_write_multiplier: float | None = None
    cache_read_multiplier: float | None = None
    n_bootstrap: int = 1000

    def validate(self) -> None:
        if self.summarize_after_turns < 1:
            raise ConfigError.setting("prompt.summarize_after_turns", "an integer >= 1", self.summarize_after_turns)
        if not 0 < self.summary_ratio < 1:
            raise ConfigError.setting("prompt.summary_ratio", "a fraction in (0, 1), e.g. 0.25", self.summary_ratio)
        if self.cache_profile != "auto" and self.cache_profile not in PROFILES:
            raise ConfigError.setting("prompt.cache_profile", f"one of auto, {', '.join(PROFILES)}", self.cache_profile)
        if self.cache_ttl_s is not None and not self.cache_ttl_s > 0:
            raise ConfigError.setting("prompt.cache_ttl_s", "a number of seconds > 0", self.cache_ttl_s)
        if self.cache_min_prefix_tokens is not None and self.cache_min_prefix_tokens < 0:
            raise ConfigError.setting("prompt.cache_min_prefix_tokens", "an integer >= 0", self.cache_min_prefix_tokens)
        if self.cache_write_multiplier is not None and not 1 <= self.cache_write_multiplier < float("inf"):
            raise ConfigError.setting(
                "prompt.cache_write_multiplier", "a finite number >= 1", self.cache_write_multiplier
            )
        if self.cache_read_multiplier is not None and not 0 <= self.cache_read_multiplier <= 1:
            raise ConfigError.setting(
                "prompt.cache_read_multiplier", "a fraction in [0, 1]", self.cache_read_multiplier
            )
        if not 100 <= self.n_bootstrap <= MAX_BOOTSTRAP:
            raise ConfigError.setting("prompt.n_bootstrap", f"an integer in [100, {MAX_BOOTSTRAP:,}]", self.n_bootstrap)


@dataclass(frozen=True)
class Composition:
    """Token totals over the log and shares of all tokens (input + output)."""

    source: str  # "columns" | "derived from conversation order" | ...
    system_tokens: int
    history_tokens: int
    user_tokens: int
    output_tokens: int

    def to_dict(self) -> dict[str, Any]:
        total = self.system_tokens + self.history_tokens + self.user_tokens + self.output_tokens
        d = dict(self.__dict__)
        for k in ("system", "history", "user", "output"):
            d[f"{k}_share"] = getattr(self, f"{k}_tokens") / total if total else 0.0
        return d


@dataclass(frozen=True)
class PromptFindings:
    name: str
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    recommended: str | None  # "prompt_caching" | "history_summarization" | None
    composition: Composition
    system_share_of_input: float
    summarization: dict[str, Any]
    prompt_caching: dict[str, Any]
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    per_call_system_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    per_call_history_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    per_call_cache_read_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    per_call_cache_savings_usd: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    per_call_summary_savings_usd: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "monthly_savings_usd": self.monthly_savings_usd,
            "savings_interval_usd": list(self.savings_interval_usd),
            "recommended": self.recommended,
            "composition": self.composition.to_dict(),
            "system_share_of_input": self.system_share_of_input,
            "summarization": dict(self.summarization),
            "prompt_caching": dict(self.prompt_caching),
            "warnings": list(self.warnings),
            "skipped_reason": self.skipped_reason,
        }


def _cache_savings(log, baseline, ctx, s: PromptSettings, system, history, warnings):
    frame = log.frame
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    priced = price_prompt_cache(frame, system, history, s, ctx.prices, baseline.per_call_input_cost_usd)
    per_call, read, write, known = (
        priced.per_call_savings_usd,
        priced.read_tokens,
        priced.write_tokens,
        priced.catalog_price_known,
    )
    if (~known & (read > 0)).any():
        warnings.append(
            "No catalog cached-input price for some models; their cache reads use the profile's read multiplier."
        )
    factor = float(baseline.monthly_factor)
    total_in = float(inp.sum())
    detail = {
        "profiles": priced.profiles,
        "read_share_of_input": float(read.sum() / total_in) if total_in else 0.0,
        "write_share_of_input": float(write.sum() / total_in) if total_in else 0.0,
        "monthly_savings_usd": float(per_call.sum()) * factor,
        "savings_share_of_api_cost": float(per_call.sum() / baseline.per_call_cost_usd.sum())
        if baseline.per_call_cost_usd.sum() > 0
        else 0.0,
        "price_source": "catalog cached-input price" if known[read > 0].all() else "catalog where known, else profile",
    }
    return per_call, read, detail


def _summary_savings(log, baseline, ctx, s: PromptSettings, system, history):
    frame = log.frame
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    older = older_history(log, history, system, s.summarize_after_turns)
    saved_tokens = older * (1.0 - s.summary_ratio)
    rate, _, _ = input_rates(ctx.prices, frame, inp)
    # Summaries are kept up to date: each call whose older history grew folds the new turns
    # (and reads the previous summary) into a new summary of summary_ratio x older history.
    prev_older = previous_in_conversation(log, older)
    grown = np.maximum(older - prev_older, 0)
    s_in = np.where(grown > 0, grown + s.summary_ratio * prev_older, 0.0)
    s_out = np.where(grown > 0, s.summary_ratio * older, 0.0)
    model = s.summary_model or frame[S.MODEL]
    provider = s.summary_provider if s.summary_model else (frame[S.PROVIDER] if S.PROVIDER in frame.columns else None)
    summary_cost = ctx.prices.call_cost_usd(model, provider, s_in, s_out)
    per_call = saved_tokens * rate - summary_cost
    factor = float(baseline.monthly_factor)
    total_in = float(inp.sum())
    detail = {
        "summarize_after_turns": s.summarize_after_turns,
        "summary_ratio": s.summary_ratio,
        "calls_with_summarized_history_share": float((older > 0).mean()) if len(older) else 0.0,
        "input_token_reduction_share": float(saved_tokens.sum() / total_in) if total_in else 0.0,
        "summary_calls_per_month": float((grown > 0).sum()) * factor,
        "summary_cost_per_month_usd": float(summary_cost.sum()) * factor,
        "monthly_savings_usd": float(per_call.sum()) * factor,
    }
    return per_call, detail


@register("prompt")
def analyze_prompt(log: S.QueryLog, baseline, ctx: AnalysisContext) -> PromptFindings:
    """Token composition, history-summarization and prompt-caching savings (see the module docstring)."""
    s = settings(ctx.config, "prompt", PromptSettings)
    frame = log.frame
    n = log.n_calls
    warnings: list[str] = []
    system, history, source = token_composition(log, warnings)
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    out = frame[S.OUTPUT_TOKENS].to_numpy(np.int64)
    user = np.maximum(inp - system - history, 0)
    comp = Composition(
        source=source,
        system_tokens=int(system.sum()),
        history_tokens=int(history.sum()),
        user_tokens=int(user.sum()),
        output_tokens=int(out.sum()),
    )
    system_share = float(system.sum() / inp.sum()) if inp.sum() else 0.0
    if not log.has(S.CONVERSATION_ID) and not log.has(S.SYSTEM_TOKENS):
        zero = np.zeros(n)
        return PromptFindings(
            name="prompt",
            monthly_savings_usd=0.0,
            savings_interval_usd=(0.0, 0.0),
            recommended=None,
            composition=comp,
            system_share_of_input=system_share,
            summarization={},
            prompt_caching={},
            skipped_reason="the log has no conversation_id and no system_tokens, so no call's prompt can be known "
            "to repeat another's; map a conversation or session column with --map conversation_id=...",
            per_call_system_tokens=system,
            per_call_history_tokens=history,
            per_call_cache_read_tokens=np.zeros(n, np.int64),
            per_call_cache_savings_usd=zero,
            per_call_summary_savings_usd=zero,
        )

    cache_per_call, read, cache_detail = _cache_savings(log, baseline, ctx, s, system, history, warnings)
    sum_per_call, sum_detail = _summary_savings(log, baseline, ctx, s, system, history)
    options = {"prompt_caching": cache_per_call, "history_summarization": sum_per_call}
    top = max(options, key=lambda k: options[k].sum())
    factor = float(baseline.monthly_factor)
    best: str | None = top if options[top].sum() > 0 else None
    if best is None:
        warnings.append("Neither prompt caching nor history summarization saves money on this log.")
    chosen = options[best] if best else np.zeros(n)
    units, unit_name = resampling_units(frame)
    interval = bootstrap_monthly_interval(chosen, units, factor, seed=ctx.config.seed, n_boot=s.n_bootstrap)
    if system_share > 0.3:
        warnings.append(
            f"The system prompt is {system_share:.0%} of all input tokens: worth a review for "
            "instructions the model does not need (no savings are claimed for this)."
        )
    cache_detail["interval_unit"] = unit_name
    return PromptFindings(
        name="prompt",
        monthly_savings_usd=float(chosen.sum()) * factor,
        savings_interval_usd=interval,
        recommended=best,
        composition=comp,
        system_share_of_input=system_share,
        summarization=sum_detail,
        prompt_caching=cache_detail,
        warnings=tuple(warnings),
        per_call_system_tokens=system,
        per_call_history_tokens=history,
        per_call_cache_read_tokens=read,
        per_call_cache_savings_usd=cache_per_call,
        per_call_summary_savings_usd=sum_per_call,
    )
