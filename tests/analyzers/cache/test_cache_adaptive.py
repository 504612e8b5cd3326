"""The vCache-style adaptive cache estimate: error bound, determinism, fit, and old findings."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest
from markdown_plain import plain_markdown
from rich.console import Console

from advisor.analyzers.cache.adaptive import (
    MIN_OBSERVATIONS,
    AdaptiveEstimate,
    estimate_adaptive,
    fit_threshold,
    simulate_adaptive,
)
from advisor.report import render_html, render_markdown, render_terminal

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def entry_stream(n_entries: int = 20, n_calls: int = 3000, seed: int = 1):
    """n_entries cached rows, then calls each matching one of them at a uniform cosine in
    [0.6, 1.0]; the cached answer is right with a steep sigmoid around the entry's own threshold
    (uniform in [0.75, 0.95]), so no one static threshold fits every entry."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.75, 0.95, n_entries)
    entry = rng.integers(0, n_entries, n_calls)
    s = rng.uniform(0.6, 1.0, n_calls)
    p = 1 / (1 + np.exp(-60 * (s - t[entry])))
    right = rng.random(n_calls) < p
    head = np.full(n_entries, -1)
    return (
        np.concatenate([head, entry]),
        np.concatenate([np.full(n_entries, -1.0), s]),
        np.concatenate([np.zeros(n_entries, bool), right]),
        np.concatenate([np.full(n_entries, np.nan), p]),
    )


@pytest.mark.parametrize("delta", [0.01, 0.05])
def test_wrong_answers_per_call_stay_within_the_error_bound_when_the_truth_is_known(delta):
    idx, cos, right, _ = entry_stream()
    run = simulate_adaptive(idx, cos, right, delta, seed=0)
    with_neighbour = int((idx >= 0).sum())
    wrong = int((run.served & ~right).sum())
    # vCache bounds P(serve and wrong) by delta per call; over 3,000 calls the realized share
    # has a binomial sd of at most sqrt(delta / n): 3 sd above delta is the tolerance.
    assert wrong / with_neighbour <= delta + 3 * np.sqrt(delta / with_neighbour)
    # It is not a cache that never answers: entries learn their thresholds and serve.
    assert run.served.sum() / with_neighbour > 0.05
    # Every call with a neighbour is either served or verified; calls without one are neither.
    assert np.array_equal(run.served | run.verified, idx >= 0)
    assert not (run.served & run.verified).any()


def test_the_estimated_error_rate_matches_the_truth_when_p_right_is_the_truth():
    idx, cos, right, p = entry_stream()
    run = simulate_adaptive(idx, cos, right, 0.02, seed=0)
    est = estimate_adaptive(run, p, np.ones(idx.size), 0.02)
    true_fhr = (run.served & ~right).sum() / run.served.sum()
    # Both average the same served calls; the truth is a Bernoulli draw of p per call:
    # sd of the mean <= sqrt(0.25 / hits).
    assert abs(est.false_hit_rate - true_fhr) <= 3 * np.sqrt(0.25 / est.hits)
    assert est.verification_calls == int(run.verified.sum())


def test_the_estimate_is_deterministic_for_a_seed():
    idx, cos, right, _ = entry_stream(n_calls=800)
    a = simulate_adaptive(idx, cos, right, 0.02, seed=3)
    b = simulate_adaptive(idx, cos, right, 0.02, seed=3)
    c = simulate_adaptive(idx, cos, right, 0.02, seed=4)
    assert np.array_equal(a.served, b.served) and np.array_equal(a.verified, b.verified)
    assert not np.array_equal(a.served, c.served)  # the exploration draws do depend on the seed


def test_an_entry_explores_until_it_has_seen_enough_verdicts_of_both_kinds():
    n = 30
    idx = np.array([-1] + [0] * n)
    cos = np.array([-1.0] + [0.99] * n)
    all_right = np.ones(n + 1, bool)
    run = simulate_adaptive(idx, cos, all_right, 0.05, seed=0)
    assert not run.served.any()  # one kind of verdict only: the regression is undefined
    mixed = all_right.copy()
    mixed[1] = False
    run = simulate_adaptive(idx, np.array([-1.0, 0.5] + [0.99] * (n - 1)), mixed, 0.05, seed=0)
    assert not run.served[: MIN_OBSERVATIONS + 1].any()
    assert run.served.any()


def test_fit_threshold_recovers_a_known_threshold():
    rng = np.random.default_rng(0)
    s = rng.uniform(0.6, 1.0, 3000)
    y = (rng.random(s.size) < 1 / (1 + np.exp(-40 * (s - 0.85)))).astype(float)
    t_hat, gamma, var_t, _ = fit_threshold(s, y)
    # 3,000 draws: the delta-method sd of t is about 0.003; 0.01 is > 3 sd.
    assert abs(t_hat - 0.85) < 0.01
    assert 30 < gamma < 55 and 0 < var_t < 1e-4


def test_fit_threshold_is_finite_when_the_verdicts_separate():
    s = np.array([0.70, 0.72, 0.75, 0.90, 0.93, 0.95])
    y = np.array([0, 0, 0, 1, 1, 1], float)
    t_hat, gamma, var_t, _ = fit_threshold(s, y)
    assert 0.75 < t_hat < 0.90 and np.isfinite(gamma) and var_t > 0


def _terminal(result) -> str:
    console = Console(width=400, record=True, file=io.StringIO())
    render_terminal(result, console)
    return console.export_text()


def test_stored_findings_without_the_adaptive_field_still_load_and_render():
    old = json.loads((FIXTURES / "result_v1.json").read_text())
    assert "adaptive" not in old["findings"]["cache"]
    assert AdaptiveEstimate.from_dict(old["findings"]["cache"].get("adaptive")) is None
    assert "adaptive cache" not in _terminal(old)
    assert "adaptive cache" not in plain_markdown(render_markdown(old))


def test_the_adaptive_estimate_shows_beside_the_static_cache_in_every_format():
    result = json.loads((FIXTURES / "result_v1.json").read_text())
    a = AdaptiveEstimate(
        error_bound=0.02,
        hits=700,
        hit_rate=0.21,
        false_hit_rate=0.031,
        error_rate=0.0065,
        verification_calls=4321,
        monthly_avoided_cost_usd=21.0,
        monthly_net_savings_usd=17.0,
    )
    result = copy.deepcopy(result)
    result["findings"]["cache"]["adaptive"] = a.to_dict()
    assert AdaptiveEstimate.from_dict(a.to_dict()) == a
    sentence = "An adaptive cache (per-entry learned thresholds, vCache-style, at most 2.0% of calls answered wrong)"
    for text in (_terminal(result), plain_markdown(render_markdown(result)), render_html(result)):
        flat = " ".join(text.split())
        assert sentence in flat
        assert "would answer 21.0% of calls, an estimated 3.1% of its answers wrong, after 4,321 verification" in flat
        assert "net $17.00 a month" in flat


def test_the_analyzer_reports_the_adaptive_cache_with_the_budget_as_its_error_bound():
    from advisor.analyzers import AnalysisContext
    from advisor.analyzers.cache.analyzer import analyze_cache
    from advisor.core.config import Config
    from advisor.embed import FakeEmbedder
    from tests.analyzers.cache.test_cache import baseline, make_log

    log = make_log()
    cfg = Config(
        sections={"cache": {"monthly_cost_usd": 1.0, "embedding_cost_per_mtok_usd": 0.0, "false_hit_budget": 0.05}}
    )
    found = analyze_cache(log, baseline(log.n_calls), AnalysisContext(config=cfg, prices=None, embedder=FakeEmbedder()))
    a = found.adaptive
    assert a is not None and a.error_bound == 0.05
    # Seven cacheable calls (one is a second turn), six with an earlier match: no entry sees six
    # verdicts, so the adaptive cache serves nothing yet and every matched call is a verification.
    assert a.hits == 0 and a.verification_calls == 6
    assert a.monthly_net_savings_usd == -1.0  # nothing avoided, the store still costs $1 a month
    assert json.loads(json.dumps(found.to_dict()))["adaptive"]["verification_calls"] == 6
