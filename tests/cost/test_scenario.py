"""The reference scenario of the seed article, and the turn-structure arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.core.config import Config
from advisor.core.errors import ConfigError, InputError
from advisor.cost.scenario import TurnStructure, conversation_tokens, cost_scenario
from advisor.cost.scenario_file import load_scenario
from advisor.prices.catalog import load_prices

SEED = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "seed_customer_service.toml"


@pytest.fixture(scope="module")
def seed() -> dict:
    return cost_scenario(load_scenario(SEED)).to_dict()


def test_seed_scenario_daily_costs_are_exact(seed):
    assert seed["input_tokens_per_day"] == 75_000_000
    assert seed["output_tokens_per_day"] == 9_000_000
    assert seed["input_cost_per_day_usd"] == 225.0
    assert seed["output_cost_per_day_usd"] == 135.0
    assert seed["api_cost_per_day_usd"] == 360.0


def test_seed_scenario_monthly_and_per_conversation_costs_are_exact(seed):
    assert seed["api_cost_per_month_usd"] == 10_800.0
    assert seed["api_cost_per_conversation_usd"] == 0.072
    assert seed["infrastructure_cost_per_conversation_usd"] == pytest.approx(0.01)
    assert seed["total_cost_per_conversation_usd"] == pytest.approx(0.082)
    assert seed["total_cost_per_day_usd"] == pytest.approx(410.0)


def test_seed_scenario_frontier_model_costs_36000_a_month(seed):
    assert seed["frontier_api_cost_per_month_usd"] == 36_000.0
    assert seed["models"]["frontier"]["api_cost_per_day_usd"] == 1200.0


def test_seed_scenario_shows_stated_and_turn_structure_tokens_side_by_side(seed):
    assert seed["stated_input_tokens_per_conversation"] == 15_000
    # 6 x (500 + 100) + (200 + 560 + 920 + 1280 + 1640 + 2000)
    assert seed["turn_structure_input_tokens_per_conversation"] == 10_200
    assert seed["turn_structure_input_tokens_per_turn"] == [800, 1160, 1520, 1880, 2240, 2600]
    assert (
        seed["stated_output_tokens_per_conversation"] == seed["turn_structure_output_tokens_per_conversation"] == 1800
    )
    assert seed["tokens_priced"] == "stated"


def test_seed_scenario_modelled_infrastructure_is_near_one_cent_per_conversation(seed):
    # Component model with documented defaults, independent of the stated 1 cent.
    assert 0.005 < seed["modelled_infrastructure_cost_per_conversation_usd"] < 0.02
    assert 0.6 <= seed["api_share"] <= 0.8


def test_pricing_the_turn_structure_instead_of_the_stated_tokens():
    d = cost_scenario(load_scenario(SEED), tokens_priced="turn structure").to_dict()
    assert d["input_cost_per_day_usd"] == pytest.approx(10_200 * 5000 * 3 / 1e6)
    assert d["api_cost_per_conversation_usd"] == pytest.approx(0.0576)


def test_conversation_tokens_grow_history_linearly():
    t = conversation_tokens(
        TurnStructure(
            turns=3,
            system_prompt_tokens=10,
            history_first_turn_tokens=0,
            history_last_turn_tokens=100,
            user_message_tokens=5,
            response_tokens=7,
        )
    )
    assert t.per_turn_input_tokens == (15.0, 65.0, 115.0)
    assert (t.input_tokens, t.output_tokens) == (195.0, 21.0)


def test_single_turn_conversation_uses_the_first_turn_history():
    t = conversation_tokens(TurnStructure(1, 10, 50, 900, 5, 7))
    assert t.per_turn_input_tokens == (65.0,)


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text)
    return p


MINIMAL = """
[scenario]
conversations_per_day = 100
[scenario.stated]
input_tokens_per_conversation = 1000
output_tokens_per_conversation = 100
[scenario.models.m]
input_per_mtok_usd = 1.0
output_per_mtok_usd = 2.0
"""


def test_without_stated_infrastructure_the_modelled_one_is_used(tmp_path):
    d = cost_scenario(load_scenario(_write(tmp_path, MINIMAL))).to_dict()
    assert d["infrastructure_basis"] == "modelled from [infrastructure]"
    assert d["infrastructure_cost_per_day_usd"] == pytest.approx(d["modelled_infrastructure_cost_per_month_usd"] / 30)
    assert d["api_cost_per_day_usd"] == pytest.approx(100 * (1000 * 1 + 100 * 2) / 1e6)
    assert d["turn_structure_input_tokens_per_conversation"] is None


def test_scenario_infrastructure_section_is_applied(tmp_path):
    d = cost_scenario(
        load_scenario(_write(tmp_path, MINIMAL + "[infrastructure]\nworker_cost_per_month_usd = 1000\n"))
    ).to_dict()
    assert d["modelled_infrastructure"]["worker_cost_per_month_usd"] == 2000.0  # min_workers = 2


def test_scenario_model_can_name_a_catalog_model(tmp_path):
    text = MINIMAL.replace(
        "[scenario.models.m]\ninput_per_mtok_usd = 1.0\noutput_per_mtok_usd = 2.0",
        '[scenario.models.mini]\nmodel = "gpt-4o-mini"\nprovider = "openai"',
    )
    prices = load_prices(Config(sections={"prices": {"as_of": "2026-11-20"}}))
    d = cost_scenario(load_scenario(_write(tmp_path, text), prices=prices)).to_dict()
    assert d["input_per_mtok_usd"] == 0.15
    assert d["price_date"] == prices.price_date


def test_missing_conversations_per_day_is_a_config_error(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"s.toml: The 'scenario.conversations_per_day' setting must be a number "
        r"\(it is required\)\. Got None instead\.",
    ):
        load_scenario(_write(tmp_path, MINIMAL.replace("conversations_per_day = 100", "")))


def test_unknown_scenario_key_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"The 'scenario.conversations_a_day' setting is unknown"):
        load_scenario(_write(tmp_path, MINIMAL.replace("conversations_per_day", "conversations_a_day")))


def test_negative_price_in_scenario_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"The 'scenario.models.m.input_per_mtok_usd' setting must be a number >= 0"):
        load_scenario(_write(tmp_path, MINIMAL.replace("input_per_mtok_usd = 1.0", "input_per_mtok_usd = -1.0")))


def test_turn_structure_pricing_without_a_structure_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"The 'scenario.tokens_priced' setting must be \"stated\" when there is no"):
        load_scenario(
            _write(
                tmp_path,
                MINIMAL.replace(
                    "conversations_per_day = 100", 'conversations_per_day = 100\ntokens_priced = "turn structure"'
                ),
            )
        )


def test_scenario_toml_syntax_error_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"s.toml: expected valid UTF-8 TOML, found a syntax error"):
        load_scenario(_write(tmp_path, "[scenario\n"))
