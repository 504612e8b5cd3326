"""cache_sweep: bootstrap over many groups stays a cluster bootstrap when groups are merged."""

import numpy as np
import pytest

from advisor.analyzers.cache import sweep as cache_sweep


def _stream(n_groups=3000, per=4, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), per)
    # Calls of one group hit together (shared level), so the interval must see groups, not calls.
    level = rng.uniform(0.6, 1.0, n_groups)[groups]
    cos = level + rng.normal(0, 0.02, groups.size)
    p = np.clip(0.5 + 0.5 * level, 0, 1)
    return cos, p, np.ones(groups.size), groups


def test_merging_groups_keeps_the_interval_width(monkeypatch):
    cos, p, cost, groups = _stream()
    full = cache_sweep.sweep(cos, p, cost, (0.8,), groups=groups, n_boot=400, seed=1)[0]
    monkeypatch.setattr(cache_sweep, "MAX_BOOT_GROUPS", 300)
    merged = cache_sweep.sweep(cos, p, cost, (0.8,), groups=groups, n_boot=400, seed=1)[0]
    width = lambda e: e.savings_interval_usd[1] - e.savings_interval_usd[0]  # noqa: E731
    assert merged.hits == full.hits and merged.estimated_precision == pytest.approx(full.estimated_precision)
    assert width(merged) == pytest.approx(width(full), rel=0.3)


def test_group_sums_match_a_plain_loop():
    rng = np.random.default_rng(2)
    values, codes = rng.random((500, 3)), rng.integers(0, 40, 500)
    expected = np.zeros((40, 3))
    for row, c in zip(values, codes):
        expected[c] += row
    assert np.allclose(cache_sweep._group_sums(values, codes, 40), expected)
