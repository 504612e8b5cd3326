"""Ground truth of a generated log: (frame, hidden per-call values) -> SampleTruth.

What later accuracy checks compare estimates with: the true repeat share (a correct cache
hit exists), the routable share per cheaper model, the batchable share of calls and cost,
and the share of input tokens that a provider prompt cache could read. The per-call values
(`per_call`, aligned with the frame's rows and keyed by conversation_id + turn) let the
optimizer's projected-vs-realized check apply a plan to held-back calls.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.core import schema as S

# The provider prompt-caching profile the truth's dollar figure uses (Anthropic's rules:
# 5-minute TTL refreshed on use, 1,024-token minimum prefix, writes at 1.25 x input price,
# reads at the catalog's cached-input price).
PROMPT_CACHE_TTL_S = 300.0
PROMPT_CACHE_MIN_PREFIX_TOKENS = 1024
PROMPT_CACHE_WRITE_MULTIPLIER = 1.25


@dataclass(frozen=True)
class SampleTruth:
    """True values of a generated log. Shares are fractions (0..1) of the whole log unless named."""

    served_model: str
    providers: dict[str, str]  # model -> provider, served model first
    n_calls: int
    n_conversations: int  # support chats
    n_first_turns: int  # support-chat openings
    span_days: float
    repeat_share_of_first_turns: float  # openings with an earlier entity-free same-intent opening
    repeat_share_of_calls: float
    entity_share_of_first_turns: float  # openings with an order number, e-mail, amount or date
    entity_lookalike_share_of_first_turns: float  # entity openings whose intent was asked before (wrong hits)
    routable_share: dict[str, float]  # per cheap model: its true quality >= served model's
    routable_share_support_chat: dict[str, float]
    mean_true_quality: dict[str, float]  # per model, over all calls
    shadow_share: float  # calls carrying quality__<model> columns
    batchable_share_of_calls: float
    batchable_share_of_cost: float
    batch_savings_share_of_cost: float  # at the catalog's batch prices
    prompt_cache_ttl_s: float
    prompt_cache_min_prefix_tokens: int
    prompt_cache_readable_share_of_input: float  # with the minimum prefix
    prompt_cache_readable_share_of_input_no_minimum: float
    prompt_cache_savings_share_of_cost: float  # profile above, every eligible prompt written
    total_cost_usd: float  # over the log, list prices
    price_date: str
    settings: dict[str, Any]
    per_call: pd.DataFrame = field(repr=False)  # hidden truth per frame row (parquet sidecar)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "per_call"}


def prompt_cache_readable_tokens(
    frame: pd.DataFrame, *, ttl_s: float = PROMPT_CACHE_TTL_S, min_prefix_tokens: int = PROMPT_CACHE_MIN_PREFIX_TOKENS
) -> np.ndarray:
    """Input tokens of each call that repeat a prefix still cached (int64, aligned with rows).

    A call can read (a) the previous call of its conversation's whole prompt, which is a
    prefix of its own (system + earlier history), if that call was at most `ttl_s` earlier,
    or (b) its system prompt, if any call with the same prompt (same task and system size)
    came at most `ttl_s` earlier; TTLs refresh on use, so "the previous user of the prefix"
    decides. A prefix shorter than `min_prefix_tokens` is never cached.
    """
    ts = frame[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    system = frame[S.SYSTEM_TOKENS].to_numpy(np.int64)
    prefix_cap = system + frame[S.HISTORY_TOKENS].to_numpy(np.int64)

    by_conv = pd.DataFrame({"c": frame[S.CONVERSATION_ID].to_numpy(), "t": ts, "i": inp})
    g = by_conv.groupby("c", sort=False)
    prev_t = g["t"].shift().to_numpy()
    prev_in = g["i"].shift().to_numpy()
    ok = (ts - prev_t <= ttl_s) & (prev_in >= min_prefix_tokens)
    conv_read = np.where(ok, np.minimum(np.nan_to_num(prev_in), prefix_cap), 0)

    by_prompt = pd.DataFrame({"k": frame[S.TASK].astype(str).to_numpy(), "s": system, "t": ts})
    prev_sys_t = by_prompt.groupby(["k", "s"], sort=False)["t"].shift().to_numpy()
    sys_ok = (ts - prev_sys_t <= ttl_s) & (system >= min_prefix_tokens)
    sys_read = np.where(sys_ok, system, 0)
    return np.maximum(conv_read, sys_read).astype(np.int64)


def _repeat_flags(frame: pd.DataFrame, hidden: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is support-chat opening, true repeat, entity look-alike) per row; frame is time-sorted."""
    opening = (frame[S.TASK].to_numpy() == "support_chat") & (frame[S.TURN].to_numpy() == 1)
    has_entity = hidden["entity_kind"].to_numpy() != ""
    clean = opening & ~hidden["is_oos"].to_numpy() & ~has_entity
    intent = hidden["intent"].where(opening, "")
    earlier_clean = pd.Series(clean.astype(np.int64)).groupby(intent.to_numpy()).cumsum().to_numpy() - clean
    repeat = clean & (earlier_clean > 0)
    lookalike = opening & has_entity & (earlier_clean > 0)
    return opening, repeat, lookalike


def compute_truth(
    frame: pd.DataFrame, hidden: pd.DataFrame, *, models: tuple[str, ...], providers: tuple[str, ...], settings
) -> SampleTruth:
    """Aggregate the hidden per-call values into the truth; adds derived per-call columns."""
    from advisor.prices.catalog import load_prices

    hidden = hidden.copy()
    served, cheap = models[0], models[1:]
    opening, repeat, lookalike = _repeat_flags(frame, hidden)
    hidden["true_repeat"] = repeat
    for m in cheap:
        hidden["routable__" + m] = (
            hidden["quality_true__" + m].to_numpy() >= hidden["quality_true__" + served].to_numpy()
        )

    from advisor.core.config import Config

    # Prices as of the window's first day, so a seed gives the same truth on any later date.
    catalog = load_prices(Config(sections={"prices": {"as_of": str(pd.Timestamp(settings.start).date())}}))
    inp = frame[S.INPUT_TOKENS].to_numpy(np.float64)
    out = frame[S.OUTPUT_TOKENS].to_numpy(np.float64)
    cost = catalog.call_cost_usd(served, providers[0], inp, out)
    batch_cost = catalog.call_cost_usd(served, providers[0], inp, out, batch=True)
    tolerant = hidden["batch_tolerant"].to_numpy()
    total = float(cost.sum())

    readable = prompt_cache_readable_tokens(frame)
    readable_any = prompt_cache_readable_tokens(frame, min_prefix_tokens=0)
    hidden["prompt_cache_readable_tokens"] = readable
    price = catalog.price(served, providers[0])
    written = np.where(inp >= PROMPT_CACHE_MIN_PREFIX_TOKENS, inp - readable, 0.0)
    cache_savings = (
        readable * (price.input_per_mtok_usd - price.cached_input_per_mtok_usd)
        - written * (PROMPT_CACHE_WRITE_MULTIPLIER - 1.0) * price.input_per_mtok_usd
    ) / 1e6

    chat = frame[S.TASK].to_numpy() == "support_chat"
    n_open = int(opening.sum())
    ts = frame[S.TIMESTAMP]
    span = max((ts.max() - ts.min()).total_seconds() / 86400.0, 1.0 / 24.0) if len(ts) else 0.0

    def share(mask: np.ndarray, of: np.ndarray | None = None) -> float:
        of = np.ones(len(mask), dtype=bool) if of is None else of
        return float(mask[of].mean()) if of.any() else 0.0

    return SampleTruth(
        served_model=served,
        providers=dict(zip(models, providers)),
        n_calls=len(frame),
        n_conversations=int(frame.loc[chat, S.CONVERSATION_ID].nunique()),
        n_first_turns=n_open,
        span_days=span,
        repeat_share_of_first_turns=share(repeat, opening),
        repeat_share_of_calls=share(repeat),
        entity_share_of_first_turns=share(hidden["entity_kind"].to_numpy() != "", opening),
        entity_lookalike_share_of_first_turns=share(lookalike, opening),
        routable_share={m: share(hidden["routable__" + m].to_numpy()) for m in cheap},
        routable_share_support_chat={m: share(hidden["routable__" + m].to_numpy(), chat) for m in cheap},
        mean_true_quality={m: float(hidden["quality_true__" + m].mean()) for m in models},
        shadow_share=share(hidden["shadow_labelled"].to_numpy()),
        batchable_share_of_calls=share(tolerant),
        batchable_share_of_cost=float(cost[tolerant].sum() / total) if total else 0.0,
        batch_savings_share_of_cost=float((cost - batch_cost)[tolerant].sum() / total) if total else 0.0,
        prompt_cache_ttl_s=PROMPT_CACHE_TTL_S,
        prompt_cache_min_prefix_tokens=PROMPT_CACHE_MIN_PREFIX_TOKENS,
        prompt_cache_readable_share_of_input=float(readable.sum() / inp.sum()) if inp.sum() else 0.0,
        prompt_cache_readable_share_of_input_no_minimum=float(readable_any.sum() / inp.sum()) if inp.sum() else 0.0,
        prompt_cache_savings_share_of_cost=float(cache_savings.sum() / total) if total else 0.0,
        total_cost_usd=total,
        price_date=catalog.price_date,
        settings=asdict(settings),
        per_call=hidden.reset_index(drop=True),
    )
