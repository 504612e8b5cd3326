"""`advisor cache label` spreads its pairs over clusters of near-duplicate queries inside each bin."""

import numpy as np

from advisor.analyzers.cache.label_selection import match_clusters, select_pairs


def test_clusters_are_components_of_close_matches_and_weak_matches_join_their_cached_answer():
    #  row:          0   1     2     3    4     5
    match = np.array([-1, 0, 1, -1, 3, 2])
    cos = np.array([-1.0, 0.9, 0.85, -1.0, 0.95, 0.72])
    c = match_clusters(match, cos, link=0.8)
    assert c[0] == c[1] == c[2]  # 0-1-2 chained by cosines >= 0.8
    assert c[3] == c[4] != c[0]
    # row 5 matched row 2 weakly: its pair is about row 2's cached answer, so row 2's cluster
    assert c[5] == c[2]


def test_inside_a_bin_every_cluster_gets_a_pair_before_any_gets_a_second():
    # One bin; cluster 0 holds 90 of the 100 candidates, nine others one each.
    cos = np.full(100, 0.82)
    clusters = np.r_[np.zeros(90, int), np.arange(1, 11)]
    for seed in range(5):
        picked = select_pairs(cos, (0.8,), 10, seed=seed, clusters=clusters)
        # ten labels, eleven clusters: no cluster twice (at random, ~9 of 10 would come from cluster 0)
        assert len(set(clusters[picked].tolist())) == 10
        plain = select_pairs(cos, (0.8,), 10, seed=seed)
        assert np.sum(clusters[plain] == 0) > 5


def test_bins_still_get_equal_shares_with_clusters():
    cos = np.r_[np.full(50, 0.72), np.full(50, 0.77), np.full(50, 0.83)]
    clusters = np.arange(150) % 7
    picked = select_pairs(cos, (0.70, 0.75, 0.80), 30, seed=3, clusters=clusters)
    assert np.bincount(np.searchsorted([0.75, 0.80], cos[picked], side="right")).tolist() == [10, 10, 10]
