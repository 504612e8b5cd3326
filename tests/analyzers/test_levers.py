"""The typed contract: each registered analyzer's findings class has every field its lever's
protocol (advisor/analyzers/levers.py) names, with a matching type, so a renamed field fails here
instead of silently dropping a lever from the plan."""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing

import pytest
from lever_fakes import fake_findings

from advisor.analyzers import LEVERS, get_analyzer
from advisor.analyzers.levers import PROTOCOLS, LeverFindings


def _members(protocol: type) -> dict[str, typing.Any]:
    """Protocol member name -> its declared type (the property's return annotation)."""
    out = {}
    for klass in protocol.__mro__:
        if klass is typing.Protocol or klass is object or klass is typing.Generic:
            continue
        for name, value in vars(klass).items():
            if isinstance(value, property) and value.fget is not None:
                out.setdefault(name, typing.get_type_hints(value.fget)["return"])
    return out


def _is_protocol(tp: typing.Any) -> bool:
    return isinstance(tp, type) and getattr(tp, "_is_protocol", False)


def _attribute_types(cls: type) -> dict[str, typing.Any]:
    """Field name -> type for a dataclass, plus its properties' return types."""
    hints = typing.get_type_hints(cls) if dataclasses.is_dataclass(cls) else {}
    out = {f.name: hints[f.name] for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    for name, value in vars(cls).items():
        if isinstance(value, property) and value.fget is not None:
            out[name] = typing.get_type_hints(value.fget)["return"]
    return out


def _mismatches(cls: type, protocol: type, where: str) -> list[str]:
    """What `cls` lacks of `protocol`, recursing into nested protocols (Sequence[P], P)."""
    have = _attribute_types(cls)
    problems = []
    for name, wanted in _members(protocol).items():
        if name not in have:
            problems.append(f"{where}.{name}: missing")
            continue
        problems += _compare(have[name], wanted, f"{where}.{name}")
    return problems


def _compare(got: typing.Any, wanted: typing.Any, where: str) -> list[str]:
    if _is_protocol(wanted):
        got_args = [a for a in typing.get_args(got) if a is not type(None)]
        target = got_args[0] if typing.get_origin(got) in (typing.Union, types.UnionType) else got
        return _mismatches(target, wanted, where)
    origin = typing.get_origin(wanted)
    if origin is collections.abc.Sequence:
        (item,) = typing.get_args(wanted)
        if typing.get_origin(got) is not tuple:
            return [f"{where}: expected a tuple, found {got}"]
        return _compare(typing.get_args(got)[0], item, where + "[]")
    if origin is collections.abc.Mapping:
        if typing.get_origin(got) is not dict or typing.get_args(got) != typing.get_args(wanted):
            return [f"{where}: expected dict{list(typing.get_args(wanted))}, found {got}"]
        return []
    return [] if got == wanted else [f"{where}: expected {wanted}, found {got}"]


def _findings_class(lever: str) -> type:
    """The analyzer's declared return type (its other annotations may name TYPE_CHECKING-only imports)."""
    fn = get_analyzer(lever)
    declared = fn.__annotations__["return"]
    return eval(declared, fn.__globals__) if isinstance(declared, str) else declared


def test_every_lever_has_a_protocol():
    assert set(PROTOCOLS) == set(LEVERS)
    assert {f.name for f in dataclasses.fields(LeverFindings)} == set(LEVERS)


@pytest.mark.parametrize("lever", LEVERS)
def test_findings_class_satisfies_its_lever_protocol(lever):
    cls = _findings_class(lever)
    assert _mismatches(cls, PROTOCOLS[lever], cls.__name__) == []


def test_a_renamed_field_is_caught():
    @dataclasses.dataclass(frozen=True)
    class Renamed:
        name: str
        monthly_savings_usd: float
        savings_interval_usd: tuple[float, float]
        warnings: tuple[str, ...]
        skipped_reason: str | None
        eligible_share: float  # was eligible_share_of_calls

    problems = _mismatches(Renamed, PROTOCOLS["batch"], "Renamed")
    assert "Renamed.eligible_share_of_calls: missing" in problems


@pytest.mark.parametrize("lever", LEVERS)
def test_test_fakes_have_every_protocol_field(lever):
    fake = fake_findings(lever)
    assert set(_members(PROTOCOLS[lever])) <= set(vars(fake))


def test_lever_findings_leaves_out_skipped_and_missing_analyzers():
    levers = LeverFindings.of({"batch": fake_findings("batch"), "cache": fake_findings("cache", skipped_reason="x")})
    assert levers.batch is not None and levers.cache is None and levers.routing is None
    assert LeverFindings.of(levers) is levers
