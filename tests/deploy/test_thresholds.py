"""Plan shares -> per-(segment, candidate) cut-offs on the log's own scores."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.deploy.thresholds import cut_off, segment_rule
from advisor.history.router_store import StoredCandidate


def test_the_cut_off_routes_the_count_closest_to_the_share_and_sits_between_two_scores():
    scores = np.array([0.1, 0.2, 0.2, 0.2, 0.5, 0.9])
    threshold, n = cut_off(scores, 3.0)  # 1 or 4 calls are possible (three tie at 0.2): 4 is closer
    assert n == 4 and 0.2 < threshold < 0.5
    assert cut_off(scores, 0.4) == (None, 0)  # closer to none than to one call
    threshold, n = cut_off(scores, 6.0)
    assert n == 6 and threshold > 0.9


def _candidate(model, ratio, scores):
    return StoredCandidate(model, "p", "labels", ratio, None, np.asarray(scores, dtype=float))  # type: ignore[arg-type]


def test_the_cheapest_candidate_takes_the_best_scored_calls_and_the_next_reads_what_is_left():
    rng = np.random.default_rng(0)
    n = 1000
    cheap, mid = _candidate("cheap", 0.1, rng.random(n)), _candidate("mid", 0.4, rng.random(n))
    plan = {
        "segment_id": 0,
        "current_model": "big",
        "shares": [
            {"model": "big", "realtime_share": 0.5, "batch_share": 0.0, "is_current": True},
            {"model": "mid", "realtime_share": 0.2, "batch_share": 0.0, "is_current": False},
            {"model": "cheap", "realtime_share": 0.2, "batch_share": 0.1, "is_current": False},
        ],
    }
    rule = segment_rule(plan, np.arange(n), {"cheap": cheap, "mid": mid})
    assert [r.model for r in rule.routes] == ["cheap", "mid"]
    # Distinct scores: each cut-off lands on the planned count exactly (to one call).
    assert [r.reproduced_share for r in rule.routes] == pytest.approx([0.3, 0.2], abs=1 / n)
    to_cheap = cheap.per_call_score <= rule.routes[0].threshold
    assert cheap.per_call_score[to_cheap].max() < cheap.per_call_score[~to_cheap].min()
    to_mid = ~to_cheap & (mid.per_call_score <= rule.routes[1].threshold)
    assert to_mid.sum() == pytest.approx(0.2 * n, abs=1)
