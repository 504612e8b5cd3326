"""The projected-vs-realized replay parts (tests/benchmarks/pvr_*.py) on hand-made calls."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from advisor.analyzers.cache.settings import CacheSettings
from advisor.core import schema as S
from advisor.embed import FakeEmbedder
from tests.benchmarks.pvr_cache import cache_outcomes, replay_held_back
from tests.benchmarks.pvr_render import per_lever
from tests.benchmarks.pvr_routing import batch_calls

T0 = pd.Timestamp("2026-10-01", tz="UTC")


def _unit(*rows):
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_cache_outcomes_warm_from_the_first_half_and_judge_hits_by_answer_class():
    e1, e2, e3 = [1, 0, 0], [0, 1, 0], [0, 0, 1]
    near_e2 = [0, 0.9, np.sqrt(1 - 0.81)]  # cosine 0.9 with e2
    vectors = _unit(e1, e2, e1, near_e2, e3, e1)
    times = np.array([0.0, 10.0, 100.0, 110.0, 120.0, 1000.0])
    held = np.array([False, False, True, True, True, True])
    classes = np.array(["A", "B", "A", "C", "D", "A"], dtype=object)
    hit, false, cos = cache_outcomes(vectors, times, held, classes, threshold=0.85, ttl_s=500.0)
    # row 2 repeats row 0 (first half, alive): a right hit; row 3 is close to row 1 but another
    # class: a false hit; row 4 matches nothing; row 5 comes after every e1 entry expired.
    assert hit.tolist() == [True, True, False, False]
    assert false.tolist() == [False, True, False, False]
    assert np.isclose(cos[1], 0.9, atol=1e-6)
    # Above the pair's cosine the near-duplicate is no longer served.
    hit, false, _ = cache_outcomes(vectors, times, held, classes, threshold=0.95, ttl_s=500.0)
    assert hit.tolist() == [True, False, False, False] and not false.any()


def _calls(texts, minutes, turns):
    n = len(texts)
    return pd.DataFrame(
        {
            S.TIMESTAMP: T0 + pd.to_timedelta(np.asarray(minutes, dtype=float), unit="min"),
            S.TURN: turns,
            S.QUERY: pd.array(texts, dtype="string"),
            S.CONVERSATION_ID: [f"c{i}" for i in range(n)],
        }
    )


def test_replay_held_back_maps_outcomes_back_to_the_held_back_rows():
    train = _calls(["how do i reset my card pin", "what is the fee for wires"], [0, 5], [1, 1])
    test = _calls(
        ["tell me more", "how do i reset my card pin", "what is the fee for wires", "open a new savings account"],
        [2000, 2001, 3000, 3001],
        [2, 1, 1, 1],
    )
    classes_test = np.array(["x", "pin", "wire-fee-other", "open"], dtype=object)
    out = replay_held_back(
        train,
        test,
        np.array(["pin", "wire-fee"], dtype=object),
        classes_test,
        FakeEmbedder(),
        threshold=0.99,
        settings=CacheSettings(ttl_s=86_400.0),
    )
    # Row 0 is a later turn (not cacheable); rows 1 and 2 repeat first-half questions within the
    # day's TTL, row 2's true answer differs from the cached one; row 3 is new.
    assert out.hit.tolist() == [False, True, True, False]
    assert out.false_hit.tolist() == [False, False, True, False]
    assert np.isnan(out.match_cosine[0])
    short = replay_held_back(
        train,
        test,
        np.array(["pin", "wire-fee"], dtype=object),
        classes_test,
        FakeEmbedder(),
        threshold=0.99,
        settings=CacheSettings(ttl_s=60.0),
    )
    assert not short.hit.any()  # the first half's entries expired before the second half asked


def _share(model, rt, b, current=False):
    return SimpleNamespace(model=model, realtime_share=rt, batch_share=b, is_current=current)


def test_batch_calls_send_the_plans_share_among_tolerant_calls_only():
    plan = SimpleNamespace(segments=[SimpleNamespace(shares=[_share("a", 0.8, 0.2, True)])])
    n = 20_000
    segment = np.zeros(n, dtype=np.int64)
    tolerant = np.arange(n) % 2 == 0
    go = batch_calls(plan, segment, tolerant, np.array([0.5]), np.random.default_rng(0).random(n))
    assert not go[~tolerant].any()
    # 0.2 of the segment from 0.5 eligible: 40 % of tolerant calls; binomial sd 0.35 %, 4 sd allowed.
    assert abs(go.mean() - 0.2) < 4 * np.sqrt(0.4 * 0.6 / (n / 2)) / 2


def test_per_lever_volume_matches_api_savings_but_not_fixed_costs():
    plan = SimpleNamespace(
        lever_attribution=[SimpleNamespace(lever="cache", monthly_savings_usd=9.0)],
        levers=("cache", "routing"),
        cache_cost_per_month_usd=1.0,
    )
    result = SimpleNamespace(plan=plan, baseline=SimpleNamespace(api_cost_per_month_usd=100.0))
    real = {
        "factor": 2.0,
        "today_api_usd": 60.0,  # 120 a month: 20 % more traffic than the projection's 100
        "usd": {"cache": 6.0, "routing": 12.0, "batch": 0.0, "prompt": 0.0},
        "worker_savings_usd": 0.0,
    }
    rows = {r[0]: r for r in per_lever(result, real)}
    assert rows["cache"][1:4] == (9.0, 11.0, 9.0)  # 12 - 1 raw; 12 x 100/120 - 1 matched
    assert rows["routing"][2:4] == (24.0, 20.0)
    assert rows["capacity"][4].startswith("not in the plan")


def test_conversation_sticky_keeps_each_conversation_on_its_first_calls_model():
    from tests.benchmarks.pvr_routing import conversation_sticky

    test = pd.DataFrame({S.CONVERSATION_ID: ["a", "b", "a", "b", "a"]})
    model = np.array(["cheap", "strong", "strong", "cheap", "cheap"], dtype=object)
    assert conversation_sticky(model, test).tolist() == ["cheap", "strong", "cheap", "strong", "cheap"]


@pytest.mark.integration  # two analyses of 1,500 generated calls with the fake embedder: about 15 s
def test_the_benchmark_writes_a_row_per_lever_and_the_total(tmp_path):
    from tests.benchmarks.projected_vs_realized import main

    out = tmp_path / "pvr.md"
    main(["--calls", "1500", "--fake-embedder", "--running-cache", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    rows = (
        "semantic cache (net",
        "routing ",
        "batch API ",
        "provider prompt caching ",
        "workers: reserved",
        "**total** ",
    )
    for lever in rows:
        assert sum(line.startswith(f"| {lever}") for line in text.splitlines()) == 2, lever  # both plans
    assert not re.search(r"\bnan\b", text.split("## Sanity")[0], flags=re.IGNORECASE)
    assert "History summarization is not replayed" in text
