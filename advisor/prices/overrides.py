"""Price overrides: `[prices."model"]` config tables and `--prices FILE` (TOML or CSV) -> PriceOverride.

Prices are USD per million tokens. A key left out keeps the catalog's value; the catalog
(advisor.prices.catalog) decides how an override combines with genai-prices.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.core.errors import ConfigError, InputError

OVERRIDE_KEYS = ("provider", "input", "output", "cached_input", "batch_input", "batch_output")


@dataclass(frozen=True)
class PriceOverride:
    """One user-supplied price row; None means "keep the catalog's value"."""

    model: str
    provider: str | None
    input: float | None
    output: float | None
    cached_input: float | None
    batch_input: float | None
    batch_output: float | None
    source: str


def _number(value: Any, name: str, source: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError.setting(
                name, "a price in USD per million tokens (a number >= 0)", value, source
            ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
        raise ConfigError.setting(name, "a price in USD per million tokens (a number >= 0)", value, source)
    return float(value)


def parse_override(model: str, table: Any, source: str, prefix: str = "prices.") -> PriceOverride:
    """Validate one `[prices."model"]` table into a PriceOverride."""
    if not isinstance(table, dict):
        raise ConfigError.setting(f"{prefix}{model}", "a table with input, output, ... prices", table, source)
    unknown = sorted(set(table) - set(OVERRIDE_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: The '{prefix}{model}.{unknown[0]}' setting is unknown. "
            f"Known settings: {', '.join(OVERRIDE_KEYS)}."
        )
    provider = table.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider):
        raise ConfigError.setting(f"{prefix}{model}.provider", 'a provider id such as "openai"', provider, source)
    nums = {k: _number(table.get(k), f"{prefix}{model}.{k}", source) for k in OVERRIDE_KEYS[1:]}
    return PriceOverride(model=model, provider=provider or None, source=source, **nums)


def read_override_file(path: str | Path) -> tuple[PriceOverride, ...]:
    """Price overrides from a TOML file (`[prices."model"]` or top-level `["model"]` tables)
    or a CSV file with columns model, provider, input, output, cached_input, batch_input, batch_output."""
    p = Path(path)
    if not p.is_file():
        raise InputError.at(
            str(p),
            expected="a price override file (.toml or .csv)",
            found="no such file",
            fix="Check the path given to --prices.",
        )
    if p.suffix.lower() == ".csv":
        return _read_override_csv(p)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError.at(
            str(p),
            expected="valid UTF-8 TOML",
            found=f"a syntax error ({exc})",
            fix="Fix the file, or use a CSV with columns model,input,output.",
        ) from None
    tables = raw.get("prices", raw)
    return tuple(parse_override(m, t, str(p)) for m, t in tables.items())


def _read_override_csv(p: Path) -> tuple[PriceOverride, ...]:
    try:
        return _parse_override_csv(p)
    except UnicodeDecodeError as exc:
        raise InputError.at(
            str(p),
            expected="UTF-8 text",
            found=f"undecodable bytes at byte {exc.start}",
            fix="Save the price file as UTF-8.",
        ) from None
    except csv.Error as exc:
        raise InputError.at(
            str(p), expected="a CSV file", found=f"unreadable CSV ({exc})", fix="Fix the file."
        ) from None


def _refuse_duplicates(p: Path, overrides: list[PriceOverride], lines: list[int]) -> None:
    """Two rows for one model would silently let the last win (a 100x price typo stays hidden)."""
    seen: dict[tuple[str, str | None], int] = {}
    for override, line in zip(overrides, lines, strict=True):
        key = (override.model, override.provider)
        if key in seen:
            raise InputError.at(
                str(p),
                line=line,
                column="model",
                expected="one row per model",
                found=f"{override.model!r} again (first on line {seen[key]})",
                fix="Keep one price row per model and delete the other.",
            )
        seen[key] = line


def _parse_override_csv(p: Path) -> tuple[PriceOverride, ...]:
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for needed in ("model",):
            if needed not in cols:
                raise InputError.at(
                    str(p),
                    line=1,
                    column=needed,
                    expected="a header with columns model, "
                    "provider, input, output, cached_input, batch_input, batch_output",
                    found=f"columns {cols}",
                    fix="Add a 'model' column.",
                )
        unknown = [c for c in cols if c not in ("model",) + OVERRIDE_KEYS]
        if unknown:
            raise InputError.at(
                str(p),
                line=1,
                column=unknown[0],
                expected=f"one of model, {', '.join(OVERRIDE_KEYS)}",
                found=repr(unknown[0]),
                fix="Rename or remove the column.",
            )
        out = []
        lines: list[int] = []
        for line, row in enumerate(reader, start=2):
            model = (row.get("model") or "").strip()
            if not model:
                raise InputError.at(
                    str(p),
                    line=line,
                    column="model",
                    expected="a model name",
                    found="an empty cell",
                    fix="Fill in the model name or delete the line.",
                )
            if None in row:  # more cells than the header names
                raise InputError.at(
                    str(p),
                    line=line,
                    column="(past the last header)",
                    expected=f"{len(reader.fieldnames or [])} cells, as the header has",
                    found=f"{len(reader.fieldnames or []) + len(row[None])} cells",
                    fix="Remove the extra cells (or quote a value that holds a comma).",
                )
            table = {k: v.strip() for k, v in row.items() if k != "model" and v is not None and v.strip() != ""}
            out.append(parse_override(model, table, f"{p} line {line}"))
            lines.append(line)
        _refuse_duplicates(p, out, lines)
        return tuple(out)
