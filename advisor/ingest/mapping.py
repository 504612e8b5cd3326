"""Column mapping: a file's column names -> the normalized schema names.

Three sources, strongest first: the user's mapping (`--map` or `[ingest] map`), a column
already named as in the schema, and a built-in alias table for common gateway exports
(LiteLLM spend logs, Langfuse, Helicone, OpenTelemetry GenAI attributes, public traces).
Schema names and aliases match case-insensitively; the user's mapping matches exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.core import schema
from advisor.core.config import Config, settings
from advisor.core.errors import ConfigError, InputError

# Schema column -> source names seen in real exports, most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    schema.TIMESTAMP: (
        "startTime",
        "start_time",
        "created_at",
        "createdAt",
        "created",
        "request_created_at",
        "request_time",
        "time",
        "ts",
        "datetime",
        "date",
        "time_unix_nano",
    ),
    schema.MODEL: (
        "model_name",
        "model_id",
        "gen_ai.response.model",
        "gen_ai.request.model",
        "request_model",
        "llm.model_name",
        "providedModelName",
        "provided_model_name",
        "model_group",
    ),
    schema.PROVIDER: (
        "custom_llm_provider",
        "gen_ai.provider.name",
        "gen_ai.system",
        "provider_name",
        "llm_provider",
    ),
    schema.INPUT_TOKENS: (
        "prompt_tokens",
        "promptTokens",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "usage.prompt_tokens",
        "usage.input_tokens",
        "usage.input",
        "usageDetails.input",
        "usage_details.input",
        "usage_input",
        "input_token_count",
        "tokens_in",
        "ContextTokens",
        "input_length",
    ),
    schema.OUTPUT_TOKENS: (
        "completion_tokens",
        "completionTokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "usage.completion_tokens",
        "usage.output_tokens",
        "usage.output",
        "usageDetails.output",
        "usage_details.output",
        "usage_output",
        "output_token_count",
        "tokens_out",
        "GeneratedTokens",
        "output_length",
    ),
    schema.CACHED_INPUT_TOKENS: (
        "cached_tokens",
        "prompt_tokens_details.cached_tokens",
        "cache_read_input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "cache_read_tokens",
        "prompt_cache_hit_tokens",
    ),
    schema.CONVERSATION_ID: (
        "session_id",
        "sessionId",
        "gen_ai.conversation.id",
        "thread_id",
        "conversation",
        "chat_id",
    ),
    schema.USER_ID: ("user", "userId", "end_user", "enduser.id", "user.id", "customer_id"),
    schema.TURN: ("turn_index", "turn_number"),
    schema.QUERY: ("prompt", "user_message", "question", "input_text", "messages"),
    schema.RESPONSE: ("completion", "answer", "output_text", "response_text"),
    schema.COST_USD: ("spend", "cost", "calculatedTotalCost", "total_cost", "response_cost", "cost_usd_total"),
    schema.QUALITY: ("score", "rating", "feedback_score"),
    schema.TASK: ("task_name", "use_case", "feature"),
    schema.LATENCY_CLASS: ("priority", "latency_tier"),
    schema.IS_BATCH: ("batch", "batched"),
}


@dataclass(frozen=True)
class IngestSettings:
    """`[ingest]` section of the config.

    map: schema column -> your column, e.g. `map = { timestamp = "created_at" }`; the
         `--map` option overrides entries given here.
    """

    map: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        for target, source in self.map.items():
            if not is_schema_column(target):
                raise ConfigError.setting(
                    f"ingest.map.{target}", f"a schema column ({', '.join(schema.KNOWN)}, or quality__<model>)", target
                )
            if not isinstance(source, str) or not source:
                raise ConfigError.setting(f"ingest.map.{target}", "a column name (a non-empty string)", source)


def is_schema_column(name: str) -> bool:
    return name in schema.KNOWN or (name.startswith(schema.QUALITY_PREFIX) and len(name) > len(schema.QUALITY_PREFIX))


def parse_mapping(text: str) -> dict[str, str]:
    """Parse "timestamp=created_at,input_tokens=prompt_tokens" into {schema column: your column}."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        target, sep, source = (s.strip() for s in part.partition("="))
        if not sep or not target or not source:
            raise InputError(
                f"--map: expected pairs like schema_column=your_column separated by commas, found {part!r}. "
                f"Write e.g. --map timestamp=created_at,input_tokens=prompt_tokens"
            )
        if not is_schema_column(target):
            raise InputError(
                f"--map: expected a schema column on the left of '=' ({', '.join(schema.KNOWN)}, or quality__<model>), "
                f"found {target!r}. Put the schema name first: --map {schema.TIMESTAMP}=<your column>"
            )
        if target in mapping:
            raise InputError(
                f"--map: expected each schema column once, found {target!r} twice. Keep one {target}=... pair"
            )
        mapping[target] = source
    return mapping


def mapping_from_config(config: Config, cli_mapping: dict[str, str] | None = None) -> dict[str, str]:
    """The effective mapping: `[ingest] map` from the config, overridden by `--map`."""
    base = settings(config, "ingest", IngestSettings).map
    return {**base, **(cli_mapping or {})}


def resolve_columns(columns: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """{source column: schema column} for the columns of one file.

    Raises InputError (without a file name; the caller adds it) when a user-mapped column is
    missing. Columns that map to nothing are left out.
    """
    mapping = mapping or {}
    present = set(columns)
    rename: dict[str, str] = {}
    taken: set[str] = set()
    for target, source in mapping.items():
        if source not in present:
            raise KeyError(source)
        rename[source] = target
        taken.add(target)
    for col in columns:
        if col in rename:
            continue
        if is_schema_column(col) and col not in taken:
            rename[col] = col
            taken.add(col)
    lower = {c.lower(): c for c in reversed(columns)}  # first occurrence wins
    for target in schema.KNOWN:  # "TIMESTAMP", "Model": schema names in another case
        src = lower.get(target)
        if target not in taken and src is not None and src not in rename:
            rename[src] = target
            taken.add(target)
    for target, names in ALIASES.items():
        if target in taken:
            continue
        for name in names:
            src = lower.get(name.lower())
            if src is not None and src not in rename:
                rename[src] = target
                taken.add(target)
                break
    return rename
