"""Every exported LiteLLM config loads in the real LiteLLM (no network), for each plan shape
and each provider family genai-prices knows; the loaded router splits traffic as the plan says.

Needs the optional extra `litellm` (pip install -e ".[litellm]"); skipped without it.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of LiteLLM's price map
litellm = pytest.importorskip(
    "litellm", reason="litellm is not installed (optional extra: pip install -e '.[litellm]')"
)

from advisor.prices.genai import snapshot  # noqa: E402
from advisor.result.export import CANNOT, litellm_config, litellm_limits, litellm_yaml, routed_shares  # noqa: E402
from advisor.result.litellm_providers import PROVIDERS  # noqa: E402

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROVIDER_IDS = sorted(p.id for p in snapshot().providers)


def _result() -> dict:
    return json.loads((FIXTURES / "result_v1.json").read_text())


def _at_provider(result: dict, provider: str) -> dict:
    result = copy.deepcopy(result)
    for m in result["baseline"]["by_model"]:
        m["provider"] = provider
    for seg in (result.get("plan") or {}).get("segments", []):
        for share in seg["shares"]:
            share["provider"] = provider
    return result


def _shape(result: dict, shape: str) -> dict:
    """The fixture plan reshaped to use one lever (routing + cache is the fixture itself)."""
    result = copy.deepcopy(result)
    if shape == "no plan":
        result["plan"] = None
        result["findings"].pop("cache", None)
    elif shape == "batch":
        for seg in result["plan"]["segments"]:
            for share in seg["shares"]:
                share["batch_share"], share["realtime_share"] = share["realtime_share"] / 2, share["realtime_share"] / 2
    elif shape == "prompt caching":
        result["findings"]["prompt"] = {"recommended": "prompt_caching", "monthly_savings_usd": 10.0}
    elif shape == "cache without expiry, every turn":
        result["findings"]["cache"].update(ttl_s=None, first_turns_only=False)
    return result


def _router(config: dict):
    return litellm.Router(model_list=config["model_list"], **config.get("router_settings", {}))


SHAPES = ["routing + cache", "no plan", "batch", "prompt caching", "cache without expiry, every turn"]


@pytest.mark.parametrize("provider", PROVIDER_IDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_every_export_loads_in_litellm_router(provider, shape):
    text = litellm_yaml(_at_provider(_shape(_result(), shape), provider))
    config = yaml.safe_load(text)
    router = _router(config)
    assert len(router.model_list) == len(config["model_list"])
    for d in config["model_list"]:
        model = d["litellm_params"]["model"]
        prefix = model.split("/", 1)[0]
        assert prefix in {str(getattr(p, "value", p)) for p in litellm.provider_list}, model


def test_every_prefix_in_the_table_is_a_litellm_provider():
    known = {str(getattr(p, "value", p)) for p in litellm.provider_list}
    assert {prefix for prefix, _ in PROVIDERS.values()} <= known


def test_what_litellm_cannot_express_heads_the_file():
    result = _shape(_result(), "batch")
    text = litellm_yaml(result)
    limits = litellm_limits(result)
    assert any("batch API" in line for line in limits) and any("routes per segment" in line for line in limits)
    comment_lines = [line for line in text.splitlines() if line.startswith("#")]
    assert [line[2:] for line in comment_lines[1 : 1 + len(limits)]] == limits
    assert all(line.startswith(CANNOT) for line in limits)


def test_the_cache_is_the_priced_one():
    config, _ = litellm_config(_result())
    cache = config["litellm_settings"]["cache_params"]
    assert cache["ttl"] == 86400 and cache["mode"] == "default_off" and cache["similarity_threshold"] == 0.86
    embed = next(d for d in config["model_list"] if d["model_name"] == cache["redis_semantic_cache_embedding_model"])
    assert embed["litellm_params"]["model"] == "openai/sentence-transformers/all-MiniLM-L6-v2"
    assert embed["litellm_params"]["api_key"] == "os.environ/ADVISOR_EMBEDDING_API_KEY"


def test_round_trip_router_choice_matches_the_plan_shares():
    """Stored analyze result -> export -> the loaded router's deployment choice over N requests
    (no calls made) -> the realized split is the plan's within sampling error."""
    result = _result()
    config, _ = litellm_config(result)
    router = _router(config)
    n = 2000
    group = "claude-sonnet-4-5"
    picks = Counter(
        router.get_available_deployment(model=group, messages=[{"role": "user", "content": "hi"}])["litellm_params"][
            "model"
        ]
        for _ in range(n)
    )
    plan = {model: share for model, (share, _) in routed_shares(result)[group].items()}  # from plan.segments
    assert {m.split("/", 1)[1] for m in picks} == set(plan)
    for model, count in picks.items():
        p = plan[model.split("/", 1)[1]]
        # 4 binomial standard errors: a correct router fails this about once in 15,000 runs.
        assert abs(count / n - p) <= 4 * math.sqrt(p * (1 - p) / n), (model, count / n, p)
