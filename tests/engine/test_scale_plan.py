"""The 1 B-calls-a-month capacity plan of tests/benchmarks/bench_scale.py."""

from __future__ import annotations

import pytest

from tests.benchmarks.bench_scale import capacity_plan


def test_plan_divides_the_month_by_the_measured_per_cpu_throughput():
    # 1,000 calls/s on one CPU and perfect 2-CPU scaling: 1e9 / 3.6e6 = 277.8 CPU-hours.
    plan = capacity_plan(1_000.0, 2.0, usd_per_cpu_hour=0.04, hours=24.0)
    assert plan["cpu_hours"] == pytest.approx(1e9 / 3.6e6)
    assert plan["cpus"] == pytest.approx(1e9 / 3.6e6 / 24)
    assert plan["usd"] == pytest.approx(1e9 / 3.6e6 * 0.04)


def test_imperfect_scaling_costs_more_cpu_hours():
    # 1.8x on 2 CPUs: each CPU does 90 % of the work it does alone.
    assert capacity_plan(1_000.0, 1.8, 0.04, 24.0)["cpu_hours"] == pytest.approx(1e9 / 3.6e6 / 0.9)
