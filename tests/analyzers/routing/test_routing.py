import json

import numpy as np
import pytest
from routing_helpers import (
    FakeCatalog,
    HashEmbedder,
    make_baseline,
    make_log,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)
from test_routing_model import build_router

from advisor.analyzers import AnalysisContext
from advisor.analyzers.routing.analyzer import analyze_routing
from advisor.analyzers.routing.labels import load_labels
from advisor.analyzers.routing.router.model import save_router
from advisor.analyzers.routing.settings import RoutingSettings
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError


def _ctx(routing=None, target=0.95, labels=None):
    # The learning curve refits the router many times; only the tests about it keep it on.
    routing = {"learning_curve": False, **(routing or {})}
    cfg = Config(quality_target=target, seed=0, sections={"routing": routing})
    return AnalysisContext(config=cfg, prices=FakeCatalog(), embedder=HashEmbedder(), labels=labels)


def test_shadow_labels_train_a_router_and_give_savings_at_the_quality_target():
    log = make_log(600)
    f = analyze_routing(log, make_baseline(log), _ctx({"learning_curve": True}))
    (c,) = f.candidates
    assert c.model == "gpt-4o-mini" and c.mode == "labels" and c.n_labelled == 600
    # 180 held out; repeated draws only up to half of the 420 left (200), then all 420.
    assert [p.n_labelled for p in c.learning.points][-1] == 420 and c.learning.n_needed_for_stable_auc is not None
    assert c.confidence == "medium" and not c.prerequisites
    # About two thirds of the calls are easy and the cheap model gets 95 % of them right.
    assert 0.4 < c.max_share_at_target < 0.75
    assert c.share_interval[0] <= c.max_share_at_target <= c.share_interval[1]
    assert f.monthly_savings_usd == c.monthly_savings_usd > 0
    assert c.savings_interval_usd[0] <= c.monthly_savings_usd <= c.savings_interval_usd[1]
    assert c.metrics.auc > 0.85 and c.metrics.ece < 0.1
    assert c.curve.relative_quality[0] == 1.0 and c.curve.relative_quality == tuple(
        sorted(c.curve.relative_quality, reverse=True)
    )


def test_savings_equal_routed_calls_cost_difference_times_monthly_factor():
    log = make_log(180)
    f = analyze_routing(log, make_baseline(log, monthly_factor=3.0), _ctx())
    (c,) = f.candidates
    k = round(c.max_share_at_target * log.n_calls)
    routed = c.per_call_routable_order[:k]
    fr = log.frame.iloc[routed]
    per_call = (fr.input_tokens * (2.5 - 0.15) + fr.output_tokens * (10.0 - 0.6)) / 1e6
    assert c.monthly_savings_usd == pytest.approx(per_call.sum() * 3.0)


def test_real_price_catalog_prices_the_default_candidate():
    from advisor.prices.catalog import load_prices

    log = make_log(120)
    ctx = AnalysisContext(
        config=Config(sections={"routing": {"learning_curve": False}}),
        prices=load_prices(Config()),
        embedder=HashEmbedder(),
    )
    f = analyze_routing(log, make_baseline(log), ctx)
    (c,) = f.candidates
    assert c.model == "gpt-4o-mini" and c.provider == "openai"
    assert 0.03 < c.mean_cost_ratio < 0.1  # gpt-4o-mini lists at 6 % of gpt-4o's prices


def test_a_stricter_quality_target_routes_fewer_calls():
    log = make_log(120)
    loose = analyze_routing(log, make_baseline(log), _ctx(target=0.9)).candidates[0]
    strict = analyze_routing(log, make_baseline(log), _ctx(target=0.99)).candidates[0]
    assert strict.max_share_at_target < loose.max_share_at_target


def test_segments_cover_every_call_with_volume_tokens_and_expected_quality():
    log = make_log(120)
    f = analyze_routing(log, make_baseline(log), _ctx({"n_segments": 6}))
    assert len(f.per_call_segment) == log.n_calls
    assert sum(s.n_calls for s in f.segments) == log.n_calls
    assert sum(s.call_share for s in f.segments) == pytest.approx(1.0)
    easy = [s for s in f.segments if s.mean_input_tokens == 120]
    hard = [s for s in f.segments if s.mean_input_tokens == 400]
    assert easy and hard
    assert min(s.relative_quality["gpt-4o-mini"] for s in easy) > max(s.relative_quality["gpt-4o-mini"] for s in hard)
    assert all(s.n_labelled["gpt-4o-mini"] == s.n_calls for s in f.segments)
    assert all(s.current_quality == 1.0 for s in f.segments)


def test_findings_to_dict_is_json_and_leaves_per_call_arrays_out():
    log = make_log(120)
    d = analyze_routing(log, make_baseline(log), _ctx()).to_dict()
    text = json.dumps(d)
    assert "per_call" not in text
    assert d["candidates"][0]["metrics"]["apgr"] > 0.5 and d["segments"][0]["name"]


def test_labels_file_supplies_the_candidate_scores(tmp_path):
    log = make_log(120, shadow=None)
    shadow = make_log(120)  # same seed: same queries, with the shadow scores we write to a file
    rows = ["query,model,score"] + [
        f'"{q}",gpt-4o-mini,{s}' for q, s in zip(shadow.frame["query"], shadow.frame["quality__gpt-4o-mini"])
    ]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    f = analyze_routing(log, make_baseline(log), _ctx(labels=load_labels(tmp_path / "labels.csv")))
    assert f.candidates[0].mode == "labels" and f.candidates[0].n_labelled == 120


def test_without_labels_out_of_domain_traffic_gets_no_savings_claim_and_a_loud_warning():
    # The shipped router was trained on MMLU with MiniLM; hashed support queries look nothing like it.
    log = make_log(100, shadow=None, with_quality=False)
    f = analyze_routing(log, make_baseline(log), _ctx())
    assert f.domain.verdict == "out_of_domain"
    assert any("OUT OF DOMAIN" in w for w in f.warnings)
    (c,) = f.candidates
    assert c.mode == "none" and c.confidence == "low" and c.curve is None
    assert f.monthly_savings_usd == 0.0 and f.savings_interval_usd[0] == 0.0 and f.savings_interval_usd[1] > 0
    assert any("shadow answers" in p for p in f.prerequisites)


def test_without_labels_in_domain_traffic_uses_the_default_router_with_low_confidence(tmp_path):
    router, _, _ = build_router(300, seed=1)
    save_router(router, tmp_path / "router")
    log = make_log(120, seed=2, shadow=None, with_quality=False)
    f = analyze_routing(log, make_baseline(log), _ctx({"router": str(tmp_path / "router")}))
    assert f.domain.in_domain
    (c,) = f.candidates
    assert c.mode == "default_router" and c.confidence == "low" and c.max_share_at_target > 0
    assert c.share_interval[0] <= c.max_share_at_target <= c.share_interval[1]


def test_default_router_with_embeddings_of_another_size_claims_nothing():
    class Small(HashEmbedder):
        dim = 32

    log = make_log(60, shadow=None, with_quality=False)
    ctx = AnalysisContext(config=Config(sections={"routing": {}}), prices=FakeCatalog(), embedder=Small())
    f = analyze_routing(log, make_baseline(log), ctx)
    assert f.candidates[0].mode == "none" and f.monthly_savings_usd == 0.0
    assert any("needs" in w and "32" in w for w in f.warnings)


def test_router_none_without_labels_claims_nothing():
    log = make_log(100, shadow=None, with_quality=False)
    f = analyze_routing(log, make_baseline(log), _ctx({"router": "none"}))
    assert f.candidates[0].mode == "none" and f.monthly_savings_usd == 0.0


def test_several_candidate_tiers_are_each_estimated():
    log = make_log(120)
    f = analyze_routing(
        log, make_baseline(log), _ctx({"candidates": ["gpt-4o-mini", "gpt-4.1-nano"], "router": "none"})
    )
    assert [c.model for c in f.candidates] == ["gpt-4o-mini", "gpt-4.1-nano"]
    assert [c.mode for c in f.candidates] == ["labels", "none"]
    assert f.best_candidate == "gpt-4o-mini"


def test_candidate_without_a_price_is_skipped_with_a_warning():
    log = make_log(100)
    f = analyze_routing(log, make_baseline(log), _ctx({"candidates": ["gpt-4o-mini", "no-such-model"]}))
    assert [c.model for c in f.candidates] == ["gpt-4o-mini"]
    assert any("no-such-model" in w for w in f.warnings)


def test_log_without_query_text_is_skipped_with_a_reason():
    log = make_log(50, with_query=False)
    f = analyze_routing(log, make_baseline(log), _ctx())
    assert "no query text" in f.skipped_reason and f.monthly_savings_usd == 0.0


@pytest.mark.parametrize(
    "key,value,text",
    [
        ("n_segments", 0, "The 'routing.n_segments' setting must be an integer from 1 to 50. Got 0 instead."),
        (
            "quality_threshold",
            2.0,
            "The 'routing.quality_threshold' setting must be a number in 0..1. Got 2.0 instead.",
        ),
        ("min_labels", 5, "The 'routing.min_labels' setting must be an integer >= 20. Got 5 instead."),
        ("colour", "red", "The 'routing.colour' setting is unknown."),
    ],
)
def test_bad_routing_settings_are_config_errors(key, value, text):
    with pytest.raises(ConfigError) as exc:
        settings(Config(sections={"routing": {key: value}}), "routing", RoutingSettings)
    assert text in str(exc.value)


def test_out_of_fold_metrics_on_a_generated_log_do_not_overstate_the_truth_on_its_unlabelled_calls():
    # The out-of-fold AUC is what the report shows; the calls it must speak for are the
    # unlabelled ones (whose texts the labelled calls share, as in a real log).
    from advisor.analyzers.routing.router.metrics import auc_score
    from advisor.cost.baseline import compute_baseline
    from advisor.lab.synthetic import generate_log
    from advisor.prices.catalog import load_prices

    sample = generate_log(6000, seed=1, shadow_share=0.3)
    cfg = Config(seed=0, sections={"routing": {"learning_curve": False, "n_segments": 4}})
    prices = load_prices(cfg)
    ctx = AnalysisContext(config=cfg, prices=prices, embedder=HashEmbedder())
    from advisor.core.schema import QueryLog

    log = QueryLog(frame=sample.frame, sources=("generated.csv",))
    f = analyze_routing(log, compute_baseline(log, prices, cfg), ctx)
    truth = sample.truth.per_call
    for c in f.candidates:
        unlabelled = ~truth["shadow_labelled"].to_numpy()
        on_truth = auc_score(c.per_call_p_good_enough[unlabelled], truth[f"routable__{c.model}"].to_numpy()[unlabelled])
        # Never optimistic; leaving a call's label out of its text's mean makes it a little
        # pessimistic (measured 0.01-0.05 below on seeds 1 and 2).
        assert c.mode == "labels" and on_truth - 0.06 < c.metrics.auc <= on_truth + 0.01
        # Calibrated on average: the mean probability is the true routable share.
        assert c.per_call_p_good_enough.mean() == pytest.approx(truth[f"routable__{c.model}"].mean(), abs=0.02)


def test_labels_on_too_few_distinct_texts_are_a_warning_not_a_crash():
    log = make_log(120)
    frame = log.frame.copy()
    frame["query"] = np.where(np.arange(120) % 3 == 0, "draft a legal contract", "where is my order")
    from advisor.core.schema import QueryLog

    f = analyze_routing(QueryLog(frame=frame, sources=("test.csv",)), make_baseline(log), _ctx({"router": "none"}))
    assert f.candidates[0].mode == "none"
    assert any("not training on gpt-4o-mini's labels" in w and "5 distinct texts" in w for w in f.warnings)


def test_candidates_fitted_on_threads_give_the_answer_of_one_after_another(monkeypatch):
    import dataclasses

    import advisor.analyzers.routing.analyzer as routing

    log = make_log(300)
    rng = np.random.default_rng(1)
    log = dataclasses.replace(
        log,
        frame=log.frame.assign(
            **{"quality__gpt-4.1-nano": np.where(rng.random(300) < 0.7, log.frame["quality__gpt-4o-mini"], 0.0)}
        ),
    )
    ctx = lambda: _ctx({"candidates": ["gpt-4o-mini", "gpt-4.1-nano", "no-such-model"], "learning_curve": True})  # noqa: E731
    runs = []
    for n in (1, 3):
        monkeypatch.setattr(routing, "cores", lambda n=n: n)
        runs.append(analyze_routing(log, make_baseline(log), ctx()))
    serial, threaded = runs
    # Exact on purpose: threads change only which fit runs when (each keeps BLAS at one thread and
    # shared pieces are computed once, the same way), and the analyzer promises a single pass's answer.
    assert [c.model for c in threaded.candidates] == ["gpt-4o-mini", "gpt-4.1-nano"]
    assert json.dumps(threaded.to_dict(), sort_keys=True) == json.dumps(serial.to_dict(), sort_keys=True)
    assert threaded.warnings == serial.warnings and any("no-such-model" in w for w in threaded.warnings)


class _CountingEmbedder(HashEmbedder):
    def __init__(self):
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        return super().encode(texts)


def _served_by(log, models):
    frame = log.frame.copy()
    frame["model"] = [models[i % len(models)] for i in range(len(frame))]
    return type(log)(frame=frame, sources=log.sources)


def test_the_default_candidate_stays_when_some_traffic_already_uses_it():
    # gpt-4o serves two calls in three, gpt-4o-mini (the default candidate) the third: it is
    # still cheaper than gpt-4o for those two.
    log = _served_by(make_log(180, shadow=None), ["gpt-4o", "gpt-4o", "gpt-4o-mini"])
    f = analyze_routing(log, make_baseline(log), _ctx())
    assert f.skipped_reason is None or "no candidate" not in f.skipped_reason
    assert [c.model for c in f.candidates] == ["gpt-4o-mini"]


def test_no_query_is_embedded_when_there_is_no_candidate():
    log = _served_by(make_log(60, shadow=None), ["gpt-4o-mini"])  # the default candidate serves everything
    ctx = _ctx()
    embedder = _CountingEmbedder()
    ctx = AnalysisContext(config=ctx.config, prices=ctx.prices, embedder=embedder)
    f = analyze_routing(log, make_baseline(log), ctx)
    assert f.skipped_reason is not None and "no candidate" in f.skipped_reason
    assert embedder.encoded == 0
