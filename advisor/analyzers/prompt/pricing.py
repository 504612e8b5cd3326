"""Provider prompt caching priced per call: frame + prompt structure + [prompt] settings -> tokens read and dollars.

    price_prompt_cache(frame, system, history, s, prices, today_input_usd) -> CachePricing

Each call gets its provider's profile (settings `cache_profile = "auto"`: by the call's provider,
Anthropic's rules for providers without a profile of their own), the replay of caching.py, and
the catalog's cached-input price where it has one (else the profile's read multiplier). The
saving of a call is `today_input_usd` minus its input cost with the cache. Shared by the prompt
analyzer (the calls as logged) and the optimizer's routed re-pricing
(advisor/optimizer/routed_prompt.py: the calls on the models the plan sends them to).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers.prompt.caching import profile_for, replay_prompt_cache
from advisor.core import schema as S

# Other providers get the Anthropic rules: paying for writes is the cautious assumption.
PROVIDER_PROFILE = {"anthropic": "anthropic", "openai": "openai", "azure": "openai"}


@dataclass(frozen=True)
class CachePricing:
    per_call_savings_usd: np.ndarray  # today's input cost minus the input cost with the cache
    read_tokens: np.ndarray
    write_tokens: np.ndarray
    profiles: dict[str, dict[str, Any]]  # profile name -> calls and rules used
    catalog_price_known: np.ndarray  # per call: the catalog has a cached-input price


def input_rates(prices, frame: pd.DataFrame, inp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-call USD per input token: list, cached (catalog), and whether the catalog knows a cache price."""
    provider = frame[S.PROVIDER] if S.PROVIDER in frame.columns else None
    size = np.maximum(inp, 1).astype(np.float64)
    full = prices.call_costs(frame[S.MODEL], provider, size, 0.0).input_usd / size
    cached = prices.call_costs(frame[S.MODEL], provider, size, 0.0, size).input_usd / size
    return full, cached, cached < full * (1 - 1e-9)


def _profile_names(frame: pd.DataFrame, s: Any) -> np.ndarray:
    n = len(frame)
    if s.cache_profile != "auto":
        return np.full(n, s.cache_profile, dtype=object)
    prov = (
        frame[S.PROVIDER].astype("string").fillna("").str.lower().to_numpy(dtype=object)
        if S.PROVIDER in frame.columns
        else np.full(n, "", dtype=object)
    )
    return np.array([PROVIDER_PROFILE.get(p, "anthropic") for p in prov], dtype=object)


def price_prompt_cache(
    frame: pd.DataFrame, system: np.ndarray, history: np.ndarray, s: Any, prices, today_input_usd
) -> CachePricing:
    """Replay and price the prompt cache over a time-sorted frame (see the module docstring).
    `s`: the [prompt] settings (analyzer.PromptSettings, not imported here: it imports this module)."""
    n = len(frame)
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    names = _profile_names(frame, s)
    read = np.zeros(n, np.int64)
    write = np.zeros(n, np.int64)
    write_mult = np.ones(n)
    read_mult = np.ones(n)
    used = {}
    for name in sorted(set(names)):
        prof = profile_for(
            name,
            ttl_s=s.cache_ttl_s,
            min_prefix_tokens=s.cache_min_prefix_tokens,
            write_multiplier=s.cache_write_multiplier,
            read_multiplier=s.cache_read_multiplier,
        )
        rep = replay_prompt_cache(frame, system, history, prof)
        mask = names == name
        read[mask], write[mask] = rep.read_tokens[mask], rep.write_tokens[mask]
        write_mult[mask], read_mult[mask] = prof.write_multiplier, prof.read_multiplier
        used[name] = {
            "calls": int(mask.sum()),
            **{
                k: getattr(prof, k)
                for k in ("min_prefix_tokens", "ttl_s", "write_multiplier", "read_multiplier", "increment_tokens")
            },
        }
    rate, cached_rate, known = input_rates(prices, frame, inp)
    read_rate = np.where(known, cached_rate, rate * read_mult)
    new_input = (inp - read) * rate + read * read_rate + write * (write_mult - 1.0) * rate
    per_call = np.asarray(today_input_usd, dtype=np.float64) - new_input
    return CachePricing(per_call, read, write, used, known)
