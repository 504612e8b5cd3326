"""The JSON report and its versioned schema: AnalysisResult -> JSON text; dict -> schema errors.

`result_schema()` is a JSON Schema (draft 2020-12) for `AnalysisResult.to_dict()`. It fixes
the parts other tools read (recommendations, baseline money figures, plan, warnings, price
date) and leaves room for additions (`additionalProperties` is allowed everywhere), so a
minor version adds fields and only a major version removes or renames one. docs/json-schema.md
documents it field by field.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.core.provenance import KINDS
from advisor.core.redact import redact_text
from advisor.result.view import as_result_dict

SCHEMA_VERSION = "1.2"  # 1.1: `provenance` map and baseline.infrastructure.self_hosted; 1.2: `usage`

_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_INTERVAL = {"type": "array", "items": _NUM, "minItems": 2, "maxItems": 2}
_FINDINGS = {
    "type": "object",
    "required": ["monthly_savings_usd"],
    "properties": {
        "name": {"type": "string"},
        "monthly_savings_usd": _NUM,
        "savings_interval_usd": _INTERVAL,
        "warnings": {"type": "array", "items": {"type": "string"}},
        "skipped_reason": {"type": ["string", "null"]},
        "examples": {"type": "array", "items": {"type": "object"}},
    },
}

_USAGE_CELL_FIELDS = (
    "calls",
    "uncached_input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "uncached_input_cost_usd",
    "cached_input_cost_usd",
    "output_cost_usd",
)
_PRICE_FIELDS = (
    "input_per_mtok_usd",
    "cached_input_per_mtok_usd",
    "output_per_mtok_usd",
    "batch_input_per_mtok_usd",
    "batch_output_per_mtok_usd",
)
# Per-model usage and list prices, what `advisor runs compare` decomposes (schema 1.2).
_USAGE = {
    "type": "object",
    "required": ["monthly_factor", "cells", "list_prices"],
    "properties": {
        "monthly_factor": _NUM,
        "cells": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["model", "provider", "mode", "traffic_class", *_USAGE_CELL_FIELDS],
                "properties": {"mode": {"enum": ["realtime", "batch"]}} | dict.fromkeys(_USAGE_CELL_FIELDS, _NUM),
            },
        },
        "planned_by_class": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": _NUM},
        },
        "prompt_cache_potential_by_class": {"type": "object", "additionalProperties": _NUM},
        "list_prices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["model", "provider", *_PRICE_FIELDS],
                "properties": dict.fromkeys(_PRICE_FIELDS, _NUM),
            },
        },
    },
}

_PROVENANCE = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"enum": list(KINDS)},
            "settings": {"type": "array", "items": {"type": "string"}},
            "defaults": {"type": "array", "items": {"type": "string"}},
            "basis": {"type": "string"},
        },
    },
}


def result_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/advisor/advisor/schema/result-{SCHEMA_VERSION}.json",
        "title": "advisor analysis result",
        "type": "object",
        "required": ["schema_version", "baseline", "recommendations", "warnings", "price_date"],
        "properties": {
            "schema_version": {"type": "string", "pattern": r"^1\.\d+$"},
            "advisor_version": {"type": "string"},
            "config_hash": {"type": ["string", "null"]},
            "input_hash": {"type": ["string", "null"]},
            "price_date": {"type": "string"},
            "log": {"type": ["object", "null"]},
            "baseline": {
                "type": "object",
                "required": ["api_cost_per_month_usd", "total_cost_per_month_usd"],
                "properties": {
                    "api_cost_per_month_usd": _NUM,
                    "infrastructure_cost_per_month_usd": _NUM,
                    "operations_cost_per_month_usd": _NUM,
                    "total_cost_per_month_usd": _NUM,
                    "api_share": _NUM,
                    "calls_per_month": _NUM,
                    "api_cost_per_conversation_usd": _NUM_OR_NULL,
                    "total_cost_per_conversation_usd": _NUM_OR_NULL,
                    "total_cost_per_user_month_usd": _NUM_OR_NULL,
                    "total_cost_per_business_unit_usd": _NUM_OR_NULL,
                    "by_model": {"type": "array", "items": {"type": "object", "required": ["model"]}},
                    "price_date": {"type": "string"},
                },
            },
            "findings": {
                "type": "object",
                "properties": dict.fromkeys(("cache", "routing", "batch", "prompt", "capacity"), _FINDINGS),
            },
            "plan": {
                "type": ["object", "null"],
                "properties": {
                    "quality_target": _NUM,
                    "monthly_cost_usd": _NUM,
                    "monthly_savings_usd": _NUM,
                    "shadow_price_usd_per_quality_point": _NUM_OR_NULL,
                    "frontier": {
                        "type": "array",
                        "items": {"type": "object", "required": ["quality_target", "monthly_cost_usd"]},
                    },
                    "lever_attribution": {
                        "type": "array",
                        "items": {"type": "object", "required": ["lever", "monthly_savings_usd"]},
                    },
                },
            },
            "recommendations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["rank", "title", "lever", "monthly_savings_usd"],
                    "properties": {
                        "rank": {"type": "integer", "minimum": 1},
                        "title": {"type": "string"},
                        "lever": {"type": "string"},
                        "monthly_savings_usd": _NUM,
                        # null when the lever's analyzer reports no interval ("interval_source" says so)
                        "savings_interval_usd": {"anyOf": [_INTERVAL, {"type": "null"}]},
                        "quality_impact": {"type": ["string", "number", "null"]},
                        "effort": {"type": ["string", "null"]},
                        "prerequisites": {"type": "array", "items": {"type": "string"}},
                        "confidence": {"type": ["string", "number", "null"]},
                    },
                },
            },
            "warnings": {"type": "array", "items": {"type": "string"}},
            "provenance": _PROVENANCE,
            "usage": _USAGE,
            "defaults_in_use": {"type": "array", "items": {"type": "object", "required": ["setting", "source"]}},
        },
    }


def validate_result(data: dict[str, Any]) -> list[str]:
    """Schema violations of a result dict as readable strings (empty list: valid).

    Needs the `jsonschema` package (the `test` extra); reports are written without it.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(result_schema())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def without_examples(value: Any, show_examples: bool) -> Any:
    """Drop `examples` lists unless asked; when kept, redact their texts."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "examples" and isinstance(item, list):
                if show_examples:
                    out[key] = [
                        {k: redact_text(v) if isinstance(v, str) else v for k, v in e.items()}
                        if isinstance(e, dict)
                        else e
                        for e in item
                    ]
                continue
            out[key] = without_examples(item, show_examples)
        return out
    if isinstance(value, list):
        return [without_examples(v, show_examples) for v in value]
    return value


# Floats in the JSON output carry 12 significant digits: far below any figure's own
# uncertainty, and it keeps the output byte-identical when a float sum's last bits differ
# (docs/reliability.md, "Determinism").
JSON_SIGNIFICANT_DIGITS = 12


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{JSON_SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def render_json(result: Any, *, show_examples: bool = False) -> str:
    data = _rounded(without_examples(as_result_dict(result), show_examples))
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"
