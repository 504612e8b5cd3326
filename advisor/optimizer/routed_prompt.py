"""Provider prompt caching priced on the plan's traffic: Plan + log + findings -> the prompt lever's share of API cost.

    planned_models(plan, segmentation, routing, frame) -> (model, provider) per call, or None
    routed_prompt_share(plan, log, findings, config=..., prices=...) -> float | None
    solve_with_routed_prompt(inputs, log, findings, config=..., prices=...) -> Plan

A provider's prompt cache is per model. The prompt analyzer replays it on the log as served, where
every call of a conversation stays on one model; a plan that routes some calls of a conversation
to a cheaper model breaks the shared prefix: the next call on the other model has nothing cached
to read. A plan that sends calls to the batch API or answers them from the semantic cache changes
the bill the prompt lever's share is taken of. So when the plan has prompt caching with any of
routing, batch or the cache, the prompt lever is priced on the plan's own traffic: each call goes to the model the plan sends it to (per segment, each
candidate's best-scored calls first, as the plan fills its score bins and the exported router's
cut-offs reproduce it: advisor/optimizer/routing_bins.py, advisor/deploy/thresholds.py), and the
cache is replayed per (conversation, model) and priced at that model's rates
(advisor/analyzers/prompt/pricing.py), over the calls the plan's semantic cache does not answer,
each weighed by its expected price (an eligible call goes to the batch API at its segment's
planned rate), so the share applies to the plan's API bill as the program charges it. The plan is solved once to learn its routing, then again
with that share for every lever set holding one of them (OptimizerInputs.prompt_share); the prompt
lever alone keeps the analyzer's figure. Scaling the API bill by a constant factor does not move
the routing, so one re-solve is the fixed point up to the cache and worker terms.

Per-request routing is what the exported router and the LiteLLM strategy do (they see one request
at a time); docs/projected-vs-realized.md measures the projection against a replay of that router.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.analyzers.levers import LeverFindings, RoutingLever
from advisor.core import schema as S
from advisor.optimizer.inputs import OptimizerInputs
from advisor.optimizer.plan import Plan, solve_plan
from advisor.optimizer.segments import Segmentation, segment_calls

if TYPE_CHECKING:
    from advisor.analyzers import Findings
    from advisor.core.config import Config
    from advisor.core.schema import QueryLog
    from advisor.prices.catalog import PriceCatalog

RESHAPING = frozenset({"cache", "routing", "batch"})  # levers that change which calls reach which price
MAX_SHARE = 0.95  # as the prompt lever's own share (advisor/optimizer/prepare.py)


def planned_models(
    plan: Plan, segmentation: Segmentation, routing: RoutingLever | None, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray] | None:
    """(model, provider) of each call under the plan; None when a routed candidate has no per-call order."""
    model = frame[S.MODEL].astype(str).to_numpy(dtype=object).copy()
    provider = (
        frame[S.PROVIDER].astype("string").fillna("").to_numpy(dtype=object)
        if S.PROVIDER in frame.columns
        else np.full(len(frame), "", dtype=object)
    )
    orders = {str(c.model): c.per_call_routable_order for c in (routing.candidates if routing is not None else ())}
    if len(plan.segments) != len(segmentation.segments):
        return None
    taken = np.zeros(len(frame), dtype=bool)
    for i, seg in enumerate(plan.segments):
        for share in seg.shares:
            wanted = round((share.realtime_share + share.batch_share) * float(segmentation.counts[i]))
            if share.is_current or wanted <= 0:
                continue
            order = orders.get(share.model)
            if order is None:
                return None
            order = np.asarray(order, dtype=np.int64)
            mine = order[(segmentation.of_call[order] == i) & ~taken[order]][:wanted]
            model[mine], provider[mine], taken[mine] = share.model, share.provider, True
    return model, provider


def _reaching_a_provider(plan: Plan, levers: LeverFindings, n: int) -> np.ndarray:
    """Calls not answered by the plan's semantic cache (a cache hit never reaches the provider's prompt cache)."""
    cache = levers.cache
    if plan.cache_threshold is None or cache is None or len(cache.per_call_match_cosine) != n:
        return np.ones(n, dtype=bool)
    cos = np.nan_to_num(np.asarray(cache.per_call_match_cosine, dtype=float), nan=-1.0)
    return ~(np.asarray(cache.per_call_cacheable, dtype=bool) & (cos >= plan.cache_threshold))


def _price_weight(plan: Plan, seg: Segmentation, levers: LeverFindings, frame: pd.DataFrame, prices) -> np.ndarray:
    """Per call, its expected price as a share of its real-time price: an eligible call goes to the batch
    API at the rate that gives its segment the plan's batch share, and pays the batch price there."""
    n = len(frame)
    batch = levers.batch
    if batch is None or len(batch.per_call_eligible) != n or len(plan.segments) != len(seg.segments):
        return np.ones(n)
    eligible = np.asarray(batch.per_call_eligible, dtype=float)
    share = np.array([sum(m.batch_share for m in sp.shares) for sp in plan.segments])
    eligible_share = seg.mean(eligible)
    rate = np.where(eligible_share > 0, np.minimum(1.0, share / np.maximum(eligible_share, 1e-300)), 0.0)
    p = eligible * rate[seg.of_call]
    tokens = (frame[S.INPUT_TOKENS].to_numpy(np.int64), frame[S.OUTPUT_TOKENS].to_numpy(np.int64))
    realtime = prices.call_cost_usd(frame[S.MODEL], frame[S.PROVIDER], *tokens)
    batched = prices.call_cost_usd(frame[S.MODEL], frame[S.PROVIDER], *tokens, batch=True)
    ratio = np.divide(batched, realtime, out=np.ones(n), where=realtime > 0)
    return 1.0 - p + p * ratio


def routed_prompt_share(
    plan: Plan, log: QueryLog, findings: LeverFindings | Mapping[str, Findings], *, config: Config, prices: PriceCatalog
) -> float | None:
    """Share of the routed traffic's API cost that prompt caching saves when each call runs on
    its planned model (in real time or through the batch API, as the plan's shares say) and the
    plan's semantic cache answers its hits; None when the plan's routing or the prompt structure
    is not known per call."""
    from advisor.analyzers.prompt.analyzer import PromptSettings
    from advisor.analyzers.prompt.pricing import input_rates, price_prompt_cache
    from advisor.core.config import settings

    levers = LeverFindings.of(findings)
    system = getattr(levers.prompt, "per_call_system_tokens", None)
    history = getattr(levers.prompt, "per_call_history_tokens", None)
    if system is None or history is None or len(system) != log.n_calls:
        return None
    seg = segment_calls(log, levers.routing)
    assigned = planned_models(plan, seg, levers.routing, log.frame)
    if assigned is None:
        return None
    frame = log.frame.copy()
    frame[S.MODEL], frame[S.PROVIDER] = assigned
    if S.CONVERSATION_ID in frame.columns:
        conv = frame[S.CONVERSATION_ID].astype("string")
        # A provider's cache is per model: a conversation continues its cached prefix on one model only.
        frame[S.CONVERSATION_ID] = (conv + "\x1f" + frame[S.MODEL].astype("string")).where(conv.notna())
    weight = _price_weight(plan, seg, levers, frame, prices)
    reach = _reaching_a_provider(plan, levers, log.n_calls)
    frame, weight = frame[reach].reset_index(drop=True), weight[reach]
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    rate, _, _ = input_rates(prices, frame, inp)
    s = settings(config, "prompt", PromptSettings)
    saved = price_prompt_cache(frame, system[reach], history[reach], s, prices, inp * rate).per_call_savings_usd
    cost = prices.call_cost_usd(frame[S.MODEL], frame[S.PROVIDER], inp, frame[S.OUTPUT_TOKENS].to_numpy(np.int64))
    total = float(np.sum(weight * cost))
    return float(np.clip(np.sum(weight * saved) / total, 0.0, MAX_SHARE)) if total > 0 else None


def solve_with_routed_prompt(
    inputs: OptimizerInputs,
    log: QueryLog,
    findings: LeverFindings | Mapping[str, Findings],
    *,
    config: Config,
    prices: PriceCatalog,
) -> Plan:
    """`solve_plan(inputs)`, with prompt caching priced on the plan's traffic when another lever changes it."""
    levers = LeverFindings.of(findings)
    both = "prompt" in inputs.levers and bool(inputs.levers & RESHAPING)
    if not both or levers.prompt is None or levers.prompt.recommended != "prompt_caching":
        return solve_plan(inputs)
    first = solve_plan(inputs, sensitivity=False)
    share = routed_prompt_share(first, log, levers, config=config, prices=prices)
    return solve_plan(replace(inputs, routed_prompt_savings_share=share))
