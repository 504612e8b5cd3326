"""Scenarios: a TOML description of a workload (no log) -> ScenarioResult.

A scenario states a volume (conversations per day), a conversation's turn structure and/or
its stated tokens per conversation, the models to compare, and optionally an infrastructure
cost per conversation. `cost_scenario` prices it the way the seed article does, and also
computes the tokens the turn structure implies, so a stated figure can be checked against the
structure that should produce it. See data/scenarios/seed_customer_service.toml.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError, InputError
from advisor.cost.infrastructure import (
    Demand,
    InfrastructureCost,
    InfrastructureSettings,
    OperationsCost,
    OperationsSettings,
    infrastructure_cost,
    operations_cost,
)

DAYS_PER_MONTH = 30
_MTOK = 1_000_000.0


@dataclass(frozen=True)
class TurnStructure:
    """What one conversation sends and receives, turn by turn (tokens)."""

    turns: int
    system_prompt_tokens: float
    history_first_turn_tokens: float
    history_last_turn_tokens: float
    user_message_tokens: float
    response_tokens: float


@dataclass(frozen=True)
class ConversationTokens:
    per_turn_input_tokens: tuple[float, ...]
    input_tokens: float
    output_tokens: float


def conversation_tokens(structure: TurnStructure) -> ConversationTokens:
    """Tokens of one conversation implied by its turn structure.

    Every turn sends the system prompt, the history so far and the user message, and gets
    one response. History grows linearly from its first-turn to its last-turn size.
    """
    s = structure
    if s.turns < 1:
        raise ConfigError.setting("scenario.turns_per_conversation", "an integer >= 1", s.turns)
    history = (
        np.linspace(s.history_first_turn_tokens, s.history_last_turn_tokens, s.turns)
        if s.turns > 1
        else np.array([s.history_first_turn_tokens], dtype=float)
    )
    per_turn = s.system_prompt_tokens + history + s.user_message_tokens
    return ConversationTokens(
        per_turn_input_tokens=tuple(float(x) for x in per_turn),
        input_tokens=float(per_turn.sum()),
        output_tokens=float(s.turns * s.response_tokens),
    )


@dataclass(frozen=True)
class ScenarioModel:
    name: str
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    source: str  # "scenario file" or the price catalog's source


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    conversations_per_day: float
    structure: TurnStructure | None
    stated_input_tokens_per_conversation: float | None
    stated_output_tokens_per_conversation: float | None
    stated_infrastructure_cost_per_conversation_usd: float | None
    models: tuple[ScenarioModel, ...]  # the first one is the model in use
    price_date: str
    infrastructure: InfrastructureSettings
    operations: OperationsSettings
    tokens_priced: str = "stated"  # which tokens per conversation are priced: "stated" | "turn structure"


@dataclass(frozen=True)
class ScenarioModelCost:
    model: str
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    input_cost_per_day_usd: float
    output_cost_per_day_usd: float

    @property
    def api_cost_per_day_usd(self) -> float:
        return self.input_cost_per_day_usd + self.output_cost_per_day_usd

    @property
    def api_cost_per_month_usd(self) -> float:
        return self.api_cost_per_day_usd * DAYS_PER_MONTH


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    tokens_priced: str  # "stated" or "turn structure"
    input_tokens_per_conversation: float
    output_tokens_per_conversation: float
    turn_structure: ConversationTokens | None
    by_model: tuple[ScenarioModelCost, ...]
    infrastructure_cost_per_day_usd: float
    infrastructure_basis: str  # "stated per conversation" or "modelled from [infrastructure]"
    modelled_infrastructure: InfrastructureCost
    operations: OperationsCost

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-ready figures (no rounding); the primary model's figures at the top level."""
        sc = self.scenario
        primary = self.by_model[0]
        convs = sc.conversations_per_day
        total_day = primary.api_cost_per_day_usd + self.infrastructure_cost_per_day_usd
        ops_day = self.operations.total_cost_per_month_usd / DAYS_PER_MONTH
        d: dict[str, Any] = {
            "scenario": sc.name,
            "source": sc.source,
            "price_date": sc.price_date,
            "conversations_per_day": convs,
            "turns_per_conversation": sc.structure.turns if sc.structure else None,
            "tokens_priced": self.tokens_priced,
            "input_tokens_per_conversation": self.input_tokens_per_conversation,
            "output_tokens_per_conversation": self.output_tokens_per_conversation,
            "stated_input_tokens_per_conversation": sc.stated_input_tokens_per_conversation,
            "stated_output_tokens_per_conversation": sc.stated_output_tokens_per_conversation,
            "turn_structure_input_tokens_per_conversation": self.turn_structure.input_tokens
            if self.turn_structure
            else None,
            "turn_structure_output_tokens_per_conversation": self.turn_structure.output_tokens
            if self.turn_structure
            else None,
            "turn_structure_input_tokens_per_turn": list(self.turn_structure.per_turn_input_tokens)
            if self.turn_structure
            else None,
            "input_tokens_per_day": self.input_tokens_per_conversation * convs,
            "output_tokens_per_day": self.output_tokens_per_conversation * convs,
            "model": primary.model,
            "input_per_mtok_usd": primary.input_per_mtok_usd,
            "output_per_mtok_usd": primary.output_per_mtok_usd,
            "input_cost_per_day_usd": primary.input_cost_per_day_usd,
            "output_cost_per_day_usd": primary.output_cost_per_day_usd,
            "api_cost_per_day_usd": primary.api_cost_per_day_usd,
            "api_cost_per_month_usd": primary.api_cost_per_month_usd,
            # Divide daily totals, as the article does: 360 / 5,000 = 0.072 exactly.
            "api_cost_per_conversation_usd": primary.api_cost_per_day_usd / convs,
            "infrastructure_basis": self.infrastructure_basis,
            "infrastructure_cost_per_day_usd": self.infrastructure_cost_per_day_usd,
            "infrastructure_cost_per_conversation_usd": self.infrastructure_cost_per_day_usd / convs,
            "total_cost_per_day_usd": total_day,
            "total_cost_per_month_usd": total_day * DAYS_PER_MONTH,
            "total_cost_per_conversation_usd": total_day / convs,
            "modelled_infrastructure_cost_per_month_usd": self.modelled_infrastructure.total_cost_per_month_usd,
            "modelled_infrastructure_cost_per_conversation_usd": self.modelled_infrastructure.total_cost_per_month_usd
            / DAYS_PER_MONTH
            / convs,
            "modelled_infrastructure": self.modelled_infrastructure.to_dict(),
            "operations_cost_per_month_usd": self.operations.total_cost_per_month_usd,
            "operations": self.operations.to_dict(),
            "total_with_operations_cost_per_month_usd": (total_day + ops_day) * DAYS_PER_MONTH,
            "api_share": primary.api_cost_per_day_usd / (total_day + ops_day),
            "models": {},
        }
        if self.turn_structure is not None:
            d["turn_structure_api_cost_per_conversation_usd"] = (
                self.turn_structure.input_tokens * primary.input_per_mtok_usd
                + self.turn_structure.output_tokens * primary.output_per_mtok_usd
            ) / _MTOK
        for m in self.by_model:
            d["models"][m.model] = {
                "input_per_mtok_usd": m.input_per_mtok_usd,
                "output_per_mtok_usd": m.output_per_mtok_usd,
                "input_cost_per_day_usd": m.input_cost_per_day_usd,
                "output_cost_per_day_usd": m.output_cost_per_day_usd,
                "api_cost_per_day_usd": m.api_cost_per_day_usd,
                "api_cost_per_month_usd": m.api_cost_per_month_usd,
                "api_cost_per_conversation_usd": m.api_cost_per_day_usd / convs,
            }
            if m is not primary:
                d[f"{m.model}_api_cost_per_month_usd"] = m.api_cost_per_month_usd
        return d


# --------------------------------------------------------------------------- reading


def _num(table: dict, key: str, where: str, *, required: bool = False, positive: bool = False) -> float | None:
    v = table.get(key)
    if v is None:
        if required:
            raise ConfigError.setting(f"{where}.{key}", "a number (it is required)", None)
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (positive and v == 0):
        raise ConfigError.setting(f"{where}.{key}", "a number > 0" if positive else "a number >= 0", v)
    return float(v)


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
    sc = (
        _check_keys(
            raw.get("scenario"),
            (
                "name",
                "conversations_per_day",
                "turns_per_conversation",
                "price_date",
                "tokens_priced",
                "turn",
                "stated",
                "models",
            ),
            "scenario",
            src,
        )
        if "scenario" in raw
        else None
    )
    if sc is None:
        raise ConfigError.setting("scenario", "a [scenario] table", None, src)
    convs = _num(sc, "conversations_per_day", "scenario", required=True, positive=True)
    turns = sc.get("turns_per_conversation")
    structure = None
    if "turn" in sc:
        if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
            raise ConfigError.setting("scenario.turns_per_conversation", "an integer >= 1", turns)
        t = _check_keys(
            sc["turn"],
            (
                "system_prompt_tokens",
                "history_first_turn_tokens",
                "history_last_turn_tokens",
                "user_message_tokens",
                "response_tokens",
            ),
            "scenario.turn",
            src,
        )
        structure = TurnStructure(
            turns=turns,
            **{
                k: _num(t, k, "scenario.turn", required=True)
                for k in (
                    "system_prompt_tokens",
                    "history_first_turn_tokens",
                    "history_last_turn_tokens",
                    "user_message_tokens",
                    "response_tokens",
                )
            },
        )
    stated = _check_keys(
        sc.get("stated", {}),
        ("input_tokens_per_conversation", "output_tokens_per_conversation", "infrastructure_cost_per_conversation_usd"),
        "scenario.stated",
        src,
    )
    if structure is None and (
        "input_tokens_per_conversation" not in stated or "output_tokens_per_conversation" not in stated
    ):
        raise ConfigError.setting(
            "scenario.stated",
            "input_tokens_per_conversation and output_tokens_per_conversation (or a [scenario.turn] structure)",
            stated,
        )
    models_raw = sc.get("models")
    if not isinstance(models_raw, dict) or not models_raw:
        raise ConfigError.setting("scenario.models", "at least one [scenario.models.<name>] table", models_raw)
    models = []
    price_date = str(sc.get("price_date", ""))
    for name, m in models_raw.items():
        m = _check_keys(
            m, ("input_per_mtok_usd", "output_per_mtok_usd", "model", "provider"), f"scenario.models.{name}", src
        )
        if "model" in m:
            if prices is None:
                raise ConfigError.setting(f"scenario.models.{name}.model", "used with a price catalog", m["model"])
            mp = prices.price(str(m["model"]), m.get("provider"), file=src)
            models.append(ScenarioModel(name, mp.input_per_mtok_usd, mp.output_per_mtok_usd, mp.source))
            price_date = price_date or prices.price_date
        else:
            where = f"scenario.models.{name}"
            models.append(
                ScenarioModel(
                    name,
                    _num(m, "input_per_mtok_usd", where, required=True),
                    _num(m, "output_per_mtok_usd", where, required=True),
                    "scenario file",
                )
            )
    tokens_priced = sc.get("tokens_priced", "stated" if "input_tokens_per_conversation" in stated else "turn structure")
    if tokens_priced not in ("stated", "turn structure"):
        raise ConfigError.setting("scenario.tokens_priced", '"stated" or "turn structure"', tokens_priced)
    if tokens_priced == "stated" and (
        "input_tokens_per_conversation" not in stated or "output_tokens_per_conversation" not in stated
    ):
        raise ConfigError.setting(
            "scenario.stated",
            'input_tokens_per_conversation and output_tokens_per_conversation when tokens_priced = "stated"',
            stated,
        )
    if tokens_priced == "turn structure" and structure is None:
        raise ConfigError.setting(
            "scenario.tokens_priced", '"stated" when there is no [scenario.turn] table', tokens_priced
        )
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
        models=tuple(models),
        price_date=price_date or "not stated",
        infrastructure=settings(cfg, "infrastructure", InfrastructureSettings),
        operations=settings(cfg, "operations", OperationsSettings),
        tokens_priced=tokens_priced,
    )


# --------------------------------------------------------------------------- pricing


def cost_scenario(scenario: Scenario, tokens_priced: str | None = None) -> ScenarioResult:
    """Price a scenario: daily and monthly API cost per model, infrastructure, operations."""
    sc = scenario
    implied = conversation_tokens(sc.structure) if sc.structure is not None else None
    use = tokens_priced or sc.tokens_priced
    if use == "stated":
        in_tok, out_tok = sc.stated_input_tokens_per_conversation, sc.stated_output_tokens_per_conversation
    else:
        in_tok, out_tok = implied.input_tokens, implied.output_tokens
    in_day, out_day = in_tok * sc.conversations_per_day, out_tok * sc.conversations_per_day
    by_model = tuple(
        ScenarioModelCost(
            model=m.name,
            input_per_mtok_usd=m.input_per_mtok_usd,
            output_per_mtok_usd=m.output_per_mtok_usd,
            input_cost_per_day_usd=in_day * m.input_per_mtok_usd / _MTOK,
            output_cost_per_day_usd=out_day * m.output_per_mtok_usd / _MTOK,
        )
        for m in sc.models
    )

    turns = sc.structure.turns if sc.structure is not None else 1
    convs_pm = sc.conversations_per_day * DAYS_PER_MONTH
    ratio = sc.infrastructure.peak_to_mean_ratio
    demand = Demand(
        calls_per_month=convs_pm * turns,
        conversations_per_month=convs_pm,
        peak_calls_per_hour=convs_pm * turns / (24 * DAYS_PER_MONTH) * ratio,
        peak_conversations_per_hour=convs_pm / (24 * DAYS_PER_MONTH) * ratio,
    )
    modelled = infrastructure_cost(demand, sc.infrastructure)
    if sc.stated_infrastructure_cost_per_conversation_usd is not None:
        infra_day = sc.stated_infrastructure_cost_per_conversation_usd * sc.conversations_per_day
        basis = "stated per conversation"
    else:
        infra_day = modelled.total_cost_per_month_usd / DAYS_PER_MONTH
        basis = "modelled from [infrastructure]"
    return ScenarioResult(
        scenario=sc,
        tokens_priced=use,
        input_tokens_per_conversation=in_tok,
        output_tokens_per_conversation=out_tok,
        turn_structure=implied,
        by_model=by_model,
        infrastructure_cost_per_day_usd=infra_day,
        infrastructure_basis=basis,
        modelled_infrastructure=modelled,
        operations=operations_cost(demand, sc.operations),
    )
