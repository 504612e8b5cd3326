"""Log files -> QueryLog: the ingest stage's public names (the logic lives in ingest/load.py).

load_log(paths, mapping=None, skip_bad_rows=False) -> QueryLog
parse_mapping("timestamp=created_at,...") -> {schema column: log column}
"""

from __future__ import annotations

from advisor.ingest.load import load_log
from advisor.ingest.mapping import ALIASES, IngestSettings, mapping_from_config, parse_mapping, resolve_columns

__all__ = ["ALIASES", "IngestSettings", "load_log", "mapping_from_config", "parse_mapping", "resolve_columns"]
