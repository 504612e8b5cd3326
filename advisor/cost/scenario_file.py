"""Scenario TOML file -> Scenario (validated; models by explicit prices or by catalog name).

Every unknown key, missing table or out-of-range number is a ConfigError naming the file
and the setting. Pricing the scenario is advisor.cost.scenario.cost_scenario.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError, InputError
from advisor.cost.infrastructure import InfrastructureSettings, OperationsSettings
from advisor.cost.scenario import Scenario, ScenarioModel, TurnStructure

_SCENARIO_KEYS = (
    "name",
    "conversations_per_day",
    "turns_per_conversation",
    "price_date",
    "tokens_priced",
    "turn",
    "stated",
    "models",
)
# In TurnStructure's field order after `turns`.
_TURN_KEYS = (
    "system_prompt_tokens",
    "history_first_turn_tokens",
    "history_last_turn_tokens",
    "user_message_tokens",
    "response_tokens",
)
_STATED_KEYS = (
    "input_tokens_per_conversation",
    "output_tokens_per_conversation",
    "infrastructure_cost_per_conversation_usd",
)


def _num(table: dict, key: str, where: str, *, required: bool = False, positive: bool = False) -> float | None:
    v = table.get(key)
    if v is None:
        if required:
            raise ConfigError.setting(f"{where}.{key}", "a number (it is required)", None)
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (positive and v == 0):
        raise ConfigError.setting(f"{where}.{key}", "a number > 0" if positive else "a number >= 0", v)
    return float(v)


def _required_num(table: dict, key: str, where: str, *, positive: bool = False) -> float:
    value = _num(table, key, where, required=True, positive=positive)
    assert value is not None  # required=True raises instead of returning None
    return value


def _check_keys(table: Any, allowed: tuple[str, ...], where: str, source: str) -> dict:
    if not isinstance(table, dict):
        raise ConfigError.setting(where, "a table", table, source)
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        name = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(f"{source}: The '{name}' setting is unknown. Known settings: {', '.join(allowed)}.")
    return table


def load_scenario(path: str | Path, prices=None) -> Scenario:
    """Read and validate a scenario TOML file. `prices` (a PriceCatalog) resolves models given
    by catalog name (`model = ..., provider = ...`) instead of by explicit prices."""
    p = Path(path)
    src = str(p)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.at(
            src, expected="a scenario TOML file", found="no such file", fix="Check the path given to --scenario."
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError.at(
            src,
            expected="valid UTF-8 TOML",
            found=f"a syntax error ({exc})",
            fix="Fix the file (see data/scenarios/seed_customer_service.toml).",
        ) from None
    try:
        return _parse(raw, src, prices)
    except ConfigError as exc:
        msg = str(exc)
        raise ConfigError(msg if msg.startswith(src) else f"{src}: {msg}") from None


def _parse(raw: dict, src: str, prices) -> Scenario:
    _check_keys(raw, ("scenario", "infrastructure", "operations"), "", src)
    if "scenario" not in raw:
        raise ConfigError.setting("scenario", "a [scenario] table", None, src)
    sc = _check_keys(raw.get("scenario"), _SCENARIO_KEYS, "scenario", src)
    convs = _required_num(sc, "conversations_per_day", "scenario", positive=True)
    structure = _turn_structure(sc, src) if "turn" in sc else None
    stated = _check_keys(sc.get("stated", {}), _STATED_KEYS, "scenario.stated", src)
    if structure is None and not _states_tokens(stated):
        raise ConfigError.setting(
            "scenario.stated",
            "input_tokens_per_conversation and output_tokens_per_conversation (or a [scenario.turn] structure)",
            stated,
        )
    models, price_date = _models(sc, src, prices)
    tokens_priced = _tokens_priced(sc, stated, structure)
    cfg = Config(sections={k: raw.get(k, {}) for k in ("infrastructure", "operations")}, source=src)
    return Scenario(
        name=str(sc.get("name", Path(src).stem)),
        source=src,
        conversations_per_day=convs,
        structure=structure,
        stated_input_tokens_per_conversation=_num(stated, "input_tokens_per_conversation", "scenario.stated"),
        stated_output_tokens_per_conversation=_num(stated, "output_tokens_per_conversation", "scenario.stated"),
        stated_infrastructure_cost_per_conversation_usd=_num(
            stated, "infrastructure_cost_per_conversation_usd", "scenario.stated"
        ),
        models=models,
        price_date=price_date or "not stated",
        infrastructure=settings(cfg, "infrastructure", InfrastructureSettings),
        operations=settings(cfg, "operations", OperationsSettings),
        tokens_priced=tokens_priced,
    )


def _states_tokens(stated: dict) -> bool:
    return "input_tokens_per_conversation" in stated and "output_tokens_per_conversation" in stated


def _turn_structure(sc: dict, src: str) -> TurnStructure:
    turns = sc.get("turns_per_conversation")
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise ConfigError.setting("scenario.turns_per_conversation", "an integer >= 1", turns)
    t = _check_keys(sc["turn"], _TURN_KEYS, "scenario.turn", src)
    return TurnStructure(turns, *(_required_num(t, k, "scenario.turn") for k in _TURN_KEYS))


def _models(sc: dict, src: str, prices) -> tuple[tuple[ScenarioModel, ...], str]:
    """The models to compare (explicit prices, or a catalog name) and the price date."""
    models_raw = sc.get("models")
    if not isinstance(models_raw, dict) or not models_raw:
        raise ConfigError.setting("scenario.models", "at least one [scenario.models.<name>] table", models_raw)
    models = []
    price_date = str(sc.get("price_date", ""))
    for name, table in models_raw.items():
        where = f"scenario.models.{name}"
        m = _check_keys(table, ("input_per_mtok_usd", "output_per_mtok_usd", "model", "provider"), where, src)
        if "model" in m:
            if prices is None:
                raise ConfigError.setting(f"{where}.model", "used with a price catalog", m["model"])
            mp = prices.price(str(m["model"]), m.get("provider"), file=src)
            models.append(ScenarioModel(name, mp.input_per_mtok_usd, mp.output_per_mtok_usd, mp.source))
            price_date = price_date or prices.price_date
        else:
            models.append(
                ScenarioModel(
                    name,
                    _required_num(m, "input_per_mtok_usd", where),
                    _required_num(m, "output_per_mtok_usd", where),
                    "scenario file",
                )
            )
    return tuple(models), price_date


def _tokens_priced(sc: dict, stated: dict, structure: TurnStructure | None) -> str:
    tokens_priced = sc.get("tokens_priced", "stated" if "input_tokens_per_conversation" in stated else "turn structure")
    if tokens_priced not in ("stated", "turn structure"):
        raise ConfigError.setting("scenario.tokens_priced", '"stated" or "turn structure"', tokens_priced)
    if tokens_priced == "stated" and not _states_tokens(stated):
        raise ConfigError.setting(
            "scenario.stated",
            'input_tokens_per_conversation and output_tokens_per_conversation when tokens_priced = "stated"',
            stated,
        )
    if tokens_priced == "turn structure" and structure is None:
        raise ConfigError.setting(
            "scenario.tokens_priced", '"stated" when there is no [scenario.turn] table', tokens_priced
        )
    return tokens_priced
