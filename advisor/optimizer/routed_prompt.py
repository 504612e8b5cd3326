"""Provider prompt caching priced on the plan's routing: Plan + log + findings -> the prompt lever's share of API cost.

    planned_models(plan, segmentation, routing, frame) -> (model, provider) per call, or None
    routed_prompt_share(plan, log, findings, config=..., prices=...) -> float | None
    solve_with_routed_prompt(inputs, log, findings, config=..., prices=...) -> Plan

A provider's prompt cache is per model. The prompt analyzer replays it on the log as served, where
every call of a conversation stays on one model; a plan that routes some calls of a conversation
to a cheaper model breaks the shared prefix: the next call on the other model has nothing cached
to read. So when the plan has both routing and prompt caching, the prompt lever is priced on the
routed assignment: each call goes to the model the plan sends it to (per segment, each
candidate's best-scored calls first, as the plan fills its score bins and the exported router's
cut-offs reproduce it: advisor/optimizer/routing_bins.py, advisor/deploy/thresholds.py), and the
cache is replayed per (conversation, model) and priced at that model's rates
(advisor/analyzers/prompt/pricing.py). The plan is solved once to learn its routing, then again
with that share for every lever set holding routing (OptimizerInputs.prompt_share); the prompt
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

MAX_SHARE = 0.95  # as the prompt lever's own share (advisor/optimizer/prepare.py)


def planned_models(
    plan: Plan, segmentation: Segmentation, routing: RoutingLever, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray] | None:
    """(model, provider) of each call under the plan; None when a routed candidate has no per-call order."""
    model = frame[S.MODEL].astype(str).to_numpy(dtype=object).copy()
    provider = (
        frame[S.PROVIDER].astype("string").fillna("").to_numpy(dtype=object)
        if S.PROVIDER in frame.columns
        else np.full(len(frame), "", dtype=object)
    )
    orders = {str(c.model): c.per_call_routable_order for c in routing.candidates}
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


def routed_prompt_share(
    plan: Plan, log: QueryLog, findings: LeverFindings | Mapping[str, Findings], *, config: Config, prices: PriceCatalog
) -> float | None:
    """Share of the routed traffic's API cost that prompt caching saves when each call runs on
    its planned model; None when the plan's routing or the prompt structure is not known per call."""
    from advisor.analyzers.prompt.analyzer import PromptSettings
    from advisor.analyzers.prompt.pricing import input_rates, price_prompt_cache
    from advisor.core.config import settings

    levers = LeverFindings.of(findings)
    system = getattr(levers.prompt, "per_call_system_tokens", None)
    history = getattr(levers.prompt, "per_call_history_tokens", None)
    if levers.routing is None or system is None or history is None or len(system) != log.n_calls:
        return None
    assigned = planned_models(plan, segment_calls(log, levers.routing), levers.routing, log.frame)
    if assigned is None:
        return None
    frame = log.frame.copy()
    frame[S.MODEL], frame[S.PROVIDER] = assigned
    if S.CONVERSATION_ID in frame.columns:
        conv = frame[S.CONVERSATION_ID].astype("string")
        # A provider's cache is per model: a conversation continues its cached prefix on one model only.
        frame[S.CONVERSATION_ID] = (conv + "\x1f" + frame[S.MODEL].astype("string")).where(conv.notna())
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    rate, _, _ = input_rates(prices, frame, inp)
    s = settings(config, "prompt", PromptSettings)
    saved = price_prompt_cache(frame, system, history, s, prices, inp * rate).per_call_savings_usd
    cost = prices.call_cost_usd(frame[S.MODEL], frame[S.PROVIDER], inp, frame[S.OUTPUT_TOKENS].to_numpy(np.int64))
    total = float(np.sum(cost))
    return float(np.clip(saved.sum() / total, 0.0, MAX_SHARE)) if total > 0 else None


def solve_with_routed_prompt(
    inputs: OptimizerInputs,
    log: QueryLog,
    findings: LeverFindings | Mapping[str, Findings],
    *,
    config: Config,
    prices: PriceCatalog,
) -> Plan:
    """`solve_plan(inputs)`, with prompt caching priced on the plan's routing when both are in it."""
    levers = LeverFindings.of(findings)
    both = {"routing", "prompt"} <= inputs.levers
    if not both or levers.prompt is None or levers.prompt.recommended != "prompt_caching":
        return solve_plan(inputs)
    first = solve_plan(inputs, sensitivity=False)
    share = routed_prompt_share(first, log, levers, config=config, prices=prices)
    return solve_plan(replace(inputs, routed_prompt_savings_share=share))
