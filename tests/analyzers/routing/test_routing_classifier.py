import numpy as np
import pytest
from routing_helpers import (
    HashEmbedder,
    make_log,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

from advisor.analyzers.routing.router.classifier import NotFittedError, RoutingClassifier
from advisor.analyzers.routing.router.features import TEXT_FEATURES, text_features
from advisor.analyzers.routing.router.learning import learning_curve
from advisor.analyzers.routing.router.metrics import evaluate_scores, random_router_metrics
from advisor.core.errors import InputError


def _data(n=600, seed=0):
    log = make_log(n, seed=seed)
    texts = log.frame["query"].tolist()
    X = HashEmbedder().encode(texts)
    return (
        texts,
        X,
        text_features(texts),
        log.frame["quality__gpt-4o-mini"].to_numpy(float),
        log.frame["quality"].to_numpy(float),
    )


def test_router_learns_which_requests_the_cheap_model_can_take():
    _texts, X, F, weak, strong = _data()
    model = RoutingClassifier(seed=0).fit(X[:300], F[:300], weak[:300], strong[:300])
    out = model.predict(X[300:], F[300:])
    m = evaluate_scores(out.strong_score, weak[300:], strong[300:], p_good_enough=out.p_good_enough)
    assert m.auc > 0.85
    assert m.apgr > random_router_metrics(weak[300:], strong[300:], seed=0).apgr + 0.2
    assert np.all((out.p_good_enough >= 0) & (out.p_good_enough <= 1))


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        RoutingClassifier().predict(np.zeros((1, 4)), np.zeros((1, 4)))


def test_fit_with_one_outcome_only_is_a_clean_input_error():
    _texts, X, F, _weak, _strong = _data(60)
    with pytest.raises(InputError, match="both outcomes"):
        RoutingClassifier().fit(X, F, np.ones(60), np.ones(60))


def test_fit_is_deterministic_for_a_seed():
    _texts, X, F, weak, strong = _data(200)
    a = RoutingClassifier(seed=3).fit(X, F, weak, strong).predict(X, F)
    b = RoutingClassifier(seed=3).fit(X, F, weak, strong).predict(X, F)
    assert np.array_equal(a.p_good_enough, b.p_good_enough)


def test_text_features_measure_length_digits_and_option_stem():
    f = text_features(["What is 2+2?\nA. 3\nB. 4\nAnswer:", ""])
    assert f.shape == (2, len(TEXT_FEATURES))
    assert f[0, 1] == 3 and f[0, 2] == pytest.approx(4 / 30)
    assert f[0, 3] == pytest.approx(np.log1p(len("What is 2+2?")))
    assert np.all(f[1] == 0)


def test_learning_curve_reports_growing_label_counts_and_a_stable_size():
    _, X, F, weak, strong = _data(400)
    # tolerance 0.03: the 200-label mean sits 0.019 below the full set's, too near the default 0.02 edge
    curve = learning_curve(X, F, weak, strong, seed=0, sizes=[50, 100, 200, 280], tolerance=0.03)
    assert [p.n_labelled for p in curve.points] == [50, 100, 200, 280]
    assert curve.points[-1].auc_mean > 0.85
    assert curve.points[0].auc_mean < curve.points[-1].auc_mean
    assert curve.n_needed_for_stable_auc in (100, 200)


def test_learning_curve_stopping_at_the_first_stable_size_gives_the_same_answer_with_fewer_fits():
    _, X, F, weak, strong = _data(400)
    full = learning_curve(X, F, weak, strong, seed=0, sizes=[50, 100, 200, 280], tolerance=0.03)
    short = learning_curve(X, F, weak, strong, seed=0, sizes=[50, 100, 200, 280], tolerance=0.03, stop_when_stable=True)
    assert full.n_needed_for_stable_auc is not None
    assert short.n_needed_for_stable_auc == full.n_needed_for_stable_auc
    kept = [p.n_labelled for p in short.points]
    assert kept[-1] == 280 and kept[-2] == short.n_needed_for_stable_auc and len(kept) <= len(full.points)
    assert short.points == tuple(p for p in full.points if p.n_labelled in kept)


def test_learning_curve_on_threads_equals_one_fit_after_another():
    # Exact on purpose: the same fits on the same arrays, each with BLAS at one thread; only the
    # scheduling differs, and learning_curve promises the points one fit after another gives.
    _, X, F, weak, strong = _data(400)
    kw = {"seed": 0, "sizes": [50, 100, 200, 280], "tolerance": 0.03}
    assert learning_curve(X, F, weak, strong, n_jobs=3, **kw) == learning_curve(X, F, weak, strong, n_jobs=1, **kw)
    stopped = [learning_curve(X, F, weak, strong, n_jobs=j, stop_when_stable=True, **kw) for j in (1, 3)]
    assert stopped[0] == stopped[1]


def test_predicting_from_distinct_text_vectors_equals_predicting_from_call_rows():
    texts, X, F, weak, strong = _data()
    distinct, ids = np.unique(texts, return_inverse=True)
    vectors = HashEmbedder().encode(list(distinct))
    assert np.array_equal(vectors[ids], X)
    model = RoutingClassifier(seed=0).fit(X[:300], F[:300], weak[:300], strong[:300], text_ids=ids[:300])
    by_call = model.predict(X, F, text_ids=ids)
    by_text = model.predict_by_text(vectors, ids, F)
    # Two code paths over the same values; BLAS may sum differently shaped or aligned arrays in
    # another order (last bits only), so 1e-9 relative: far above rounding, far below a real change.
    assert np.allclose(by_call.strong_score, by_text.strong_score, rtol=1e-9, atol=1e-12)
    assert np.allclose(by_call.p_good_enough, by_text.p_good_enough, rtol=1e-9, atol=1e-12)
