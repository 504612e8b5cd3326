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

from advisor.result.litellm_providers import PROMPT_CACHING, litellm_params
from advisor.result.view import findings, get_path

EMBEDDING_MODEL_NAME = "advisor-cache-embedding"
CANNOT = "LiteLLM cannot express: "  # notes that start so are listed first and by the CLI
# LiteLLM's per-request switch for a cache in `mode: default_off` (proxy caching docs).
PER_REQUEST_CACHE = 'send `cache: {"use-cache": true}` in the request body (extra_body) of first-turn calls only'
PROMPT_CACHE_POINTS = [{"location": "message", "role": "system"}]


def _deployment(
    group: str, model: str, provider: str | None, weight: float | None, notes: list[str], prompt_cache: bool
) -> dict[str, Any]:
    params, note = litellm_params(model, provider)
    if note and note not in notes:
        notes.append(note)
    if weight is not None:
        params["weight"] = round(float(weight), 4)
    if prompt_cache and (provider or "") in PROMPT_CACHING:
        params["cache_control_injection_points"] = PROMPT_CACHE_POINTS
    return {"model_name": group, "litellm_params": params}


def batch_shares(result: dict[str, Any]) -> dict[str, float]:
    """Per current model: the share of its calls the plan sends to a batch API."""
    batch: dict[str, float] = {}
    totals: dict[str, float] = {}
    for seg in get_path(result, "plan", "segments", default=[]) or []:
        if not isinstance(seg, dict) or not isinstance(seg.get("call_share"), (int, float)):
            continue
        current = str(seg.get("current_model"))
        totals[current] = totals.get(current, 0.0) + float(seg["call_share"])
        part = sum(float(sh.get("batch_share") or 0.0) for sh in seg.get("shares") or [])
        batch[current] = batch.get(current, 0.0) + float(seg["call_share"]) * part
    return {m: batch[m] / totals[m] for m in batch if totals[m] > 0 and batch[m] > 0}


def routed_shares(result: dict[str, Any]) -> dict[str, dict[str, tuple[float, str]]]:
    """Per current model: {model: (share of that model's real-time calls, provider)} from plan.segments.

    A segment's calls are weighted by its call_share. Only real-time calls go through the
    router: the plan's batch share is sent to a batch API, which a router weight cannot say.
    """
    groups: dict[str, dict[str, float]] = {}
    totals: dict[str, float] = {}
    providers: dict[str, str] = {}
    for seg in get_path(result, "plan", "segments", default=[]) or []:
        if not isinstance(seg, dict) or not isinstance(seg.get("call_share"), (int, float)):
            continue
        current = str(seg.get("current_model"))
        for share in seg.get("shares") or []:
            part = float(share.get("realtime_share") or 0.0)
            totals[current] = totals.get(current, 0.0) + float(seg["call_share"]) * part
            model = str(share.get("model"))
            providers[model] = str(share.get("provider") or "")
            groups.setdefault(current, {})
            groups[current][model] = groups[current].get(model, 0.0) + float(seg["call_share"]) * part
    return {
        current: {m: (v / totals[current], providers.get(m, "")) for m, v in models.items() if v > 0}
        for current, models in groups.items()
        if totals[current] > 0
    }


def _prompt_caching(result: dict[str, Any]) -> bool:
    """Does the advice include provider prompt caching (the prompt analyzer's recommendation)?"""
    found = findings(result, "prompt") or {}
    return found.get("recommended") == "prompt_caching" and float(found.get("monthly_savings_usd") or 0) > 0


def _model_list(result: dict[str, Any], notes: list[str]) -> list[dict[str, Any]]:
    current = [m for m in get_path(result, "baseline", "by_model", default=[]) or [] if isinstance(m, dict)]
    shares, batch = routed_shares(result), batch_shares(result)
    prompt_cache = _prompt_caching(result)
    model_list, split = [], False
    for entry in current:
        name, provider = str(entry.get("model")), entry.get("provider")
        group = shares.get(name) or {}
        if any(model != name for model in group):
            split = True
            for model, (share, model_provider) in sorted(group.items(), key=lambda kv: (kv[0] != name, kv[0])):
                model_list.append(_deployment(name, model, model_provider or provider, share, notes, prompt_cache))
        else:
            model_list.append(_deployment(name, name, provider, None, notes, prompt_cache))
        if name in batch:
            notes.append(
                f"{CANNOT}the plan sends {batch[name]:.0%} of {name}'s calls to a batch API; a router "
                "cannot. Submit those calls through LiteLLM's /v1/batches (files + batches endpoints)."
            )
    if split:
        notes.append(
            f"{CANNOT}which calls go to which model (the plan routes per segment). The weights are the "
            "plan's shares of each model's real-time calls and simple-shuffle splits at random: put "
            "the advisor router in front to route the right calls."
        )
    elif get_path(result, "plan"):
        notes.append("The plan routes no traffic to a cheaper model.")
    if prompt_cache:
        notes.append(
            "Prompt caching: cache_control_injection_points mark the system message on Anthropic, "
            "Bedrock and Gemini deployments; OpenAI caches prompts by itself."
        )
    return model_list


def litellm_config(result: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(config dict, notes for the file header; those starting with CANNOT are the plan's parts
    LiteLLM cannot express)."""
    notes: list[str] = []
    if not get_path(result, "plan"):
        notes.append("The run has no plan: the model list keeps today's models, with no routing split.")
    model_list = _model_list(result, notes)
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
                    "api_key": "os.environ/ADVISOR_EMBEDDING_API_KEY",
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
    model = str(found.get("embedding_model") or "sentence-transformers/all-MiniLM-L6-v2")
    model = model.split(":", 1)[-1]  # "onnx-int8:all-minilm-l6-v2": the model, not the runtime
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
    if "ttl_s" not in found:
        notes.append("The result does not record the cache TTL it was priced with; LiteLLM's default applies.")
    elif found["ttl_s"] is None:
        notes.append("Entries never expire, as priced (no ttl).")
    else:
        params["ttl"] = int(found["ttl_s"]) if float(found["ttl_s"]).is_integer() else found["ttl_s"]
    if found.get("first_turns_only", True):
        params["mode"] = "default_off"
        notes.append(f"The cache was priced on first turns only: it is off by default; {PER_REQUEST_CACHE}.")
    scope = found.get("text_scope") or "the user's last message (query)"
    notes.append(
        f"{CANNOT}the cache key text. Advisor matched {scope}; LiteLLM's semantic cache embeds "
        "every message of the request, so hits can differ from the priced ones."
    )
    return params


def litellm_yaml(result: dict[str, Any]) -> str:
    """The config as YAML, headed by what LiteLLM cannot express, then the other notes."""
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
    limits = [n for n in notes if n.startswith(CANNOT)]
    header += [f"# {note}" for note in limits] + [f"# {note}" for note in notes if note not in limits]
    return "\n".join(header) + "\n" + yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def litellm_limits(result: dict[str, Any]) -> list[str]:
    """The parts of the plan LiteLLM cannot express (printed by `advisor export litellm`)."""
    return [n for n in litellm_config(result)[1] if n.startswith(CANNOT)]


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
