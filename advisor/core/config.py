"""Configuration: a TOML file (parsed with the safe stdlib `tomllib`) plus CLI overrides -> Config.

Each stage owns its settings as a frozen dataclass with defaults (e.g. `CacheSettings` in
`advisor/analyzers/cache/settings.py`) and reads them with `settings(config, "cache", CacheSettings)`.
This module only knows the file format and validation, not what each stage needs, so a new
analyzer adds its section without touching this file.

File layout (every section optional)::

    quality_target = 0.95          # relative to today's quality
    seed = 0
    [projection]  conversations_per_day = 5000      # else scale the log's own span
    [prices.<model>]  provider = "openai"  input = 2.5  output = 10 ...   # $ per 1M tokens
    [infrastructure] ... [operations] ... [cache] ... [routing] ... [batch] ...
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from advisor.core.errors import ConfigError, InputError

T = TypeVar("T")

# Every [section] some stage reads; tests/hostile/test_config_names.py keeps this list equal to
# the sections named in `settings(config, "<section>", ...)` calls across the package, plus
# [prices] (read by advisor.prices). A misspelled section is refused with the closest name.
KNOWN_SECTIONS = (
    "batch",
    "cache",
    "capacity",
    "embedding",
    "infrastructure",
    "ingest",
    "operations",
    "optimizer",
    "prices",
    "projection",
    "prompt",
    "routing",
)
TOP_LEVEL_KEYS = ("quality_target", "seed")


def closest(name: str, known: typing.Iterable[str]) -> str:
    """' Did you mean X?' for the nearest known name, or '' when nothing is close."""
    import difflib

    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


def _check_names(raw: dict[str, Any], source: str) -> None:
    for key, value in raw.items():
        if key in KNOWN_SECTIONS or key in TOP_LEVEL_KEYS:
            continue
        kind = "section" if isinstance(value, dict) else "setting"
        known = KNOWN_SECTIONS if isinstance(value, dict) else TOP_LEVEL_KEYS
        raise ConfigError(
            f"{source}: The '{key}' {kind} is unknown.{closest(key, (*KNOWN_SECTIONS, *TOP_LEVEL_KEYS))} "
            f"Known {kind}s: {', '.join(known)}."
        )


@dataclass(frozen=True)
class Config:
    """Everything the pipeline is told besides the log. `sections` holds raw TOML tables."""

    quality_target: float = 0.95
    seed: int = 0
    sections: dict[str, Any] = field(default_factory=dict)
    source: str | None = None

    def section(self, name: str) -> dict[str, Any]:
        value = self.sections.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError.setting(name, f"a table ([{name}])", value, self.source)
        return value

    def with_section(self, name: str, **values: Any) -> Config:
        merged = dict(self.sections)
        merged[name] = {**self.section(name), **values}
        return dataclasses.replace(self, sections=merged)

    def settings_dict(self) -> dict[str, Any]:
        """What the digest hashes, as plain data: stored with a run so `runs compare` can say what differs."""
        return json.loads(
            json.dumps(
                {"quality_target": self.quality_target, "seed": self.seed, "sections": self.sections},
                sort_keys=True,
                default=str,
            )
        )

    def digest(self) -> str:
        """Stable hash of the configuration, stored with every run."""
        payload = json.dumps(
            {"quality_target": self.quality_target, "seed": self.seed, "sections": self.sections},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: config file not found. Check the path given to --config.") from None
    except IsADirectoryError:
        raise InputError(
            f"{p}: expected a TOML file, found a folder. Give --config the settings file itself."
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p}: expected UTF-8 text, found undecodable bytes ({exc.reason}). Save the file as UTF-8."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: expected valid TOML, found a syntax error ({exc}). Fix the file and retry.") from None
    _check_names(raw, str(p))
    quality_target = raw.pop("quality_target", 0.95)
    seed = raw.pop("seed", 0)
    if (
        not isinstance(quality_target, (int, float))
        or isinstance(quality_target, bool)
        or not 0 < quality_target <= 1.5
    ):
        raise ConfigError.setting("quality_target", "a number in (0, 1.5]", quality_target, str(p))
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ConfigError.setting("seed", "an integer in [0, 2**32)", seed, str(p))
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise ConfigError.setting(key, f"a table ([{key}])", value, str(p))
    return Config(quality_target=float(quality_target), seed=seed, sections=raw, source=str(p))


def _check(name: str, value: Any, tp: Any, source: str | None) -> Any:
    """Validate one value against a dataclass field type; returns the (coerced) value."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _check(name, value, arg, source)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError.setting(name, "a number", value, source)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError.setting(name, "an integer", value, source)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError.setting(name, "true or false", value, source)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError.setting(name, "a string", value, source)
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError.setting(name, "a list", value, source)
        inner = args[0] if args else Any
        return tuple(_check(name, v, inner, source) if inner is not Any else v for v in value)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError.setting(name, "a table", value, source)
        return dict(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError.setting(name, "a table", value, source)
        return _build(tp, value, source, prefix=name + ".")
    return value


def _build(cls: type[T], raw: dict[str, Any], source: str | None, prefix: str) -> T:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(
            f"{source + ': ' if source else ''}The '{prefix}{unknown[0]}' setting is unknown."
            f"{closest(unknown[0], names)} Known settings: {', '.join(sorted(names))}."
        )
    values = {k: _check(prefix + k, v, hints[k], source) for k, v in raw.items()}
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        try:
            validate()
        except ConfigError as exc:
            # Range checks in validate() don't know the file; name it here, once.
            message = str(exc)
            if source and not message.startswith(source):
                raise ConfigError(f"{source}: {message}") from None
            raise
    return obj


def settings(config: Config, section: str, cls: type[T]) -> T:
    """Build a stage's settings dataclass from `[section]`, validating names, types and ranges.

    The dataclass may define `validate(self)` raising ConfigError.setting(...) for ranges.
    """
    return _build(cls, config.section(section), config.source, prefix=section + ".")
