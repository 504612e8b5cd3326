"""The same-JSON comparison and the serial fraction that tests/benchmarks/bench_scale.py reports."""

from __future__ import annotations

import pytest

from tests.benchmarks.bench_scale import json_differences, serial_fraction


def test_json_differences_counts_numbers_and_reports_only_what_is_beyond_noise() -> None:
    a = {"x": 1.0, "y": [2.0, 3.0, {"z": "plan"}], "n": 7, "ok": True}
    same = {"x": 1.0 + 1e-13, "y": [2.0, 3.0 * (1 + 1e-11), {"z": "plan"}], "n": 7, "ok": True}
    n, diffs, rel = json_differences(a, same)
    assert n == 4 and diffs == [] and 0 < rel < 1e-9  # noise in the last digits is not a difference
    changed = {"x": 1.0, "y": [2.0, 3.0 * (1 + 1e-6), {"z": "other"}], "n": 7, "ok": True}
    n, diffs, rel = json_differences(a, changed)
    assert [d.split(":")[0] for d in diffs] == [".y[1]", ".y[2].z"]
    assert rel == pytest.approx(1e-6, rel=1e-3)
    assert json_differences(a, {**a, "extra": 1})[1] == [": keys ['extra']"]


def test_serial_fraction_is_the_drivers_share_of_all_cpu_seconds() -> None:
    driver, workers, s = serial_fraction({"cpu_s": 10.0, "embed_worker_cpu_s": 25.0, "replay_worker_cpu_s": 5.0})
    assert (driver, workers) == (10.0, 30.0) and s == pytest.approx(0.25)
