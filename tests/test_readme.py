"""The README's configuration example must stay valid: every section it shows is read by the
stage that owns it, with the same validation a user's file gets."""

from __future__ import annotations

import re
from pathlib import Path

from advisor.core.config import load_config, settings

ROOT = Path(__file__).resolve().parent.parent


def test_readme_configuration_example_is_a_valid_config(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "advisor.toml"
    path.write_text(block, encoding="utf-8")
    config = load_config(path)

    from advisor.analyzers.cache.settings import CacheSettings
    from advisor.analyzers.routing.settings import RoutingSettings
    from advisor.cost.infrastructure import InfrastructureSettings
    from advisor.prices.catalog import load_prices

    assert settings(config, "infrastructure", InfrastructureSettings).worker_cost_per_month_usd == 150
    assert settings(config, "cache", CacheSettings).false_hit_budget == 0.02
    assert settings(config, "routing", RoutingSettings).candidates == ("claude-haiku-4-5", "gpt-4.1-mini")
    price = load_prices(config).price("gpt-4o", "openai")
    assert (price.input_per_mtok_usd, price.output_per_mtok_usd) == (2.0, 8.0)


def test_shipped_sample_config_projects_to_the_reference_volume():
    config = load_config(ROOT / "data" / "sample" / "advisor.toml")
    assert config.section("projection")["conversations_per_day"] == 5000
