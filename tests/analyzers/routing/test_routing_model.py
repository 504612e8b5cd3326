import json

import numpy as np
import pytest
from routing_helpers import (
    HashEmbedder,
    assert_same_but_rounding,
    make_log,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

from advisor.analyzers.routing.router.classifier import RoutingClassifier
from advisor.analyzers.routing.router.features import text_features
from advisor.analyzers.routing.router.model import ShippedRouter, load_router, save_router
from advisor.core.errors import InputError


def build_router(n=300, seed=0) -> tuple[ShippedRouter, list[str], np.ndarray]:
    log = make_log(n, seed=seed)
    texts = log.frame["query"].tolist()
    X = HashEmbedder().encode(texts)
    clf = RoutingClassifier(seed=0).fit(
        X, text_features(texts), log.frame["quality__gpt-4o-mini"].to_numpy(float), log.frame["quality"].to_numpy(float)
    )
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=8, n_init=1, random_state=0).fit(X)
    from advisor.analyzers.routing.router.domain import nearest_centroid_similarity

    # As in train_router: the cut-off comes from held-out requests, not the ones the centroids saw.
    held = HashEmbedder().encode(make_log(200, seed=seed + 100).frame["query"].tolist())
    sims = nearest_centroid_similarity(held, km.cluster_centers_)
    router = ShippedRouter(
        clf,
        km.cluster_centers_.astype(np.float32),
        float(np.quantile(sims, 0.05)),
        float(np.median(sims)),
        text_features([texts[i] for i in clf.reference_rows_]),
        "hashed words",
        HashEmbedder.model_id,
        "cheap",
        "strong",
        metrics={"held_out": {"ece": 0.02}},
        training={"data": "synthetic test log"},
    )
    return router, texts, X


def test_saved_router_is_plain_arrays_and_json_and_predicts_the_same(tmp_path):
    router, texts, X = build_router()
    save_router(router, tmp_path / "r")
    np.load(tmp_path / "r" / "router.npz", allow_pickle=False)  # would raise if anything needed pickle
    json.loads((tmp_path / "r" / "router.json").read_text())
    loaded = load_router(tmp_path / "r")
    a, b = router.predict(X, texts), loaded.predict(X, texts)
    assert np.allclose(a.p_good_enough, b.p_good_enough) and np.allclose(a.strong_score, b.strong_score)
    assert np.array_equal(loaded.domain_reference_features, router.domain_reference_features.astype(np.float32))
    fresh = make_log(150, seed=7).frame["query"].tolist()
    assert loaded.check_domain(HashEmbedder().encode(fresh), fresh).in_domain


def test_router_given_distinct_texts_and_each_calls_text_answers_as_given_every_call():
    # A big log hands over one vector per distinct text; the per-call matrix is never built.
    router, _, _ = build_router()
    base = make_log(400, seed=3).frame["query"].tolist()
    calls = [base[i] for i in np.random.default_rng(3).integers(0, len(base), 3000)]  # a log repeats its queries
    distinct, text_ids = np.unique(np.asarray(calls, dtype=object), return_inverse=True)
    assert len(distinct) < len(calls) / 2
    vectors = HashEmbedder().encode(distinct.tolist())
    features = text_features(calls)
    per_call = router.predict(vectors[text_ids], calls, features=features)
    by_text = router.predict(vectors, calls, features=features, text_ids=text_ids)
    # Two code paths (per-call rows vs one row per text): the same values, but the matrix products
    # run on differently shaped and aligned arrays, and BLAS builds/threads may sum in another
    # order. That moves the last few bits (~1e-16 relative), so compare at 1e-9 relative: far
    # above rounding, far below any real difference in a score or probability.
    assert np.allclose(by_text.p_good_enough, per_call.p_good_enough, rtol=1e-9, atol=1e-12)
    assert np.allclose(by_text.strong_score, per_call.strong_score, rtol=1e-9, atol=1e-12)
    domain = router.check_domain(vectors[text_ids], calls, features=features, seed=5)
    by_text_domain = router.check_domain(vectors, calls, features=features, seed=5, text_ids=text_ids)
    assert_same_but_rounding(by_text_domain, domain)  # as above
    assert domain.n_queries == 3000 and domain.two_sample_auc is not None


def test_missing_router_directory_tells_how_to_rebuild(tmp_path):
    with pytest.raises(InputError, match=r"expected a router .* `advisor train router"):
        load_router(tmp_path)


def test_router_of_another_format_version_is_refused(tmp_path):
    router, _, _ = build_router(120)
    save_router(router, tmp_path)
    meta = json.loads((tmp_path / "router.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "router.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="expected router format_version 1, found 99"):
        load_router(tmp_path)


def test_shipped_default_router_loads_with_its_held_out_metrics():
    router = load_router()
    assert router.domain_centroids.shape[1] == 384
    held = router.metrics["held_out"]
    assert held["apgr"] >= 0.65 and held["cpt50"] <= 0.30 and held["ece"] <= 0.05
    assert held["apgr"] > held["random"]["apgr"]


def test_saving_the_loaded_default_router_writes_its_files_unchanged(tmp_path):
    # Loading and saving is a round trip: the JSON conversion (core.jsonable) writes the same bytes.
    from advisor.analyzers.routing.router.model import default_router_dir

    save_router(load_router(), tmp_path)
    shipped = default_router_dir()
    assert (tmp_path / "router.json").read_bytes() == (shipped / "router.json").read_bytes()
    with np.load(tmp_path / "router.npz") as saved, np.load(shipped / "router.npz") as original:
        assert sorted(saved.files) == sorted(original.files)
        assert all(np.array_equal(saved[k], original[k]) and saved[k].dtype == original[k].dtype for k in saved.files)
