"""Recommendations from hand-built plans: wording, ranking, intervals, prerequisites."""

from __future__ import annotations

import pytest
from lever_fakes import fake_findings, fake_group, fake_stability

from advisor.optimizer.plan import LeverSaving, ModelShare, Plan, SegmentPlan
from advisor.recommend import make_recommendations


def _segment(sid, name, share, moved, gain, batch_gain=0.0):
    return SegmentPlan(
        sid,
        name,
        1000 * share,
        share,
        "big",
        (ModelShare("big", "openai", 1 - moved, 0.0, True), ModelShare("small", "openai", moved, 0.0, False)),
        0.0,
        10.0,
        5.0,
        0.97,
        gain,
        batch_gain,
    )


def _plan(**kw):
    base = {
        "status": "optimal",
        "solver": "HiGHS",
        "quality_target": 0.95,
        "quality_is_relative": False,
        "today_quality": 0.9,
        "expected_relative_quality": 0.95,
        "baseline_cost_per_month_usd": 1000.0,
        "monthly_cost_usd": 700.0,
        "monthly_savings_usd": 300.0,
        "api_cost_per_month_usd": 400.0,
        "cache_threshold": 0.86,
        "cache_hit_share": 0.1,
        "cache_precision": 0.98,
        "cache_cost_per_month_usd": 20.0,
        "batch_share_of_calls": 0.12,
        "reserved_workers": 3,
        "on_demand_worker_hours_per_month": 100.0,
        "peak_workers": 5.0,
        "worker_cost_per_month_usd": 300.0,
        "prompt_savings_share": 0.0,
        "levers": ("cache", "routing", "batch", "capacity"),
        "segments": (
            _segment(0, "order status", 0.23, 1.0, 60.0),
            _segment(1, "refunds", 0.5, 0.4, 30.0, 8.0),
            _segment(2, "tiny", 0.004, 1.0, 10.0),
        ),
        "lever_attribution": (
            LeverSaving("cache", 50.0, 60.0),
            LeverSaving("routing", 150.0, 170.0),
            LeverSaving("batch", 40.0, 45.0),
            LeverSaving("capacity", 60.0, 60.0),
        ),
    }
    base.update(kw)
    return Plan(**base)


def _findings(verdict="stable"):
    return {
        "routing": fake_findings(
            "routing",
            monthly_savings_usd=200.0,
            savings_interval_usd=(150.0, 250.0),
            confidence="medium",
            prerequisites=("collect 200 labelled shadow answers first",),
        ),
        "cache": fake_findings("cache", monthly_savings_usd=50.0, savings_interval_usd=(40.0, 60.0)),
        "batch": fake_findings("batch", monthly_savings_usd=40.0, savings_interval_usd=(36.0, 44.0)),
        # No saving of its own: the capacity analyzer has no interval to scale to the plan's.
        "capacity": fake_findings("capacity", stability=fake_stability(verdict)),
    }


def test_recommendations_are_ranked_by_savings_and_add_up_to_the_attribution():
    recs = make_recommendations(_plan(), _findings())
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    savings = [r.monthly_savings_usd for r in recs]
    assert savings == sorted(savings, reverse=True)
    assert sum(savings) == pytest.approx(300.0)


def test_routing_split_by_segment_says_what_to_send_where():
    recs = {r.title: r for r in make_recommendations(_plan(), _findings()) if r.lever == "routing"}
    whole = "Send the 'order status' segment, 23% of calls, to small"
    part = "Send 40% of the 'refunds' segment (20% of calls) to small"
    assert recs[whole].monthly_savings_usd == pytest.approx(150 * 60 / 100)
    assert recs[part].monthly_savings_usd == pytest.approx(150 * 30 / 100)
    # the 0.4 %-of-calls segment is folded into one line rather than recommended alone
    assert "Send small parts of 1 other segment (0.4% of calls) to small" in recs
    assert recs[whole].prerequisites == ("collect 200 labelled shadow answers first",)


def test_interval_is_the_analyzers_scaled_to_the_plans_saving():
    cache = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "cache")
    assert cache.title == "Semantic cache at cosine 0.86 on cacheable calls (answers 10% of calls)"
    assert cache.savings_interval_usd == pytest.approx((40.0, 60.0))
    batch = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "batch")
    assert batch.savings_interval_usd == pytest.approx((36.0, 44.0))


def test_lever_without_an_interval_says_so():
    cap = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "capacity")
    assert cap.savings_interval_usd == (60.0, 60.0)
    assert cap.interval_source.startswith("none")
    assert cap.title.startswith("Reserve 3 workers for one year and add on-demand workers")


@pytest.mark.parametrize("verdict", ["unstable", "undetermined", "growing"])
def test_no_reservation_is_recommended_unless_traffic_is_stable(verdict):
    assert [r.lever for r in make_recommendations(_plan(), _findings(verdict))].count("capacity") == 0


def test_no_reservation_is_recommended_when_the_capacity_analyzer_did_not_run():
    findings = _findings()
    del findings["capacity"]
    assert "capacity" not in [r.lever for r in make_recommendations(_plan(), findings)]


def test_levers_that_save_nothing_are_not_recommended():
    plan = _plan(cache_threshold=None, lever_attribution=(LeverSaving("routing", 150.0, 150.0),))
    assert {r.lever for r in make_recommendations(plan, _findings())} == {"routing"}


def _batch_findings(**kw):
    groups = [
        fake_group("nightly_summary", "nightly_summary", "background"),
        fake_group("analytics", "analytics", "analytics"),
    ]
    base = {
        "monthly_savings_usd": 40.0,
        "savings_interval_usd": (36.0, 44.0),
        "eligible_share_of_calls": 0.12,
        "eligible_groups": groups,
    }
    return fake_findings("batch", **{**base, **kw})


def _batch_rec(plan=None, **kw):
    findings = {**_findings(), "batch": _batch_findings(**kw)}
    return next(r for r in make_recommendations(plan or _plan(), findings) if r.lever == "batch")


def test_batch_recommendation_names_the_tasks_of_the_eligible_calls_not_a_segment():
    rec = _batch_rec()
    assert rec.title == "Move the nightly_summary and analytics jobs (12% of calls) to the batch API"
    assert "refunds" not in rec.title
    assert rec.action["kinds"] == ["nightly_summary", "analytics"]
    assert rec.action["share_of_calls"] == pytest.approx(0.12)


def test_batch_recommendation_without_tasks_names_the_latency_classes():
    rec = _batch_rec(eligible_groups=[fake_group(None, "background", "background")])
    assert rec.title == "Move the background traffic (12% of calls) to the batch API"


def test_batch_recommendation_says_when_the_plan_moves_only_part_of_the_eligible_calls():
    rec = _batch_rec(_plan(batch_share_of_calls=0.08))
    assert rec.title == (
        "Move 8.0% of calls, from the nightly_summary and analytics jobs (12% of calls), to the batch API"
    )


def test_batch_recommendation_states_the_analyzers_completion_window():
    rec = _batch_rec(added_latency_max_hours=6.0)
    assert "6 h later" in rec.quality_impact and "within 6 h" in rec.effort
    assert rec.prerequisites == ("confirm these jobs tolerate results within 6 hours",)
    assert "24" not in rec.quality_impact + rec.effort + rec.prerequisites[0]


def test_batch_recommendation_with_many_kinds_names_three_and_counts_the_rest():
    groups = [fake_group(t, t) for t in ("a", "b", "c", "d", "e")]
    assert _batch_rec(eligible_groups=groups).title.startswith("Move the a, b, c and 2 more jobs (12% of calls)")


def test_routing_to_two_models_names_both_with_their_shares():
    seg = SegmentPlan(
        0,
        "billing",
        600.0,
        0.6,
        "big",
        (
            ModelShare("big", "openai", 0.2, 0.0, True),
            ModelShare("small", "openai", 0.5, 0.0, False),
            ModelShare("mid", "openai", 0.3, 0.0, False),
        ),
        0.0,
        10.0,
        5.0,
        0.96,
        80.0,
        0.0,
    )
    rec = next(r for r in make_recommendations(_plan(segments=(seg,)), _findings()) if r.lever == "routing")
    assert rec.title == "Send 80% of the 'billing' segment (48% of calls) to small and mid (50% and 30% of the segment)"
    assert rec.action["to_models"] == {"small": pytest.approx(0.5), "mid": pytest.approx(0.3)}


def test_capacity_title_states_the_analyzers_reservation_term():
    findings = _findings()
    findings["capacity"].term_months = 6
    cap = next(r for r in make_recommendations(_plan(), findings) if r.lever == "capacity")
    assert cap.title.startswith("Reserve 3 workers for 6 months")
    assert cap.action == {"reserved_workers": 3, "peak_workers": 5.0, "term_months": 6}


def test_every_title_states_the_numbers_its_action_carries():
    findings = {**_findings(), "batch": _batch_findings()}
    for rec in make_recommendations(_plan(), findings):
        a = rec.action
        if rec.lever == "routing" and "segment" in a:
            share = a["segment_share_of_calls"] if a["share_of_segment"] > 0.995 else a["share_of_calls"]
            assert f"{share:.0%} of calls" in rec.title and all(m in rec.title for m in a["to_models"])
            assert f"{a['segment_relative_quality']:.1%}" in rec.quality_impact
        elif rec.lever == "cache":
            assert (
                f"cosine {a['threshold']:.2f}" in rec.title and f"{a['hit_share_of_calls']:.0%} of calls" in rec.title
            )
            assert f"{1 - a['precision']:.1%} of cached answers" in rec.quality_impact
        elif rec.lever == "batch":
            assert f"{a['share_of_calls']:.0%} of calls" in rec.title
        elif rec.lever == "capacity":
            assert f"Reserve {a['reserved_workers']} workers" in rec.title and f"{a['peak_workers']:.1f}" in rec.title
        assert rec.to_dict()["action"] == {k: list(v) if isinstance(v, tuple) else v for k, v in a.items()}


def test_summarization_title_says_which_turns_stay_verbatim():
    findings = {
        **_findings(),
        "prompt": fake_findings(
            "prompt",
            monthly_savings_usd=20.0,
            savings_interval_usd=(15.0, 25.0),
            recommended="history_summarization",
            summarization={"summarize_after_turns": 4},
        ),
    }
    plan = _plan(lever_attribution=(LeverSaving("prompt", 20.0, 20.0),))
    rec = next(r for r in make_recommendations(plan, findings) if r.lever == "prompt")
    assert rec.title == "Summarize conversation history older than the last 4 turns"
    assert rec.action == {"method": "history_summarization", "keep_last_turns": 4}


def test_prompt_caching_claims_no_quality_change_and_a_low_effort():
    findings = {
        **_findings(),
        "prompt": fake_findings(
            "prompt",
            monthly_savings_usd=20.0,
            savings_interval_usd=(15.0, 25.0),
            recommended="prompt_caching",
        ),
    }
    plan = _plan(lever_attribution=(LeverSaving("prompt", 20.0, 20.0),))
    rec = next(r for r in make_recommendations(plan, findings) if r.lever == "prompt")
    assert rec.quality_impact.startswith("none:") and "summarized" not in rec.quality_impact
    assert rec.effort.startswith("low:") and "prompt caching" in rec.effort


def test_routing_quality_impact_puts_the_segment_next_to_the_whole_plan_and_target():
    rec = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "routing")
    assert rec.quality_impact == "this segment at 97.0% of today's quality; all traffic at 95.0% (target 95.0%)"


def test_recommendation_ids_are_unique_and_hold_no_amounts():
    findings = {**_findings(), "batch": _batch_findings()}
    recs = make_recommendations(_plan(), findings)
    ids = [r.id for r in recs]
    assert len(set(ids)) == len(ids) and all(ids)
    assert "routing:order status" in ids and "batch" in ids and "routing:other segments" in ids
    assert not any(ch.isdigit() for i in ids for ch in i)
    assert recs[0].to_dict()["id"] == recs[0].id


def test_a_measured_zero_width_interval_is_high_confidence_but_a_missing_one_is_low():
    findings = _findings()
    findings["capacity"].monthly_savings_usd = 60.0
    findings["capacity"].savings_interval_usd = (60.0, 60.0)
    cap = next(r for r in make_recommendations(_plan(), findings) if r.lever == "capacity")
    assert cap.confidence == "high" and not cap.interval_source.startswith("none")
    cap = next(r for r in make_recommendations(_plan(), _findings()) if r.lever == "capacity")
    assert cap.confidence == "low" and cap.interval_source.startswith("none")


def test_small_shares_keep_a_decimal_so_they_never_read_zero():
    cache = next(r for r in make_recommendations(_plan(cache_hit_share=0.004), _findings()) if r.lever == "cache")
    assert cache.title.endswith("(answers 0.4% of calls)")
    cache = next(r for r in make_recommendations(_plan(cache_hit_share=0.31), _findings()) if r.lever == "cache")
    assert cache.title.endswith("(answers 31% of calls)")


def test_each_routing_line_carries_only_its_own_candidates_prerequisites_and_confidence():
    from types import SimpleNamespace

    small = SimpleNamespace(model="small", provider="openai", confidence="low", prerequisites=("label small",))
    mid = SimpleNamespace(model="mid", provider="openai", confidence="medium", prerequisites=("label mid",))
    findings = _findings()
    findings["routing"] = fake_findings(
        "routing",
        monthly_savings_usd=200.0,
        savings_interval_usd=(150.0, 250.0),
        confidence="medium",
        prerequisites=("label small", "label mid"),
        candidates=(small, mid),
    )
    recs = [r for r in make_recommendations(_plan(), findings) if r.lever == "routing"]
    assert recs and all(r.prerequisites == ("label small",) for r in recs)  # every line sends calls to 'small'
    # the stated level is small's "low", not the findings' "medium" (the best candidate's)
    assert all(r.confidence == "low" for r in recs)


def test_cache_confidence_is_never_high_without_labels_from_this_traffic():
    # Interval 49..51 on a 50 saving: 4 % wide, "high" by width alone.
    findings = _findings()
    findings["cache"].savings_interval_usd = (49.0, 51.0)
    cache = next(r for r in make_recommendations(_plan(), findings) if r.lever == "cache")
    assert cache.confidence == "medium"
    findings["cache"].n_labelled_pairs = 100
    cache = next(r for r in make_recommendations(_plan(), findings) if r.lever == "cache")
    assert cache.confidence == "high"
