"""What one analysis produces: stage outputs -> AnalysisResult, whose to_dict() is the versioned JSON.

The same input, config and seed give byte-identical JSON (no clock, no run id in it; the store
adds those).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable

if TYPE_CHECKING:
    from advisor.analyzers import Findings
    from advisor.core.provenance import Provenance
    from advisor.cost.baseline import Baseline
    from advisor.cost.usage import Usage
    from advisor.optimizer.plan import Plan
    from advisor.recommend import Recommendation


@dataclass(frozen=True)
class LogSummary:
    files: tuple[str, ...]
    n_calls: int
    span_days: float
    skipped_rows: int
    skipped_by_reason: dict[str, int]
    columns: tuple[str, ...]
    tokens_counted_from_text: bool


@dataclass(frozen=True)
class AnalysisResult:
    log: LogSummary
    baseline: Baseline
    findings: dict[str, Findings]  # analyzer name -> Findings, in run order
    plan: Plan | None
    recommendations: tuple[Recommendation, ...]  # ranked
    warnings: tuple[str, ...]
    price_date: str
    advisor_version: str
    input_hash: str
    config_hash: str
    quality_target: float
    analyzers: tuple[str, ...] = field(default=())
    # Figure path in to_dict() -> where it comes from (advisor.result.provenance; schema 1.1).
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    defaults_in_use: tuple[dict[str, Any], ...] = ()  # {setting, value, source} of each default used
    config: dict[str, Any] = field(default_factory=dict)  # the settings behind config_hash
    # Per-model calls, tokens and prices for `runs compare` (schema 1.2); None: not computed.
    usage: Usage | None = None

    def to_dict(self) -> dict[str, Any]:
        from advisor.result.schema import SCHEMA_VERSION

        return to_jsonable(
            {
                "schema_version": SCHEMA_VERSION,
                "advisor_version": self.advisor_version,
                "input_hash": self.input_hash,
                "config_hash": self.config_hash,
                "price_date": self.price_date,
                "quality_target": self.quality_target,
                "inputs": list(self.log.files),
                "log": self.log,
                "baseline": self.baseline.to_dict(),
                "findings": {name: f.to_dict() for name, f in self.findings.items()},
                "plan": self.plan.to_dict() if self.plan is not None else None,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "warnings": list(self.warnings),
                "analyzers": list(self.analyzers),
                "defaults_in_use": list(self.defaults_in_use),
                "provenance": {path: p.to_dict() for path, p in sorted(self.provenance.items())},
                "config": self.config,
                **({"usage": self.usage.to_dict()} if self.usage is not None else {}),
            }
        )
