"""The real-embedding ANN benchmark's own arithmetic (the benchmark itself runs with -m)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

# tests/ is not a package under pytest's import mode: load the benchmark module by path.
_spec = importlib.util.spec_from_file_location(
    "bench_ann_real", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_ann_real.py"
)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_ann_real"] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)
build_corpus, main, sampled_best, scores = bench.build_corpus, bench.main, bench.sampled_best, bench.scores


def test_corpus_normalizes_deduplicates_and_shuffles_deterministically():
    sources = {"a": ["Hello  World", "hello world", "Foo"], "b": ["FOO", "bar", ""]}
    c1, c2 = build_corpus(sources, seed=3), build_corpus(sources, seed=3)
    assert sorted(c1.texts) == ["bar", "foo", "hello world"]
    assert c1.counts == {"a": 2, "b": 1}  # "FOO" was already seen as "Foo"
    assert c1.texts == c2.texts


def test_sampled_best_is_the_max_over_strictly_earlier_rows():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((40, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    rows = np.array([1, 7, 39])
    want = [max(float(v[j] @ v[i]) for j in range(i)) for i in rows]
    assert np.allclose(sampled_best(v, rows), want, atol=1e-6)


def test_cache_question_counts_rows_below_the_lowest_threshold_as_answered():
    exact = np.array([0.95, 0.85, 0.40, 0.60], dtype=np.float32)
    found = np.array([0.95, 0.80, 0.30, 0.60], dtype=np.float32)  # misses rows 1 and 2
    s = scores(found, exact)
    assert s["recall_at_1"] == pytest.approx(0.5)
    assert s["recall_cache_question"] == pytest.approx(0.75)  # row 2's best 0.40 < 0.70: any answer is right
    assert s["recall_at_1_best_ge_0_5"] == pytest.approx(2 / 3)
    assert s["share_best_below_0_5"] == pytest.approx(0.25)
    assert s["hit_agreement_0.80"] == pytest.approx(1.0)
    assert s["hit_agreement_0.90"] == pytest.approx(1.0)


def test_missing_shared_data_is_a_one_line_exit(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["--shared-data", str(tmp_path / "nope"), "--out", str(tmp_path / "x.md")])
    assert "has no qqp/ folder; pass --shared-data DIR" in str(e.value.code)
