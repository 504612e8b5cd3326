"""genai-prices provider ids -> how a LiteLLM deployment reaches that provider: the model
prefix LiteLLM routes on and the credential placeholders (`os.environ/NAME`) it reads.

Prefixes are LiteLLM's provider names (`litellm.provider_list`); tests/result check each
one against the installed LiteLLM. Providers LiteLLM has no client for are reached through
its OpenAI-compatible client (`openai/<model>` + `api_base`), and the export says so.
"""

from __future__ import annotations

from typing import Any

# provider id -> (LiteLLM prefix, {litellm_params key: environment variable})
PROVIDERS: dict[str, tuple[str, dict[str, str]]] = {
    "openai": ("openai", {"api_key": "OPENAI_API_KEY"}),
    "anthropic": ("anthropic", {"api_key": "ANTHROPIC_API_KEY"}),
    "google": ("gemini", {"api_key": "GEMINI_API_KEY"}),
    "aws": (
        "bedrock",
        {
            "aws_access_key_id": "AWS_ACCESS_KEY_ID",
            "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
            "aws_region_name": "AWS_REGION_NAME",
        },
    ),
    "azure": ("azure", {"api_key": "AZURE_API_KEY", "api_base": "AZURE_API_BASE", "api_version": "AZURE_API_VERSION"}),
    "baseten": ("baseten", {"api_key": "BASETEN_API_KEY"}),
    "cerebras": ("cerebras", {"api_key": "CEREBRAS_API_KEY"}),
    "cloudflare": ("cloudflare", {"api_key": "CLOUDFLARE_API_KEY", "api_base": "CLOUDFLARE_API_BASE"}),
    "cohere": ("cohere", {"api_key": "COHERE_API_KEY"}),
    "cursor": ("cursor", {"api_key": "CURSOR_API_KEY"}),
    "databricks": ("databricks", {"api_key": "DATABRICKS_API_KEY", "api_base": "DATABRICKS_API_BASE"}),
    "deepseek": ("deepseek", {"api_key": "DEEPSEEK_API_KEY"}),
    "elevenlabs": ("elevenlabs", {"api_key": "ELEVENLABS_API_KEY"}),
    "fireworks": ("fireworks_ai", {"api_key": "FIREWORKS_AI_API_KEY"}),
    "github-copilot": ("github_copilot", {}),  # LiteLLM signs in with GitHub's device flow
    "groq": ("groq", {"api_key": "GROQ_API_KEY"}),
    "meta": ("meta_llama", {"api_key": "LLAMA_API_KEY"}),
    "minimax": ("minimax", {"api_key": "MINIMAX_API_KEY"}),
    "mistral": ("mistral", {"api_key": "MISTRAL_API_KEY"}),
    "moonshotai": ("moonshot", {"api_key": "MOONSHOT_API_KEY"}),
    "novita": ("novita", {"api_key": "NOVITA_API_KEY"}),
    "openrouter": ("openrouter", {"api_key": "OPENROUTER_API_KEY"}),
    "ovhcloud": ("ovhcloud", {"api_key": "OVHCLOUD_API_KEY"}),
    "perplexity": ("perplexity", {"api_key": "PERPLEXITYAI_API_KEY"}),
    "together": ("together_ai", {"api_key": "TOGETHERAI_API_KEY"}),
    "voyageai": ("voyage", {"api_key": "VOYAGE_API_KEY"}),
    "x-ai": ("xai", {"api_key": "XAI_API_KEY"}),
    "zai": ("zai", {"api_key": "ZAI_API_KEY"}),
}
HUGGINGFACE = "huggingface_"  # huggingface_<router provider>: huggingface/<provider>/<model>
# Providers whose LiteLLM client honours cache_control_injection_points (prompt caching).
PROMPT_CACHING = frozenset(("anthropic", "aws", "google"))


def _env_name(provider: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in provider.upper())


def litellm_params(model: str, provider: str | None) -> tuple[dict[str, Any], str | None]:
    """(litellm_params without weight, a note when the provider needs one) for `model` at `provider`."""
    provider = (provider or "").lower()
    if provider in PROVIDERS:
        prefix, env = PROVIDERS[provider]
        params: dict[str, Any] = {"model": f"{prefix}/{model}"}
        params.update({key: f"os.environ/{name}" for key, name in env.items()})
        return params, None
    if provider.startswith(HUGGINGFACE):
        route = provider[len(HUGGINGFACE) :]
        return {"model": f"huggingface/{route}/{model}", "api_key": "os.environ/HF_TOKEN"}, None
    if not provider or provider == "unknown":
        note = f"{model}: provider unknown; set its LiteLLM prefix by hand."
        return {"model": model}, note
    name = _env_name(provider)
    params = {
        "model": f"openai/{model}",
        "api_base": f"os.environ/{name}_API_BASE",
        "api_key": f"os.environ/{name}_API_KEY",
    }
    return (
        params,
        f"{model} ({provider}): LiteLLM has no {provider} client; reached as OpenAI-compatible at {name}_API_BASE.",
    )
