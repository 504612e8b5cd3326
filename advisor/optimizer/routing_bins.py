"""Per-call routing as the plan's unit: the routing analyzer's per-call estimate -> score bins per segment.

For each candidate the routing analyzer orders the eligible calls, best scored first, and routes
the longest prefix whose cross-fitted lower bound on quality meets the target
(advisor/analyzers/routing/ordering.py). The plan routes within that prefix only, so the quality
it promises stays that out-of-sample bound. Each segment's calls in the prefix are split into
score bins (quantiles of the order within the segment); the program chooses a share of each
(segment x bin x candidate) and fills a segment's bins in order (advisor/optimizer/program.py),
which is one score threshold per segment and candidate: a plan share maps to a threshold.

A bin's option carries the bin's own figures: its calls' mean expected quality change (gains and
losses, the measured change on labelled calls) and their mean saving, the same per-call saving
the analyzer sums, so routing alone in the plan saves what the analyzer says, to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.analyzers.levers import RoutingCandidate
from advisor.optimizer.inputs import ModelOption

N_BINS = 8  # per segment and candidate; the program's size grows with it, the fit to the scores too


@dataclass(frozen=True)
class CallBin:
    """Calls of one segment in one score bin of a candidate's routed prefix."""

    share: float  # of the segment's calls
    delta: float  # mean expected quality change of its calls if routed
    saving_usd: float  # mean saving of one of its calls (today's cost minus the candidate's)
    today_usd: float  # mean cost of one of its calls today


@dataclass(frozen=True)
class CandidateBins:
    model: str
    provider: str
    routed_calls: int  # the analyzer's routed prefix, in calls of the log
    bins: tuple[tuple[CallBin, ...], ...]  # per segment, best scored first


def routed_calls(candidate: RoutingCandidate, n_calls: int) -> int:
    """The number of calls the analyzer's estimate routes (max_share_at_target x calls)."""
    return round(float(candidate.max_share_at_target) * n_calls)


def call_bins(
    of_call: np.ndarray,
    counts: np.ndarray,
    prefix: np.ndarray,
    delta: np.ndarray,
    saving: np.ndarray,
    today: np.ndarray,
    n_bins: int = N_BINS,
) -> tuple[tuple[CallBin, ...], ...]:
    """Per segment, the bins of its calls in `prefix` (call indices, best scored first)."""
    seg_of = of_call[prefix]
    out = []
    for s, count in enumerate(counts):
        idx = prefix[seg_of == s]
        parts = np.array_split(idx, min(n_bins, len(idx))) if len(idx) else []
        out.append(
            tuple(
                CallBin(
                    share=len(p) / float(count),
                    delta=float(delta[p].mean()),
                    saving_usd=float(saving[p].mean()),
                    today_usd=float(today[p].mean()),
                )
                for p in parts
            )
        )
    return tuple(out)


def candidate_bins(
    candidates: Sequence[RoutingCandidate], of_call: np.ndarray, counts: np.ndarray, today: np.ndarray
) -> tuple[CandidateBins, ...]:
    """Bins for every candidate with a per-call estimate that routes at least one call."""
    out = []
    n = len(of_call)
    for cand in candidates:
        order, delta, saving = cand.per_call_routable_order, cand.per_call_expected_delta, cand.per_call_saving_usd
        if order is None or delta is None or saving is None or len(delta) != n:
            continue
        k = routed_calls(cand, n)
        if k == 0:
            continue
        prefix = np.asarray(order)[:k]
        bins = call_bins(of_call, counts, prefix, np.asarray(delta, float), np.asarray(saving, float), today)
        out.append(CandidateBins(str(cand.model), str(cand.provider or ""), k, bins))
    return tuple(out)


def bin_options(
    bins: CandidateBins, i: int, quality: float, today_cost: float, batch_ratio: float
) -> list[ModelOption]:
    """Segment i's options for one candidate, one per bin. A bin's cost is the segment's average
    call less the bin's own saving, so sending a share of it saves exactly its calls' savings;
    through the batch API its candidate price falls by the candidate's batch discount."""
    options = []
    for b, cb in enumerate(bins.bins[i]):
        cost = today_cost - cb.saving_usd
        candidate_price = cb.today_usd - cb.saving_usd
        options.append(
            ModelOption(
                model=bins.model,
                provider=bins.provider,
                quality=quality + cb.delta,
                cost_per_call_usd=cost,
                batch_cost_per_call_usd=cost - candidate_price * (1.0 - batch_ratio),
                is_current=False,
                score_bin=b,
                max_share=cb.share,
            )
        )
    return options
