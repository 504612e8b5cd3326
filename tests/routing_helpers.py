"""Small builders shared by the routing tests: a fake embedder, a fake price catalog, logs."""

from __future__ import annotations

import dataclasses
import hashlib
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from advisor.core.errors import InputError
from advisor.core.schema import QueryLog


@pytest.fixture(autouse=True)
def single_thread_blas():
    """Small matrices on a shared 2-core machine: BLAS threads only fight each other (5x slower)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


class HashEmbedder:
    """Bag of hashed words -> 384-d unit vectors: texts sharing words are similar, like a real embedder."""

    model_id = "test/hash-bow"
    dim = 384

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in str(text).lower().split():
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 20) % 2 else -1.0
            if not out[i].any():
                out[i, 0] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


PRICES = {  # $ per 1M tokens
    ("openai", "gpt-4o"): (2.5, 10.0),
    ("openai", "gpt-4o-mini"): (0.15, 0.6),
    ("openai", "gpt-4.1-nano"): (0.1, 0.4),
}


class FakeCatalog:
    price_date = "2025-01-01"

    def price(self, model, provider):
        if (provider, model) not in PRICES:
            raise InputError(f"unknown model '{model}' for provider '{provider}'. Add a [prices.{model}] table.")
        i, o = PRICES[(provider, model)]
        return SimpleNamespace(input_per_mtok_usd=i, output_per_mtok_usd=o)

    def call_cost_usd(self, model, provider, input_tokens, output_tokens, cached_input_tokens=0, batch=False):
        p = self.price(model, provider)
        return (
            np.asarray(input_tokens, float) * p.input_per_mtok_usd
            + np.asarray(output_tokens, float) * p.output_per_mtok_usd
        ) / 1e6


EASY = ["where is my order {}", "track my package {}", "order status for {}", "when will order {} arrive"]
HARD = [
    "draft a legal contract clause about indemnity for {}",
    "prove the convergence theorem for series {}",
    "write a tax appeal letter citing regulation {}",
    "explain the derivation of equation {} in detail",
]


def make_log(
    n: int = 240,
    *,
    seed: int = 0,
    shadow: str | None = "gpt-4o-mini",
    with_quality: bool = True,
    with_query: bool = True,
) -> QueryLog:
    """Easy requests (the cheap model does as well) and hard ones (it fails), served by gpt-4o."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        hard = i % 3 == 0
        template = (HARD if hard else EASY)[rng.integers(0, 4)]
        cheap_ok = rng.random() < (0.15 if hard else 0.95)
        rows.append(
            {
                "timestamp": pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(minutes=10 * i),
                "model": "gpt-4o",
                "provider": "openai",
                "input_tokens": (400 if hard else 120),
                "output_tokens": (300 if hard else 60),
                "query": template.format(int(rng.integers(100, 999))),
                "quality": 1.0,
                f"quality__{shadow}": 1.0 if cheap_ok else 0.0,
            }
        )
    frame = pd.DataFrame(rows)
    if shadow is None:
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("quality__")])
    if not with_quality:
        frame = frame.drop(columns=["quality"])
    if not with_query:
        frame = frame.drop(columns=["query"])
    return QueryLog(frame=frame, sources=("test.csv",))


def make_baseline(log: QueryLog, monthly_factor: float = 10.0):
    f = log.frame
    inp = f["input_tokens"].to_numpy(float) * 2.5 / 1e6
    out = f["output_tokens"].to_numpy(float) * 10.0 / 1e6
    return SimpleNamespace(
        per_call_cost_usd=inp + out,
        per_call_input_cost_usd=inp,
        per_call_output_cost_usd=out,
        monthly_factor=monthly_factor,
    )


def assert_same_but_rounding(actual, expected, rel: float = 1e-9) -> None:
    """Two dataclasses from two code paths over the same values: floats equal to `rel` (BLAS may sum
    differently shaped or aligned arrays in another order, moving the last bits), the rest exactly."""
    a, b = dataclasses.asdict(actual), dataclasses.asdict(expected)
    assert a.keys() == b.keys()
    for key, value in b.items():
        if isinstance(value, float):
            assert a[key] == pytest.approx(value, rel=rel, nan_ok=True), key
        else:
            assert a[key] == value, key


def learnable_labels(frame) -> None:
    """Make the generated candidate labels learnable from a fake embedder, in place: each candidate
    is good enough exactly on the shorter half of the labelled queries. The generator's own labels
    carry little signal a hashed bag of words can pick up, so a router fitted on them has an AUC
    interval that includes 0.5 and the plan (rightly) routes nothing; tests that need routed calls
    use this."""
    import numpy as np

    words = frame["query"].fillna("").astype(str).str.split().str.len()
    for col in [c for c in frame.columns if c.startswith("quality__")]:
        labelled = frame[col].notna()
        frame.loc[labelled, col] = np.where(words[labelled] <= words[labelled].median(), 1.0, 0.0)
