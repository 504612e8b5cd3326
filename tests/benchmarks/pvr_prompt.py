"""Projected vs realized, provider prompt caching on the replayed calls.

    realize_prompt_cache(test, model, providers, is_batch, reached, catalog) -> dict (over the held-back span)

Reads are the prefixes the generator knows are still cached (advisor.lab.synthetic.
prompt_cache_readable_tokens: 5-minute TTL refreshed on use, 1,024-token minimum), per model,
since a provider's cache is per model and a conversation split across models reads less; only
the calls that reach a provider (`reached`: not answered by the semantic cache) read or refresh
it. Each call is billed by its provider's rules, as the prompt analyzer bills them
(advisor/analyzers/prompt/caching.py PROFILES via pricing.PROVIDER_PROFILE): Anthropic writes
the unread part at 1.25x, OpenAI reads in 128-token steps and charges no write premium; reads
at the catalog's cached-input price.
"""

from __future__ import annotations

import numpy as np

from advisor.core.schema import INPUT_TOKENS, OUTPUT_TOKENS


def realize_prompt_cache(test, model, providers, is_batch, reached, catalog) -> dict:
    """Prompt-cache savings (USD over the held-back calls) and read shares."""
    from advisor.analyzers.prompt.caching import PROFILES
    from advisor.analyzers.prompt.pricing import PROVIDER_PROFILE
    from advisor.lab.synthetic import prompt_cache_readable_tokens

    read = np.zeros(len(test), dtype=np.int64)
    for m in np.unique(model[reached]):
        rows = np.flatnonzero(reached & (model == m))
        read[rows] = prompt_cache_readable_tokens(test.iloc[rows].reset_index(drop=True))
    inp = test[INPUT_TOKENS].to_numpy(float)
    out = test[OUTPUT_TOKENS].to_numpy(float)
    write = np.zeros(len(test))
    for name in {PROVIDER_PROFILE.get(str(p).lower(), "anthropic") for p in providers}:
        prof = PROFILES[name]
        rows = np.array([PROVIDER_PROFILE.get(str(p).lower(), "anthropic") == name for p in providers])
        m = prof.min_prefix_tokens
        if prof.increment_tokens > 1:
            read[rows] = np.where(
                read[rows] >= m, m + (read[rows] - m) // prof.increment_tokens * prof.increment_tokens, 0
            )
        write[rows] = np.where(inp[rows] >= m, inp[rows] - read[rows], 0.0) * (prof.write_multiplier - 1.0)
    size = np.maximum(inp, 1.0)
    rate = catalog.call_costs(model, providers, size, 0.0, batch=is_batch).input_usd / size
    without = catalog.call_cost_usd(model, providers, inp, out, batch=is_batch)
    with_cache = catalog.call_cost_usd(model, providers, inp, out, read, batch=is_batch) + write * rate
    saved = np.where(reached, without - with_cache, 0.0)
    one_model = prompt_cache_readable_tokens(test)
    return {
        "prompt_savings": float(saved.sum()),
        "prompt_api_cost": float(without[reached].sum()),
        "prompt_read_share": float(read[reached].sum() / inp[reached].sum()),
        # every call on its served model and no semantic cache: what the analyzer's replay assumes
        "prompt_read_share_one_model": float(one_model.sum() / inp.sum()),
    }
