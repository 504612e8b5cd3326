"""The exported router inside LiteLLM: a custom routing strategy that sends each request to the
deployment of the model advisor's plan chooses for it.

    from litellm import Router
    from advisor.deploy.litellm_strategy import install

    llm = Router(model_list=[...])           # one deployment per model the plan uses
    install(llm, "router/")                  # from `advisor export router --out router/`
    llm.completion(model="claude-sonnet-4-5", messages=[...])   # goes where the plan says

The request's last user message is the text routed and the number of user messages its turn.
A chosen model maps to the deployment whose `model_name` is that model (or whose
`litellm_params.model` is it, with or without a provider prefix), unless `deployments` maps it
to another `model_name`. litellm is imported only when a strategy is built (pip install
advisor[litellm]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.core.errors import InputError
from advisor.deploy.router import PlanRouter, load_router


def request_text(messages: list[dict[str, Any]] | None, input: Any = None) -> tuple[str, int]:
    """(the last user message's text, the number of user messages) of a chat request; an
    embedding request's `input` when there are no messages."""
    users = [m for m in messages or [] if m.get("role") == "user"]
    if not users:
        return ("" if input is None else str(input if isinstance(input, str) else " ".join(map(str, input)))), 1
    content = users[-1].get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ("" if content is None else str(content)), len(users)


def find_deployment(model_list: list[dict[str, Any]], model: str, deployments: dict[str, str]) -> dict[str, Any]:
    """The deployment serving advisor's model name `model` (see the module docstring)."""
    wanted = deployments.get(model, model)
    for d in model_list:
        if d.get("model_name") == wanted:
            return d
    for d in model_list:
        served = str((d.get("litellm_params") or {}).get("model", ""))
        if served == model or served.endswith("/" + model):
            return d
    names = ", ".join(sorted({str(d.get("model_name")) for d in model_list}))
    raise InputError(
        f"LiteLLM router: expected a deployment for '{model}' (the model advisor's plan chose), found only "
        f"{names}. Add one to model_list or map it with deployments={{'{model}': '<model_name>'}}."
    )


def _deployments(llm_router: Any) -> list[dict[str, Any]]:
    """The router's deployments: `registry().all()` where LiteLLM renamed `model_list`."""
    registry = getattr(type(llm_router), "registry", None)
    return list(llm_router.registry().all()) if registry is not None else list(llm_router.model_list)


def strategy(llm_router: Any, plan_router: PlanRouter, deployments: dict[str, str] | None = None) -> Any:
    """A litellm CustomRoutingStrategyBase that asks `plan_router` for each request's model."""
    from litellm.types.router import CustomRoutingStrategyBase

    mapping = dict(deployments or {})

    class AdvisorPlanStrategy(CustomRoutingStrategyBase):
        def get_available_deployment(  # type: ignore[override]  # returns the deployment, as LiteLLM expects
            self,
            model: str,
            messages: list[dict[str, Any]] | None = None,
            input: Any = None,
            specific_deployment: bool | None = False,
            request_kwargs: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            text, turn = request_text(messages, input)
            chosen = plan_router.choose([text], turns=[turn])[0]
            return find_deployment(_deployments(llm_router), chosen, mapping)

        async def async_get_available_deployment(  # type: ignore[override]
            self,
            model: str,
            messages: list[dict[str, Any]] | None = None,
            input: Any = None,
            specific_deployment: bool | None = False,
            request_kwargs: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            return self.get_available_deployment(model, messages, input, specific_deployment, request_kwargs)

    return AdvisorPlanStrategy()


def install(
    llm_router: Any, router: str | Path | PlanRouter, *, embedder: Any = None, deployments: dict[str, str] | None = None
) -> Any:
    """Load the exported router (a folder, or a PlanRouter) and make it `llm_router`'s routing
    strategy; return the strategy."""
    plan_router = router if isinstance(router, PlanRouter) else load_router(router, embedder=embedder)
    custom = strategy(llm_router, plan_router, deployments)
    register = getattr(llm_router, "register_plugin", None)  # LiteLLM builds that renamed the call
    if register is not None:
        register(custom)
    else:
        llm_router.set_custom_routing_strategy(custom)
    return custom
