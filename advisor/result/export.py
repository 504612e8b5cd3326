"""Deployable outputs: stored result dict -> LiteLLM proxy config (YAML) or the plan (JSON).

The LiteLLM config follows the proxy's documented config.yaml fields (docs.litellm.ai/docs/
proxy/configs and proxy/caching_settings): `model_list` entries of `model_name` +
`litellm_params` (`model: provider/name`, `api_key: os.environ/...`, `weight`),
`router_settings.routing_strategy: simple-shuffle` (which picks deployments of one model
name in proportion to `weight`), and `litellm_settings.cache` + `cache_params` (`type:
redis-semantic`, `similarity_threshold`, `ttl`, `redis_semantic_cache_embedding_model`).

LiteLLM's weighted shuffle splits traffic at random; the plan's per-segment routing needs a
request classifier in front of it, which the header of the file says. The share per model
comes from the plan's segments; without a plan the config keeps today's models only and says so.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.result.view import findings, get_path

PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GEMINI_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "cohere": "COHERE_API_KEY",
    "together": "TOGETHERAI_API_KEY",
}
# LiteLLM's provider prefixes where they differ from genai-prices' provider ids.
LITELLM_PREFIX = {"google": "gemini"}
EMBEDDING_MODEL_NAME = "advisor-cache-embedding"


def _deployment(group: str, model: str, provider: str | None, weight: float | None) -> dict[str, Any]:
    prefix = LITELLM_PREFIX.get(provider or "", provider or "")
    params: dict[str, Any] = {"model": f"{prefix}/{model}" if prefix and prefix != "unknown" else model}
    key = PROVIDER_KEYS.get(provider or "")
    if key:
        params["api_key"] = f"os.environ/{key}"
    if weight is not None:
        params["weight"] = round(float(weight), 4)
    return {"model_name": group, "litellm_params": params}


def routed_shares(result: dict[str, Any]) -> dict[str, dict[str, tuple[float, str]]]:
    """Per current model: {model: (share of that model's calls in the plan, provider)} from plan.segments.

    A segment's calls are weighted by its call_share; real-time and batch calls to the same
    model go to the same deployment (the batch API is a separate integration).
    """
    groups: dict[str, dict[str, float]] = {}
    totals: dict[str, float] = {}
    providers: dict[str, str] = {}
    for seg in get_path(result, "plan", "segments", default=[]) or []:
        if not isinstance(seg, dict) or not isinstance(seg.get("call_share"), (int, float)):
            continue
        current = str(seg.get("current_model"))
        totals[current] = totals.get(current, 0.0) + float(seg["call_share"])
        for share in seg.get("shares") or []:
            part = float(share.get("realtime_share") or 0.0) + float(share.get("batch_share") or 0.0)
            model = str(share.get("model"))
            providers[model] = str(share.get("provider") or "")
            groups.setdefault(current, {})
            groups[current][model] = groups[current].get(model, 0.0) + float(seg["call_share"]) * part
    return {
        current: {m: (v / totals[current], providers.get(m, "")) for m, v in models.items() if v > 0}
        for current, models in groups.items()
        if totals[current] > 0
    }


def litellm_config(result: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(config dict, notes for the file header)."""
    notes: list[str] = []
    current = [m for m in get_path(result, "baseline", "by_model", default=[]) or [] if isinstance(m, dict)]
    shares = routed_shares(result)
    if not get_path(result, "plan"):
        notes.append("The run has no plan: the model list keeps today's models, with no routing split.")
    model_list = []
    split = False
    for entry in current:
        name, provider = str(entry.get("model")), entry.get("provider")
        group = shares.get(name) or {}
        if any(model != name for model in group):
            split = True
            for model, (share, model_provider) in sorted(group.items(), key=lambda kv: (kv[0] != name, kv[0])):
                model_list.append(_deployment(name, model, model_provider or provider, share))
        else:
            model_list.append(_deployment(name, name, provider, None))
    if split:
        notes.append(
            "Weights are the plan's shares of each model's calls; LiteLLM's simple-shuffle splits at "
            "random, so put the advisor router (per-segment routing) in front to route the right calls."
        )
    elif get_path(result, "plan"):
        notes.append("The plan routes no traffic to a cheaper model.")
    config: dict[str, Any] = {
        "model_list": model_list,
        "router_settings": {"routing_strategy": "simple-shuffle", "num_retries": 2},
    }
    cache = _cache_settings(result, notes)
    if cache is not None:
        model_list.append(
            {
                "model_name": EMBEDDING_MODEL_NAME,
                "litellm_params": {
                    "model": f"openai/{cache.pop('_embedding_model')}",
                    "api_base": "os.environ/ADVISOR_EMBEDDING_API_BASE",
                },
            }
        )
        config["litellm_settings"] = {"cache": True, "cache_params": cache}
    return config, notes


def _cache_settings(result: dict[str, Any], notes: list[str]) -> dict[str, Any] | None:
    plan = get_path(result, "plan", default={}) or {}
    found = findings(result, "cache") or {}
    # The plan decides; without a plan, the cache analyzer's chosen threshold is the advice.
    threshold = plan.get("cache_threshold") if "cache_threshold" in plan else found.get("chosen_threshold")
    if threshold is None:
        notes.append("The plan does not enable a semantic cache.")
        return None
    ttl = found.get("ttl_s")
    model = found.get("embedding_model") or "sentence-transformers/all-MiniLM-L6-v2"
    if "/" not in model:
        model = f"sentence-transformers/{model}"
    notes.append(
        f"The similarity threshold was calibrated with {model}; serve that same model at "
        "ADVISOR_EMBEDDING_API_BASE (an OpenAI-compatible embeddings server) or recalibrate."
    )
    params: dict[str, Any] = {
        "type": "redis-semantic",
        "host": "os.environ/REDIS_HOST",
        "port": "os.environ/REDIS_PORT",
        "password": "os.environ/REDIS_PASSWORD",
        "similarity_threshold": threshold,
        "redis_semantic_cache_embedding_model": EMBEDDING_MODEL_NAME,
        "_embedding_model": model,
    }
    if ttl is not None:
        params["ttl"] = ttl
    else:
        notes.append("No cache TTL in the result; LiteLLM's default applies.")
    return params


def litellm_yaml(result: dict[str, Any]) -> str:
    import yaml

    config, notes = litellm_config(result)
    run = get_path(result, "run", "id")
    source = f" from run {run}" if run is not None else ""
    header = [
        (
            f"# LiteLLM proxy config written by advisor {result.get('advisor_version', '')}{source}; "
            f"prices as of {result.get('price_date')}."
        )
    ]
    header += [f"# {note}" for note in notes]
    return "\n".join(header) + "\n" + yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def plan_json(result: dict[str, Any]) -> str:
    """The plan and its ranked recommendations, with what identifies the run they came from."""
    payload = {
        key: result.get(key)
        for key in (
            "schema_version",
            "advisor_version",
            "config_hash",
            "input_hash",
            "price_date",
            "run",
            "plan",
            "recommendations",
        )
    }
    return json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n"
