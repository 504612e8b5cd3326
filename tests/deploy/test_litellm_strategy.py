"""The exported router as a LiteLLM custom routing strategy, inside a real litellm.Router with
mock responses (no network): each request reaches the deployment the router chooses for it.

Needs the optional extra `litellm` (pip install -e ".[litellm]"); skipped without it.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of LiteLLM's price map
litellm = pytest.importorskip(
    "litellm", reason="litellm is not installed (optional extra: pip install -e '.[litellm]')"
)

from advisor.core.errors import InputError  # noqa: E402
from advisor.deploy.litellm_strategy import find_deployment, install, request_text  # noqa: E402
from advisor.deploy.router import load_router  # noqa: E402
from advisor.embed import FakeEmbedder  # noqa: E402


def _llm_router(models):
    # One deployment per model; each answers with its own name, so the reply says where it went.
    model_list = [
        {
            "model_name": m,
            "litellm_params": {"model": f"openai/{m}", "api_key": "sk-test", "mock_response": f"from {m}"},
        }
        for m in models
    ]
    return litellm.Router(model_list=model_list)


def test_a_request_goes_to_the_deployment_the_router_chooses(exported, chosen):
    _, _, folder, texts, turns, _ = exported
    router = load_router(folder, embedder=FakeEmbedder())
    llm = _llm_router(router.models)
    install(llm, router)
    # One first-turn request per model the router chose on the log, so both directions are checked.
    seen: dict[str, str] = {}
    for i, model in enumerate(chosen):
        if turns[i] == 1 and model not in seen and texts[i]:
            seen[model] = texts[i]
    assert len(seen) >= 2
    for model, text in seen.items():
        reply = llm.completion(model=router.models[0], messages=[{"role": "user", "content": text}])
        assert reply.choices[0].message.content == f"from {model}"


def test_the_last_user_message_is_routed_and_user_messages_count_the_turn():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": [{"type": "text", "text": "my card"}, {"type": "image_url", "image_url": {}}]},
    ]
    assert request_text(messages) == ("my card", 2)


def test_a_model_without_a_deployment_is_one_line_naming_the_fix():
    with pytest.raises(InputError, match=r"expected a deployment for 'gpt-x'.*deployments="):
        find_deployment([{"model_name": "a", "litellm_params": {"model": "openai/a"}}], "gpt-x", {})
    assert find_deployment([{"model_name": "b", "litellm_params": {"model": "openai/gpt-x"}}], "gpt-x", {})
