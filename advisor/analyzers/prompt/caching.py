"""Provider prompt-cache replay: per-call prompt structure + a provider profile -> tokens read / written.

The replay walks the log in time order and keeps, per cache key, when the cached prefix was
last used (providers refresh the time-to-live on every hit):

- a conversation's previous prompt: it is a prefix of this call's static part (system prompt
  + earlier history) when history is sent verbatim, so this call can read
  min(previous prompt, system + history) tokens if the previous call was within the TTL and
  its prompt reached the minimum cacheable length;
- a system prompt shared across conversations, keyed by (model, task, system size): readable
  when any call with the same key came within the TTL and it is at least the minimum length.

Each call reads the longer of the two. With explicit caching (Anthropic-style) every prompt
of at least the minimum length writes its unread part at a premium; with automatic caching
(OpenAI-style) writes cost nothing and reads come in fixed increments above the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.core.errors import ConfigError


@dataclass(frozen=True)
class CacheProfile:
    """A provider's prompt-caching rules. Multipliers are of the model's input price."""

    name: str
    min_prefix_tokens: int
    ttl_s: float
    write_multiplier: float  # 1.25: writes cost 25 % more; 1.0: writes are free of premium
    read_multiplier: float  # used only when the catalog has no cached-input price for the model
    increment_tokens: int = 1  # cached prefixes are counted in steps of this many tokens above the minimum


PROFILES = {
    # Anthropic: explicit cache_control breakpoints, 5-minute TTL, 1,024-token minimum,
    # writes at 1.25 x input, reads at 0.1 x input.
    "anthropic": CacheProfile("anthropic", 1024, 300.0, 1.25, 0.10),
    # OpenAI: automatic for prompts of 1,024+ tokens, hits in 128-token steps, no write
    # premium, reads at 50 % (gpt-4o) to 90 % (gpt-4.1, gpt-5) off; idle entries last 5-10 min.
    "openai": CacheProfile("openai", 1024, 300.0, 1.0, 0.50, increment_tokens=128),
}


def profile_for(
    name: str,
    *,
    ttl_s: float | None = None,
    min_prefix_tokens: int | None = None,
    write_multiplier: float | None = None,
    read_multiplier: float | None = None,
) -> CacheProfile:
    """A named profile with any of its rules overridden (settings of [prompt])."""
    if name not in PROFILES:
        raise ConfigError.setting("prompt.cache_profile", f"one of auto, {', '.join(PROFILES)}", name)
    p = PROFILES[name]
    return CacheProfile(
        name=p.name,
        min_prefix_tokens=p.min_prefix_tokens if min_prefix_tokens is None else min_prefix_tokens,
        ttl_s=p.ttl_s if ttl_s is None else ttl_s,
        write_multiplier=p.write_multiplier if write_multiplier is None else write_multiplier,
        read_multiplier=p.read_multiplier if read_multiplier is None else read_multiplier,
        increment_tokens=p.increment_tokens,
    )


@dataclass(frozen=True)
class Replay:
    """Per-call tokens (aligned with the frame rows) under one profile."""

    read_tokens: np.ndarray
    write_tokens: np.ndarray


def replay_prompt_cache(
    frame: pd.DataFrame, system_tokens: np.ndarray, history_tokens: np.ndarray, profile: CacheProfile
) -> Replay:
    """Replay the cache over a time-sorted frame (see the module docstring)."""
    n = len(frame)
    ts = frame[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    static = np.minimum(system_tokens + history_tokens, inp)
    conv = (
        frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object)
        if S.CONVERSATION_ID in frame.columns
        else np.full(n, "", dtype=object)
    )
    model = frame[S.MODEL].astype(str).to_numpy(dtype=object)
    task = (
        frame[S.TASK].astype("string").fillna("").to_numpy(dtype=object)
        if S.TASK in frame.columns
        else np.full(n, "", dtype=object)
    )
    m = profile.min_prefix_tokens
    ttl = profile.ttl_s
    sys_tok = np.asarray(system_tokens).astype(np.int64)
    # Every call refreshes its keys, so what a call can read depends only on the previous call
    # with the same key: the conversation's previous prompt, and the previous call with the same
    # (model, task, system size).
    prev = _previous_in_group(n, conv != "", [conv])
    p = np.maximum(prev, 0)
    conv_ok = (prev >= 0) & (ts - ts[p] <= ttl) & (inp[p] >= m)
    read = np.where(conv_ok, np.minimum(inp[p], static.astype(np.int64)), 0)
    prev = _previous_in_group(n, sys_tok > 0, [model, task, sys_tok])
    p = np.maximum(prev, 0)
    sys_ok = (prev >= 0) & (ts - ts[p] <= ttl) & (sys_tok >= m)
    read = np.where(sys_ok, np.maximum(read, sys_tok), read).astype(np.int64)
    if profile.increment_tokens > 1:
        step = profile.increment_tokens
        read = np.where(read >= m, m + (read - m) // step * step, 0)
    write = np.where(inp >= m, inp - read, 0) if profile.write_multiplier != 1.0 else np.zeros(n, dtype=np.int64)
    return Replay(read_tokens=read.astype(np.int64), write_tokens=write.astype(np.int64))


def _previous_in_group(n: int, rows: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """For each of n rows in order: the previous row with the same keys among `rows`, else -1."""
    out = np.full(n, -1, dtype=np.int64)
    where = np.flatnonzero(rows)
    if where.size:
        frame = pd.DataFrame({f"k{i}": np.asarray(k)[where] for i, k in enumerate(keys)})
        previous = pd.Series(where).groupby([frame[c] for c in frame.columns], sort=False).shift(1)
        out[where] = previous.fillna(-1).to_numpy(dtype=np.int64)
    return out
