"""Scenarios: a TOML description of a workload (no log) -> ScenarioResult.

A scenario states a volume (conversations per day), a conversation's turn structure and/or
its stated tokens per conversation, the models to compare, and optionally an infrastructure
cost per conversation. `cost_scenario` prices it the way the seed article does, and also
computes the tokens the turn structure implies, so a stated figure can be checked against the
structure that should produce it. See data/scenarios/seed_customer_service.toml; the file
is read by advisor.cost.scenario_file.load_scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.core.errors import ConfigError
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


# --------------------------------------------------------------------------- pricing


def _priced_tokens(sc: Scenario, implied: ConversationTokens | None, use: str) -> tuple[float, float]:
    """Input and output tokens per conversation: as stated, or as the turn structure implies."""
    if use == "stated":
        if sc.stated_input_tokens_per_conversation is None or sc.stated_output_tokens_per_conversation is None:
            raise ConfigError.setting(
                "scenario.stated", "input_tokens_per_conversation and output_tokens_per_conversation", None, sc.source
            )
        return sc.stated_input_tokens_per_conversation, sc.stated_output_tokens_per_conversation
    if implied is None:
        raise ConfigError.setting("scenario.tokens_priced", '"stated" when there is no [scenario.turn] table', use)
    return implied.input_tokens, implied.output_tokens


def cost_scenario(scenario: Scenario, tokens_priced: str | None = None) -> ScenarioResult:
    """Price a scenario: daily and monthly API cost per model, infrastructure, operations."""
    sc = scenario
    implied = conversation_tokens(sc.structure) if sc.structure is not None else None
    use = tokens_priced or sc.tokens_priced
    in_tok, out_tok = _priced_tokens(sc, implied, use)
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
