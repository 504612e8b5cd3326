"""Model name -> provider id (genai-prices ids: openai, anthropic, google, mistral, ...).

The `provider` column is always filled: from the log where it says, else inferred from the
model name with the model-matching rules shipped in genai-prices, once per distinct model.
Names like "openai/gpt-4o" (LiteLLM, OpenRouter style) give the provider from the prefix and
keep the bare model name, which is what price catalogs know. Unknown models stay "unknown"
and the price stage reports them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from advisor.core import schema

UNKNOWN = "unknown"


@lru_cache(maxsize=1)
def _snapshot():
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


@lru_cache(maxsize=1)
def provider_ids() -> frozenset[str]:
    return frozenset(p.id for p in _snapshot().providers)


@lru_cache(maxsize=4096)
def infer_provider(model: str) -> str:
    """The genai-prices provider id that serves `model`, or "unknown"."""
    try:
        provider, _ = _snapshot().find_provider_model(model, None, None, None)
    except LookupError:
        return UNKNOWN
    return provider.id


def split_prefixed(model: str) -> tuple[str | None, str]:
    """("openai", "gpt-4o") for "openai/gpt-4o"; (None, model) when there is no provider prefix."""
    head, sep, tail = model.partition("/")
    if sep and tail and head.lower() in provider_ids():
        return head.lower(), tail
    return None, model


def infer_providers(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Fill `provider` (and strip provider prefixes off model names); returns warnings."""
    warnings: list[str] = []
    models = frame[schema.MODEL].astype("category")
    cats = list(models.cat.categories)
    split = [split_prefixed(str(m)) for m in cats]
    prefixed = [m for m, (p, _) in zip(cats, split) if p is not None]
    if prefixed:
        warnings.append(
            f"Model names with a provider prefix were split into provider and model: "
            f"{', '.join(repr(m) for m in prefixed[:5])}{', ...' if len(prefixed) > 5 else ''}."
        )
    bare = [b for _, b in split]
    inferred = [p if p is not None else infer_provider(b) for p, b in split]
    codes = models.cat.codes.to_numpy()
    frame = frame.copy()
    frame[schema.MODEL] = pd.Series(np.array(bare, dtype=object)[codes], index=frame.index)
    guess = pd.Series(np.array(inferred, dtype=object)[codes], index=frame.index)
    if schema.PROVIDER in frame.columns:
        # Cleaned per distinct value (a log has a handful of providers, not a million).
        given = frame[schema.PROVIDER].astype("category")
        cleaned = [str(c).strip().lower() or None for c in given.cat.categories] + [None]  # code -1 = missing
        given = pd.Series(np.array(cleaned, dtype=object)[given.cat.codes.to_numpy()], index=frame.index)
        frame[schema.PROVIDER] = given.fillna(guess)
    else:
        frame[schema.PROVIDER] = guess
    unknown = sorted(
        {b for b, p in zip(bare, inferred) if p == UNKNOWN}
        & set(frame.loc[frame[schema.PROVIDER] == UNKNOWN, schema.MODEL].unique())
    )
    if unknown:
        warnings.append(
            f"Provider unknown for model(s) {', '.join(repr(m) for m in unknown[:5])}"
            f"{', ...' if len(unknown) > 5 else ''}: add a provider column, or prices for them "
            f'in the config ([prices."<model>"] provider = ...).'
        )
    return frame, warnings
