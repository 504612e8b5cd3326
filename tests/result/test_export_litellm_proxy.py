"""Every exported LiteLLM config loads through the LiteLLM *proxy's* own config loader
(`ProxyConfig.load_config`, what `litellm --config` runs), for each plan shape and each provider
family genai-prices knows, and the proxy ends up with the plan's deployments, weights and cache.

No network: the credentials are the `os.environ/...` placeholders the export writes, set to dummy
values here; Redis points at a closed loopback port, and the Redis semantic cache class is
replaced by a stand-in that checks the exported cache settings against the real class's
signature (constructing the real one would connect to Redis).

Needs the optional extra `litellm-proxy` (pip install -e ".[litellm-proxy]"): LiteLLM 1.110's
`litellm[proxy]` extra names a `litellm-proxy` wheel that is not on PyPI, so the extra lists the
few packages the proxy's config loader imports. Skipped without them.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
from typing import ClassVar

import pytest
import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of LiteLLM's price map
pytest.importorskip("litellm", reason="litellm is not installed (optional extra: pip install -e '.[litellm-proxy]')")
try:
    from litellm.proxy.proxy_server import ProxyConfig
except ImportError as exc:  # the proxy's own dependencies are a separate extra
    pytest.skip(
        f"LiteLLM's proxy dependencies are missing ({exc}); pip install -e '.[litellm-proxy]'", allow_module_level=True
    )

import litellm
import litellm.caching.caching as litellm_caching
from litellm.caching.redis_semantic_cache import RedisSemanticCache

from advisor.result.export import litellm_yaml
from tests.result.test_export_litellm import PROVIDER_IDS, SHAPES, _at_provider, _result, _shape

pytestmark = pytest.mark.integration


class _CheckedSemanticCache:
    """Stands in for RedisSemanticCache: binds the arguments to the real class's signature (so an
    argument the real class would reject fails here too) and keeps them."""

    last: ClassVar[dict] = {}

    def __init__(self, *args, **kwargs):
        inspect.signature(RedisSemanticCache.__init__).bind(self, *args, **kwargs)
        type(self).last = dict(kwargs)


@pytest.fixture
def proxy_env(monkeypatch):
    monkeypatch.setattr(litellm_caching, "RedisSemanticCache", _CheckedSemanticCache)
    monkeypatch.setattr(litellm, "cache", None)
    _CheckedSemanticCache.last = {}

    def load(text: str, path):
        for name in set(re.findall(r"os\.environ/([A-Za-z_][A-Za-z0-9_]*)", text)):
            monkeypatch.setenv(name, "http://127.0.0.1:1" if name.endswith("API_BASE") else "placeholder")
        monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
        monkeypatch.setenv("REDIS_PORT", "1")  # closed: any connection attempt fails at once
        path.write_text(text)
        router, model_list, _ = asyncio.run(ProxyConfig().load_config(router=None, config_file_path=str(path)))
        return router, model_list

    return load


def _deployments(config: dict) -> list[tuple[str, str, float | None]]:
    return sorted(
        (d["model_name"], d["litellm_params"]["model"], d["litellm_params"].get("weight")) for d in config["model_list"]
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_every_plan_shape_loads_in_the_proxy_config_loader(shape, proxy_env, tmp_path):
    text = litellm_yaml(_shape(_result(), shape))
    config = yaml.safe_load(text)
    router, model_list = proxy_env(text, tmp_path / "config.yaml")
    loaded = sorted(
        (d["model_name"], d["litellm_params"]["model"], d["litellm_params"].get("weight")) for d in model_list
    )
    assert loaded == _deployments(config)
    assert len(router.get_model_list() or []) == len(config["model_list"])
    cache = (config.get("litellm_settings") or {}).get("cache_params")
    if cache:  # the proxy built the semantic cache with the exported threshold, TTL and embedding deployment
        assert litellm.cache is not None and litellm.cache.ttl == cache.get("ttl")
        mode = litellm.cache.mode
        assert str(getattr(mode, "value", mode)) == cache.get("mode", "default_on")
        assert _CheckedSemanticCache.last["similarity_threshold"] == cache["similarity_threshold"]
        assert _CheckedSemanticCache.last["embedding_model"] == cache["redis_semantic_cache_embedding_model"]
    else:
        assert litellm.cache is None


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_every_provider_family_loads_in_the_proxy_config_loader(provider, proxy_env, tmp_path):
    text = litellm_yaml(_at_provider(_result(), provider))
    config = yaml.safe_load(text)
    _, model_list = proxy_env(text, tmp_path / "config.yaml")
    assert sorted(d["litellm_params"]["model"] for d in model_list) == sorted(
        d["litellm_params"]["model"] for d in config["model_list"]
    )
