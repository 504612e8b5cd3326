import numpy as np
from routing_helpers import (
    HashEmbedder,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

from advisor.analyzers.routing.router.domain import check_domain, nearest_centroid_similarity
from advisor.analyzers.routing.segments import cluster_requests


def _cloud(rng, centre, n, noise=0.3):
    x = centre + noise * rng.normal(size=(n, centre.shape[0]))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_domain_check_accepts_same_distribution_and_flags_a_different_one():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 32))
    train = np.vstack([_cloud(rng, c, 100) for c in centres])
    held = np.vstack([_cloud(rng, c, 50) for c in centres])
    sims = nearest_centroid_similarity(held, centres)
    cutoff, median = float(np.quantile(sims, 0.05)), float(np.median(sims))
    same = np.vstack([_cloud(rng, c, 40) for c in centres])
    other = _cloud(rng, rng.normal(size=32), 200)
    assert check_domain(same, centres, cutoff_similarity=cutoff, reference_median_similarity=median).in_domain
    far = check_domain(other, centres, cutoff_similarity=cutoff, reference_median_similarity=median)
    assert far.verdict == "out_of_domain" and far.share_below_cutoff > 0.9
    assert "queries are less similar" in far.describe()
    assert train.shape[0] == 500


def test_two_sample_test_flags_familiar_topics_in_another_form():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 16))
    ref = np.vstack([_cloud(rng, c, 200) for c in centres])
    same = np.vstack([_cloud(rng, c, 30) for c in centres])
    sims = nearest_centroid_similarity(same, centres)
    kw = {"cutoff_similarity": float(np.quantile(sims, 0.05)), "reference_median_similarity": float(np.median(sims))}
    ref_rows = np.c_[ref, np.zeros(len(ref))]
    alike = check_domain(same, centres, user_sample=np.c_[same, np.zeros(len(same))], reference_sample=ref_rows, **kw)
    # Same topics, but every query has a feature the training queries never had (e.g. no answer options).
    other_form = check_domain(
        same, centres, user_sample=np.c_[same, np.ones(len(same))], reference_sample=ref_rows, **kw
    )
    assert alike.in_domain and alike.two_sample_auc < 0.75
    assert other_form.verdict == "out_of_domain" and other_form.two_sample_auc > 0.95
    assert "AUC" in other_form.describe()


def test_too_few_queries_are_never_called_in_domain():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    few = np.vstack([_cloud(rng, c, 2) for c in centres])
    check = check_domain(few, centres, cutoff_similarity=-1.0, reference_median_similarity=0.9)
    assert check.verdict == "out_of_domain" and "too few" in check.describe()


def test_segments_group_similar_requests_and_are_named_from_their_words():
    texts = [f"where is my order {i}" for i in range(30)] + [f"reset my password please {i}" for i in range(20)]
    c = cluster_requests(HashEmbedder().encode(texts), texts, n_segments=2, seed=0)
    assert list(np.bincount(c.per_call_segment)) == [30, 20]  # largest segment first
    assert set(c.per_call_segment[:30]) == {0} and set(c.per_call_segment[30:]) == {1}
    assert "order" in c.names[0] and ("password" in c.names[1] or "reset" in c.names[1])


def test_segments_never_outnumber_distinct_requests():
    texts = ["same question"] * 10 + ["other question"] * 5
    c = cluster_requests(HashEmbedder().encode(texts), texts, n_segments=8, seed=0)
    assert len(c.names) == 2
