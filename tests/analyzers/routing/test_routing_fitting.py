import numpy as np
import pytest
from routing_helpers import (
    HashEmbedder,
    make_log,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

from advisor.analyzers.routing.candidates import _training_rows
from advisor.analyzers.routing.naming import segment_labels
from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.router.fitting import (
    FitCache,
    cross_fitted_ridge,
    group_folds,
    weighted_logistic,
    weighted_ridge,
)
from advisor.analyzers.routing.router.metrics import auc_score, bootstrap_auc_interval
from advisor.analyzers.routing.segments import cluster_requests
from advisor.core.rows import unique_rows


def test_cross_fitted_ridge_equals_refitting_on_each_fold_and_shares_its_systems():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    Xu = rng.standard_normal((40, 6)) + 2.0
    text = rng.integers(0, 40, 120)  # calls repeat texts, as in a log
    Y = rng.standard_normal((120, 2))
    folds = group_folds(120, 5, 0)
    cache = FitCache()
    oof, coef, intercept = cross_fitted_ridge(Xu, text, Y, folds, 5, 3.0, cache=cache)
    for f in range(5):
        fit = folds != f
        ref = Ridge(alpha=3.0).fit(Xu[text[fit]], Y[fit])
        assert np.allclose(ref.predict(Xu[text[folds == f]]), oof[folds == f])
    full = Ridge(alpha=3.0).fit(Xu[text], Y)
    assert np.allclose(full.coef_.T, coef) and np.allclose(full.intercept_, intercept)
    # Other labels on the same calls: the cached systems give the same as a fresh fit.
    other = rng.standard_normal((120, 2))
    again = cross_fitted_ridge(Xu, text, other, folds, 5, 3.0, cache=cache)
    assert len(cache._memo) == 1 and np.allclose(again[0], cross_fitted_ridge(Xu, text, other, folds, 5, 3.0)[0])


def test_weighted_ridge_matches_scikit_learn_with_sample_weights():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(1)
    X, y, w = rng.standard_normal((50, 4)), rng.standard_normal(50), rng.integers(1, 5, 50).astype(float)
    coef, intercept = weighted_ridge(X, y, w, 2.0)
    ref = Ridge(alpha=2.0).fit(X, y, sample_weight=w)
    assert np.allclose(coef[:, 0], ref.coef_) and intercept[0] == pytest.approx(ref.intercept_)


def test_weighted_logistic_matches_scikit_learn_and_a_fraction_equals_its_rows():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    Z = rng.standard_normal((300, 5))
    y = (Z @ [1.0, -2.0, 0.5, 0.0, 0.3] + rng.standard_normal(300) > 0).astype(float)
    coef, intercept = weighted_logistic(Z, y, np.ones(300), C=1.0)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(Z, y)
    assert np.allclose(coef, ref.coef_[0], atol=1e-5) and intercept == pytest.approx(ref.intercept_[0], abs=1e-5)
    # Two rows of one input with outcomes 1 and 0 = one row with outcome 0.5 and weight 2.
    pairs = weighted_logistic(np.r_[Z[:20], Z[:20]], np.r_[np.ones(20), np.zeros(20)], np.ones(40))
    halves = weighted_logistic(Z[:20], np.full(20, 0.5), np.full(20, 2.0))
    assert np.allclose(pairs[0], halves[0]) and pairs[1] == pytest.approx(halves[1])


def test_unique_rows_groups_identical_rows_and_tells_late_differences_apart():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((5, 384)).astype(np.float32)
    X = base[[0, 1, 0, 2, 1, 3, 4]]
    first, inverse = unique_rows(X)
    assert len(first) == 5 and np.array_equal(X[first][inverse], X)
    late = base[[0, 0]].copy()
    late[1, 300] += 1.0  # same first 16 words, different row
    assert len(unique_rows(late)[0]) == 2


def test_auc_and_its_bootstrap_equal_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(4)
    p = np.round(rng.random(500), 1)  # many ties
    y = (rng.random(500) < p).astype(int)
    assert auc_score(p, y) == pytest.approx(roc_auc_score(y, p))
    draws = np.random.default_rng(0)
    values = []
    for _ in range(200):
        idx = draws.integers(0, 500, 500)
        values.append(roc_auc_score(y[idx], p[idx]))
    lo, hi = bootstrap_auc_interval(p, y, seed=0)
    assert lo == pytest.approx(np.quantile(values, 0.025)) and hi == pytest.approx(np.quantile(values, 0.975))


def _labelled(n=400, seed=0):
    log = make_log(n, seed=seed)
    texts = log.frame["query"].tolist()
    return (
        texts,
        HashEmbedder().encode(texts),
        text_features(texts),
        log.frame["quality__gpt-4o-mini"].to_numpy(float),
        log.frame["quality"].to_numpy(float),
    )


def test_text_ids_give_the_same_model_as_grouping_by_embedding():
    texts, _, F, weak, strong = _labelled()
    ids = np.unique(np.asarray(texts), return_inverse=True)[1]
    # One random vector per text (hashed words can give two texts one vector, and then the
    # two groupings would rightly differ).
    vectors = np.random.default_rng(0).standard_normal((ids.max() + 1, 64)).astype(np.float32)
    X = vectors[ids] / np.linalg.norm(vectors[ids], axis=1, keepdims=True)
    a = RoutingClassifier(seed=0).fit(X, F, weak, strong)
    b = RoutingClassifier(seed=0).fit(X, F, weak, strong, text_ids=ids)
    assert np.allclose(a.oof_p_good_enough_, b.oof_p_good_enough_)
    assert np.allclose(a.predict(X, F).p_good_enough, b.predict(X, F, text_ids=ids).p_good_enough)


def test_a_shared_cache_changes_no_number_and_computes_label_free_work_once():
    _texts, X, F, weak, strong = _labelled()
    cache = FitCache()
    plain = RoutingClassifier(seed=0).fit(X, F, weak, strong).predict(X, F)
    cached = RoutingClassifier(seed=0).fit(X, F, weak, strong, cache=cache).predict(X, F, cache=cache)
    assert np.allclose(plain.p_good_enough, cached.p_good_enough) and np.allclose(
        plain.strong_score, cached.strong_score
    )
    n_entries = len(cache._memo)
    other = 1.0 - weak  # another candidate, labelled on the same calls
    RoutingClassifier(seed=0).fit(X, F, other, strong, cache=cache).predict(X, F, cache=cache)
    assert len(cache._memo) == n_entries


def test_out_of_fold_predictions_cover_every_training_call_and_are_no_better_than_held_out_ones():
    from advisor.analyzers.routing.router.metrics import evaluate_scores

    _texts, X, F, weak, strong = _labelled(600)
    model = RoutingClassifier(seed=0).fit(X[:400], F[:400], weak[:400], strong[:400])
    assert model.oof_p_good_enough_.shape == (400,)
    oof = evaluate_scores(model.oof_strong_score_, weak[:400], strong[:400], p_good_enough=model.oof_p_good_enough_)
    out = model.predict(X[400:], F[400:])
    held = evaluate_scores(out.strong_score, weak[400:], strong[400:], p_good_enough=out.p_good_enough)
    # In-sample predictions would beat held-out ones; out-of-fold ones must not.
    in_sample = model.predict(X[:400], F[:400])
    fitted = evaluate_scores(in_sample.strong_score, weak[:400], strong[:400], p_good_enough=in_sample.p_good_enough)
    assert 0.85 < oof.auc <= held.auc + 0.02 and oof.auc < fitted.auc and oof.ece < 0.1


def test_labels_given_per_text_train_one_call_per_text_and_copies_share_its_prediction():
    ids = np.repeat(np.arange(4), [3, 1, 2, 1])  # 7 calls of 4 texts
    labelled = np.arange(7)
    per_text = np.array([True, True, True, False, True, True, False])
    train, train_of = _training_rows(labelled, ids, per_text)
    # Text 0's three copied labels train once; text 2's two once; per-call labels (rows 3, 6) each.
    assert len(train) == 4 and set(train) >= {3, 6}
    assert len(set(train_of[:3])) == 1 and len(set(train_of[4:6])) == 1
    assert np.array_equal(_training_rows(labelled, ids, None)[0], labelled)


def test_clustering_distinct_texts_with_call_weights_counts_calls():
    texts = (
        ["where is my order"] * 5
        + ["track my parcel"] * 3
        + ["cancel my subscription please", "refund my last invoice"]
    )
    distinct, counts = np.unique(texts, return_counts=True)
    vectors = HashEmbedder().encode(list(distinct))
    c = cluster_requests(vectors, list(distinct), n_segments=2, seed=0, weights=counts)
    sizes = np.bincount(c.per_call_segment, weights=counts)
    assert sizes.sum() == len(texts) and sizes[0] >= sizes[1]  # segment 0 is the largest in calls
    labels = np.array([0, 1, 1, 0])
    # A text's calls weigh its terms as its copies would (min_queries=1: every term may name).
    assert segment_labels(list(distinct), labels, 2, min_queries=1, weights=counts) == segment_labels(
        [t for t, n in zip(distinct, counts) for _ in range(n)], np.repeat(labels, counts), 2, min_queries=1
    )


def test_thread_limits_reach_blas_libraries_loaded_after_the_first_limit(monkeypatch):
    # faiss and scipy bring their own OpenBLAS (faiss its OpenMP too). A controller found before
    # they loaded left them at every core while each of the router's threads meant to use one.
    import faiss  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import ThreadpoolController

    from advisor.analyzers.routing.router import fitting as routing_fitting

    everything = ThreadpoolController()
    stale = everything.select(filepath=everything.lib_controllers[0].filepath)
    monkeypatch.setattr(routing_fitting, "_CONTROLLER", [(0, stale)])  # made when fewer modules were loaded
    with routing_fitting.single_threaded():
        counts = {lib.filepath: lib.num_threads for lib in ThreadpoolController().lib_controllers}
    assert len(counts) > 1 and set(counts.values()) == {1}, counts
