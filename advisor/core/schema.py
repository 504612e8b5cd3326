"""The normalized log schema (one row per LLM call) and the QueryLog that carries it.

ingest -> QueryLog. Every later stage reads `QueryLog.frame`, whose columns are named here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# Required columns.
TIMESTAMP = "timestamp"  # datetime64[ns, UTC]
MODEL = "model"  # str, the model that served the call
INPUT_TOKENS = "input_tokens"  # int64, all prompt tokens incl. cached ones
OUTPUT_TOKENS = "output_tokens"  # int64

REQUIRED = (TIMESTAMP, MODEL, INPUT_TOKENS, OUTPUT_TOKENS)

# Optional columns, used when present.
PROVIDER = "provider"  # str, e.g. "openai"; else inferred from the model
CONVERSATION_ID = "conversation_id"  # str
TURN = "turn"  # int64, 1 = first user turn
USER_ID = "user_id"  # str
QUERY = "query"  # str, the user's message text
RESPONSE = "response"  # str, the model's answer text
SYSTEM_TOKENS = "system_tokens"  # int64, part of input_tokens
HISTORY_TOKENS = "history_tokens"  # int64, part of input_tokens
CACHED_INPUT_TOKENS = "cached_input_tokens"  # int64, part of input_tokens billed at cached price
LATENCY_CLASS = "latency_class"  # str: realtime / background / analytics / batch ...
TASK = "task"  # str: free-form task name (e.g. nightly_summary)
QUALITY = "quality"  # float 0..1, outcome for the model that served it
BUSINESS_UNIT = "business_unit"  # float, units of business value (e.g. 1 = ticket resolved)
COST_USD = "cost_usd"  # float, as billed
IS_BATCH = "is_batch"  # bool, call already went through a batch API
QUALITY_PREFIX = "quality__"  # quality__<model>: shadow score of another model

# Provenance, added by ingest so later stages can name the file and row in messages.
SOURCE_FILE = "_source_file"  # category: the file the row came from
SOURCE_ROW = "_source_row"  # int64: 1-based data row (CSV/Parquet) or line (JSONL)

INT_COLUMNS = (INPUT_TOKENS, OUTPUT_TOKENS, TURN, SYSTEM_TOKENS, HISTORY_TOKENS, CACHED_INPUT_TOKENS)
FLOAT_COLUMNS = (QUALITY, BUSINESS_UNIT, COST_USD)
STR_COLUMNS = (MODEL, PROVIDER, CONVERSATION_ID, USER_ID, QUERY, RESPONSE, LATENCY_CLASS, TASK)
BOOL_COLUMNS = (IS_BATCH,)
OPTIONAL = (
    PROVIDER,
    CONVERSATION_ID,
    TURN,
    USER_ID,
    QUERY,
    RESPONSE,
    SYSTEM_TOKENS,
    HISTORY_TOKENS,
    CACHED_INPUT_TOKENS,
    LATENCY_CLASS,
    TASK,
    QUALITY,
    BUSINESS_UNIT,
    COST_USD,
    IS_BATCH,
)
KNOWN = REQUIRED + OPTIONAL


@dataclass(frozen=True)
class SkippedRows:
    """Rows left out under --skip-bad-rows, counted by reason (nothing is dropped silently)."""

    count: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryLog:
    """A validated, normalized log: one row per LLM call, sorted by timestamp.

    `frame` has the columns above (required ones always; optional ones when the source had
    them), a RangeIndex, and is sorted by timestamp. Treat it as read-only.
    """

    frame: pd.DataFrame
    sources: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    skipped: SkippedRows = field(default_factory=SkippedRows)
    tokens_counted_from_text: bool = False
    # Share of the log's conversations (or rows) analysed; advisor.ingest.sampling sets it below 1 and
    # the cost model scales observed monthly figures by 1 / sample_fraction.
    sample_fraction: float = 1.0

    @property
    def n_calls(self) -> int:
        return len(self.frame)

    def has(self, column: str) -> bool:
        return column in self.frame.columns and bool(self.frame[column].notna().any())

    @property
    def span_days(self) -> float:
        """Time covered by the log, in days (at least one hour, so tiny logs still scale)."""
        ts = self.frame[TIMESTAMP]
        if len(ts) == 0:
            return 0.0
        span = (ts.max() - ts.min()).total_seconds() / 86400.0
        return max(span, 1.0 / 24.0)

    def quality_models(self) -> list[str]:
        """Models with shadow quality columns (quality__<model>)."""
        return [c[len(QUALITY_PREFIX) :] for c in self.frame.columns if c.startswith(QUALITY_PREFIX)]
