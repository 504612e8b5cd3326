"""What the shadow batches cost at batch prices: requests + the price catalog -> USD per batch
and model.

Input tokens are counted from the request text (offline tokenizer, o200k_base; other providers'
tokenizers differ by some per cent). Output tokens are not known before the batch runs: an
answer is taken to be as long as the served answer was (the log's output_tokens), and a judge
reply at most its max_tokens, so the judge figure is an upper bound. Before the first batch
has run, the judge's input counts each answer as long as the served one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.core.errors import InputError
from advisor.core.tokens import count_tokens


@dataclass(frozen=True)
class BatchCost:
    model: str
    provider: str
    n_requests: int
    input_tokens: int
    output_tokens: int
    usd: float | None  # None when the catalog has no price for the model
    price_source: str  # the catalog's batch price source, or why there is no price

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def batch_costs(rows: list[tuple[str, str, str, int]], prices) -> tuple[BatchCost, ...]:
    """rows: (model, provider, request text incl. system prompt, expected output tokens)."""
    out = []
    for model, provider in sorted({(m, p) for m, p, _, _ in rows}):
        mine = [r for r in rows if r[0] == model and r[1] == provider]
        tokens_in = count_tokens([r[2] for r in mine]).astype(np.int64)
        tokens_out = np.array([r[3] for r in mine], dtype=np.int64)
        try:
            price = prices.price(model, provider)
            usd = float(prices.call_cost_usd(model, provider, tokens_in, tokens_out, batch=True).sum())
            source = price.batch_price_source
        except InputError:
            usd, source = None, "no price in the catalog (add one with --prices)"
        out.append(BatchCost(model, provider, len(mine), int(tokens_in.sum()), int(tokens_out.sum()), usd, source))
    return tuple(out)


def total_usd(costs: tuple[BatchCost, ...]) -> float | None:
    """The sum, or None when any part has no price."""
    parts = [c.usd for c in costs]
    return None if any(p is None for p in parts) else float(sum(p for p in parts if p is not None))
