"""Where a figure comes from: Provenance, how provenances combine, and figure-path lookup.

Every number advisor outputs is one of:

- measured: read or computed from the log (prices applied to its tokens, rates over its span);
- projected: a measured rate scaled to a volume the user states (`[projection]`);
- configured: set by the user in the config file (the setting is named);
- assumed: advisor's default for a setting the user did not give (the setting is named, so the
  user knows what to set to replace it).

A figure computed from several others takes the weakest of their kinds (assumed < configured <
projected < measured) and the union of their settings, so a total that includes a default says so.

Figure paths are dotted keys into the JSON result (`baseline.infrastructure.workers`); in a
provenance map a `*` segment matches one key or list index and a final `**` matches anything
below, so one entry can cover a list of models or an analyzer's whole findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MEASURED = "measured"
PROJECTED = "projected"
CONFIGURED = "configured"
ASSUMED = "assumed"
KINDS = (MEASURED, PROJECTED, CONFIGURED, ASSUMED)  # strongest first
# The markers reports put after a figure (measured figures carry none) and what they mean.
MARKERS = {MEASURED: "", PROJECTED: "[p]", CONFIGURED: "[c]", ASSUMED: "[a]"}
LEGEND = {
    PROJECTED: "projected to the volume stated in [projection]",
    CONFIGURED: "from a setting in your config",
    ASSUMED: "includes advisor's defaults (see 'Defaults in use'); set them to your own figures",
}


@dataclass(frozen=True)
class Provenance:
    kind: str
    settings: tuple[str, ...] = ()  # the config keys ("section.name") the figure rests on, if any
    basis: str = ""  # one short phrase: what it is computed from
    defaults: tuple[str, ...] = ()  # those of `settings` left at advisor's default (kind is then assumed)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"provenance kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def marker(self) -> str:
        return MARKERS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "settings": list(self.settings),
            "defaults": list(self.defaults),
            "basis": self.basis,
        }


def combine(parts: Iterable[Provenance], basis: str = "") -> Provenance:
    """The provenance of a figure computed from `parts`: the weakest kind, every setting."""
    items = list(parts)
    if not items:
        return Provenance(MEASURED, (), basis)
    kind = max((p.kind for p in items), key=KINDS.index)
    settings = tuple(dict.fromkeys(s for p in items for s in p.settings))
    defaults = tuple(dict.fromkeys(s for p in items for s in p.defaults))
    return Provenance(kind, settings, basis, defaults)


def setting_provenance(section: str, names: Iterable[str], given: Mapping[str, Any], basis: str = "") -> Provenance:
    """Configured when the user gave every one of `names` in [section], else assumed (naming the defaults)."""
    keys = list(names)
    settings = tuple(f"{section}.{n}" for n in keys)
    defaults = tuple(f"{section}.{n}" for n in keys if n not in given)
    return Provenance(ASSUMED if defaults else CONFIGURED, settings, basis, defaults)


def _matches(pattern: list[str], path: list[str]) -> bool:
    if pattern and pattern[-1] == "**":
        head = pattern[:-1]
        return len(path) >= len(head) and _matches(head, path[: len(head)])
    return len(pattern) == len(path) and all(p in ("*", q) for p, q in zip(pattern, path))


def lookup(provenance: Mapping[str, Any], path: str) -> Any:
    """The entry of `provenance` for figure `path`: exact key first, then the most specific pattern."""
    if path in provenance:
        return provenance[path]
    parts = path.split(".")
    best: tuple[int, int] | None = None
    found = None
    for key, value in provenance.items():
        pattern = key.split(".")
        if _matches(pattern, parts):
            # More literal segments win; among equals, a fixed length beats `**`.
            rank = (sum(p not in ("*", "**") for p in pattern), 0 if pattern[-1] == "**" else 1)
            if best is None or rank > best:
                best, found = rank, value
    return found


def numeric_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every number in a JSON value (list items by index; booleans are not numbers)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from numeric_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from numeric_paths(value, f"{prefix}.{i}" if prefix else str(i))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield prefix


def without_provenance(result: Mapping[str, Any]) -> list[str]:
    """Paths of the numbers in a result dict that its `provenance` map does not cover."""
    provenance = result.get("provenance") or {}
    body = {k: v for k, v in result.items() if k != "provenance"}
    return [path for path in numeric_paths(body) if lookup(provenance, path) is None]


def default_keys(provenance: Mapping[str, Provenance]) -> list[str]:
    """Every setting left at its default that some figure rests on, sorted."""
    return sorted({key for p in provenance.values() for key in p.defaults})
