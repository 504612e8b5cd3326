"""The cost model's provenance and defaults agree with docs/configuration.md (issue #22)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from advisor.core.config import Config
from advisor.core.provenance import ASSUMED, CONFIGURED, Provenance, setting_provenance
from advisor.cost.defaults import SOURCES, defaults_in_use
from advisor.recommend.assumptions import flag_assumed
from advisor.recommend.common import Recommendation

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_default_source_is_the_one_docs_configuration_md_gives():
    text = DOCS.read_text(encoding="utf-8")
    for key, source in SOURCES.items():
        section, name = key.split(".", 1)
        if section not in ("infrastructure", "operations"):
            continue  # [capacity] and [optimizer] are documented in their analyzers' docs
        rows = [line for line in text.splitlines() if re.search(rf"`{name}`", line) and line.startswith("|")]
        assert rows, f"{key} is not documented in docs/configuration.md"
        # The docs row may say more; the short source must be a part of what it says.
        assert any(source.split(" (")[0].split(";")[0] in row for row in rows), (key, source)


def test_defaults_in_use_reports_this_runs_values():
    config = Config().with_section("infrastructure", worker_cost_per_month_usd=90.0)
    rows = {r["setting"]: r for r in defaults_in_use(config, ["infrastructure.worker_cost_per_month_usd"])}
    assert rows["infrastructure.worker_cost_per_month_usd"]["value"] == 90.0


def test_a_setting_is_configured_only_when_every_part_is_given():
    assert setting_provenance("s", ["a", "b"], {"a": 1}).kind == ASSUMED
    assert setting_provenance("s", ["a", "b"], {"a": 1}).defaults == ("s.b",)
    assert setting_provenance("s", ["a", "b"], {"a": 1, "b": 2}).kind == CONFIGURED


def _rec(lever: str, confidence: str) -> Recommendation:
    return Recommendation(1, lever, "t", 100.0, (90.0, 110.0), "x", "none", "low", (), confidence)


def test_advice_resting_on_default_worker_prices_says_so_and_loses_a_step_of_confidence():
    worker = Provenance(
        ASSUMED,
        ("infrastructure.worker_cost_per_month_usd", "infrastructure.min_workers"),
        defaults=("infrastructure.worker_cost_per_month_usd", "infrastructure.min_workers"),
    )
    baseline = SimpleNamespace(provenance={"infrastructure.worker_cost_per_month_usd": worker})
    capacity, routing = flag_assumed([_rec("capacity", "high"), _rec("routing", "high")], baseline)
    assert capacity.confidence == "medium"
    assert capacity.prerequisites == (
        "set [infrastructure] worker_cost_per_month_usd to your own figures: this saving rests on advisor's defaults for them",
    )
    assert routing.confidence == "high" and routing.prerequisites == ()


def test_advice_on_the_users_own_worker_price_is_left_alone():
    worker = Provenance(CONFIGURED, ("infrastructure.worker_cost_per_month_usd",))
    baseline = SimpleNamespace(provenance={"infrastructure.worker_cost_per_month_usd": worker})
    (capacity,) = flag_assumed([_rec("capacity", "high")], baseline)
    assert capacity.confidence == "high" and capacity.prerequisites == ()
