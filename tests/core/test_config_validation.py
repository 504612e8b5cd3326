"""Every settings section and price override is validated with one message shape.

Values: "The 'section.key' setting must be … Got … instead." (optionally after "file: ").
Unknown keys: "The 'section.key' setting is unknown. Known settings: …."
The settings classes are found by scanning the package for `settings(config, "section", Class)`
calls, so a section added later is checked without touching this file.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import math
import re
import types
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor
from advisor.cli.main import cli
from advisor.core.config import Config, load_config, settings
from advisor.core.errors import ConfigError, InputError

PACKAGE = Path(advisor.__file__).resolve().parent
VALUE_SHAPE = re.compile(r"^(?:.+: )?The '[^']+' setting must be .+\. Got .+ instead\.$", re.S)
UNKNOWN_SHAPE = re.compile(r"^(?:.+: )?The '[^']+' setting is unknown\. Known settings: .+\.$", re.S)


def _registered() -> dict[str, set[type]]:
    """section -> the settings dataclasses read from it anywhere in the package."""
    found: dict[str, set[type]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
            and getattr(n.func, "id", getattr(n.func, "attr", None)) == "settings"
            and len(n.args) == 3
            and isinstance(n.args[1], ast.Constant)
            and isinstance(n.args[2], ast.Name)
        ]
        if not calls:
            continue
        modname = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = importlib.import_module(modname)
        # Names imported inside functions (lazy imports) are not module attributes: resolve them.
        imported = {
            a.asname or a.name: (n.module, n.level)
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        }
        for call in calls:
            name = call.args[2].id
            if hasattr(module, name):
                cls = getattr(module, name)
            else:
                source, level = imported[name]
                package = modname if path.name == "__init__.py" else modname.rpartition(".")[0]
                cls = getattr(importlib.import_module("." * level + (source or ""), package if level else None), name)
            assert dataclasses.is_dataclass(cls), f"{path}: {cls} is not a dataclass"
            found.setdefault(call.args[1].value, set()).add(cls)
    return found


REGISTERED = _registered()
SECTIONS = sorted((section, cls) for section, classes in REGISTERED.items() for cls in classes)
PAIRS = [pytest.param(s, c, id=f"{s}:{c.__name__}") for s, c in sorted(SECTIONS, key=lambda x: (x[0], x[1].__name__))]


def _fields(cls) -> list[tuple[str, object]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _base(tp) -> set[type]:
    """The concrete types a hint allows (Optional and unions flattened)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return set().union(*(_base(a) for a in typing.get_args(tp) if a is not type(None)))
    return {typing.get_origin(tp) or tp}


def _wrong_value(tp) -> object | None:
    """A value of a type the field does not accept, or None if it accepts anything."""
    allowed = _base(tp)
    if allowed & {typing.Any, object}:
        return None
    for candidate in ("not a number", 3.5, ["a", "list"], {"a": "table"}, True):
        kinds = {str: str, float: (int, float), list: (tuple, list), dict: dict, bool: bool}[type(candidate)]
        if not any(a is kinds or (isinstance(kinds, tuple) and a in kinds) for a in allowed):
            if isinstance(candidate, float) and float in allowed:
                continue
            return candidate
    return None


def test_the_known_sections_are_found():
    assert {"projection", "infrastructure", "operations", "ingest", "routing", "optimizer"} <= set(REGISTERED)


@pytest.mark.parametrize("section, cls", PAIRS)
def test_defaults_are_valid(section, cls):
    assert isinstance(settings(Config(), section, cls), cls)


@pytest.mark.parametrize("section, cls", PAIRS)
def test_an_unknown_key_names_the_known_ones(section, cls):
    config = Config(sections={section: {"no_such_setting": 1}}, source="advisor.toml")
    with pytest.raises(ConfigError) as exc:
        settings(config, section, cls)
    msg = str(exc.value)
    assert UNKNOWN_SHAPE.match(msg), msg
    assert msg.startswith(f"advisor.toml: The '{section}.no_such_setting' setting is unknown.")
    for name, _ in _fields(cls):
        assert name in msg


@pytest.mark.parametrize("section, cls", PAIRS)
def test_a_wrong_type_has_the_fixed_shape_and_names_the_setting(section, cls):
    checked = 0
    for name, tp in _fields(cls):
        value = _wrong_value(tp)
        if value is None:
            continue
        config = Config(sections={section: {name: value}}, source="advisor.toml")
        with pytest.raises(ConfigError) as exc:
            settings(config, section, cls)
        msg = str(exc.value)
        assert VALUE_SHAPE.match(msg), msg
        assert f"The '{section}.{name}" in msg, msg
        assert f"Got {value!r} instead." in msg, msg
        checked += 1
    assert checked > 0


# Names that carry a unit or a share: negative values make no sense for any of them.
NON_NEGATIVE = re.compile(
    r"(_usd|_per_hour|_per_day|_per_month|_tokens|_gb|_s|_share|_ratio|_fraction|_rate|"
    r"_discount|_months|_workers|_vcpus|_calls|_per_million_calls|ceiling|threshold|"
    r"_budget)$"
)


def _numeric(tp) -> bool:
    return bool(_base(tp) & {int, float}) and not (_base(tp) - {int, float})


# Gaps found by these tests in modules still being written (routed to their owners by the lead).
KNOWN_GAPS: dict = {}


def _param(section, cls, name, value, **kw):
    reason = next(
        (
            r
            for (s, n, v), r in KNOWN_GAPS.items()
            if s == section and n == name and (v == value or (v != v and value != value))
        ),
        None,
    )
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(
        section,
        cls,
        name,
        *([value] if kw.get("with_value") else []),
        marks=marks,
        id=f"{section}.{name}" + (f"={value}" if kw.get("with_value") else ""),
    )


NUMERIC_FIELDS = [
    _param(s, c, n, -1.0) for s, c in SECTIONS for n, tp in _fields(c) if _numeric(tp) and NON_NEGATIVE.search(n)
]


@pytest.mark.parametrize("section, cls, name", NUMERIC_FIELDS)
def test_negative_amounts_and_shares_are_rejected_with_the_fixed_shape(section, cls, name):
    tp = dict(_fields(cls))[name]
    value = -1 if int in _base(tp) and float not in _base(tp) else -1.0
    with pytest.raises(ConfigError) as exc:
        settings(Config(sections={section: {name: value}}), section, cls)
    assert VALUE_SHAPE.match(str(exc.value)), str(exc.value)
    assert f"'{section}.{name}'" in str(exc.value)


# inf is a meaningful "no limit" for a ceiling ("max_") or an expiry ("ttl"); nan never means anything.
FLOAT_FIELDS = [
    _param(s, c, n, v, with_value=True)
    for s, c in SECTIONS
    for n, tp in _fields(c)
    if float in _base(tp) and not (_base(tp) - {int, float})
    for v in (math.nan, math.inf)
    if not (v == math.inf and ("max_" in n or "ttl" in n))
]


@pytest.mark.parametrize("section, cls, name, value", FLOAT_FIELDS)
def test_nan_and_infinity_are_rejected(section, cls, name, value):
    """TOML can spell nan and inf; no setting means anything with them."""
    with pytest.raises(ConfigError) as exc:
        settings(Config(sections={section: {name: value}}), section, cls)
    assert VALUE_SHAPE.match(str(exc.value)), str(exc.value)


# ------------------------------------------------------------------------------ the config file


@pytest.mark.parametrize(
    "text, expected",
    [
        ("quality_target = 2\n", "The 'quality_target' setting must be a number in (0, 1.5]. Got 2 instead."),
        ('quality_target = "high"\n', "The 'quality_target' setting must be a number in (0, 1.5]. Got 'high' instead."),
        ("seed = 1.5\n", "The 'seed' setting must be an integer in [0, 2**32). Got 1.5 instead."),
        ("routing = 3\n", "The 'routing' setting must be a table ([routing]). Got 3 instead."),
    ],
)
def test_top_level_settings_have_the_fixed_shape(tmp_path, text, expected):
    path = tmp_path / "advisor.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value) == f"{path}: {expected}"


def test_a_bad_setting_in_a_config_file_is_exit_2_naming_file_and_setting(tmp_path):
    path = tmp_path / "advisor.toml"
    path.write_text("[infrastructure]\nutilization_ceiling = 1.7\n")
    log = Path(advisor.__file__).resolve().parent.parent / "data" / "sample" / "customer_service.csv"
    r = CliRunner().invoke(cli, ["cost", str(log), "--config", str(path)])
    assert r.exit_code == 2
    assert (
        f"Error: {path}: The 'infrastructure.utilization_ceiling' setting must be a fraction in (0, 1]. "
        "Got 1.7 instead."
    ) in r.output


def test_a_toml_syntax_error_is_a_clean_input_error(tmp_path):
    path = tmp_path / "advisor.toml"
    path.write_text("[routing\n")
    with pytest.raises(InputError, match=r"expected valid TOML, found a syntax error .* Fix the file and retry\."):
        load_config(path)


# ------------------------------------------------------------------------------ price overrides


def _prices(tmp_path, name, text):
    from advisor.prices.overrides import read_override_file

    path = tmp_path / name
    path.write_text(text)
    return path, (lambda: read_override_file(path))


PRICE = "a price in USD per million tokens (a number >= 0)"


@pytest.mark.parametrize(
    "value, shown", [('"cheap"', "'cheap'"), ("-1.0", "-1.0"), ("nan", "nan"), ("inf", "inf"), ("true", "True")]
)
def test_a_bad_price_in_a_toml_override_has_the_fixed_shape(tmp_path, value, shown):
    path, read = _prices(tmp_path, "prices.toml", f'[prices."acme-1"]\ninput = {value}\noutput = 1\n')
    with pytest.raises(ConfigError) as exc:
        read()
    assert str(exc.value) == f"{path}: The 'prices.acme-1.input' setting must be {PRICE}. Got {shown} instead."


def test_an_unknown_key_in_a_toml_override_names_the_known_keys(tmp_path):
    _path, read = _prices(tmp_path, "prices.toml", '[prices."acme-1"]\ninput = 1\noutptu = 2\n')
    with pytest.raises(ConfigError) as exc:
        read()
    assert UNKNOWN_SHAPE.match(str(exc.value))
    assert "The 'prices.acme-1.outptu' setting is unknown." in str(exc.value)


@pytest.mark.parametrize(
    "table, expected",
    [
        ('"acme-1" = 5', "The 'prices.acme-1' setting must be a table with input, output, ... prices. Got 5 instead."),
        (
            '[prices."acme-1"]\nprovider = 3',
            "The 'prices.acme-1.provider' setting must be a provider id such as \"openai\". Got 3 instead.",
        ),
    ],
)
def test_malformed_toml_override_tables_have_the_fixed_shape(tmp_path, table, expected):
    text = table if table.startswith("[") else "[prices]\n" + table
    path, read = _prices(tmp_path, "prices.toml", text + "\n")
    with pytest.raises(ConfigError) as exc:
        read()
    assert str(exc.value) == f"{path}: {expected}"


def test_a_bad_price_in_a_csv_override_names_the_line(tmp_path):
    path, read = _prices(tmp_path, "prices.csv", "model,input,output\nacme-1,1,2\nacme-2,abc,2\n")
    with pytest.raises(ConfigError) as exc:
        read()
    assert str(exc.value) == f"{path} line 3: The 'prices.acme-2.input' setting must be {PRICE}. Got 'abc' instead."


def test_a_negative_price_in_a_csv_override_is_rejected(tmp_path):
    _path, read = _prices(tmp_path, "prices.csv", "model,input,output\nacme-1,1,-2\n")
    with pytest.raises(ConfigError, match=r"The 'prices.acme-1.output' setting must be .* Got -2.0 instead\."):
        read()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name,input\nx,1\n", "line 1, column 'model': expected a header with columns model"),
        ("model,input,colour\nx,1,red\n", "line 1, column 'colour': expected one of model, provider"),
        ("model,input\n,1\n", "line 2, column 'model': expected a model name, found an empty cell."),
    ],
)
def test_csv_override_layout_errors_name_line_and_column(tmp_path, text, expected):
    path, read = _prices(tmp_path, "prices.csv", text)
    with pytest.raises(InputError) as exc:
        read()
    assert str(exc.value).startswith(f"{path}, {expected}")


def test_a_bad_price_override_file_is_exit_2_on_the_command_line(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[prices."claude-sonnet-4-5"]\nprovider = "anthropic"\ninput = -3\n')
    r = CliRunner().invoke(
        cli,
        [
            "cost",
            "--scenario",
            str(Path(advisor.__file__).resolve().parent.parent / "data" / "scenarios" / "seed_customer_service.toml"),
            "--prices",
            str(path),
        ],
    )
    assert r.exit_code == 2
    assert f"The 'prices.claude-sonnet-4-5.input' setting must be {PRICE}. Got -3 instead." in r.output


def test_config_price_tables_use_the_same_shape():
    from advisor.prices.catalog import load_prices

    config = Config(sections={"prices": {"acme-1": {"input": "x"}}}, source="advisor.toml")
    with pytest.raises(ConfigError) as exc:
        load_prices(config)
    assert VALUE_SHAPE.match(str(exc.value)), str(exc.value)
    assert "The 'prices.acme-1.input' setting must be" in str(exc.value)


def test_a_wrong_type_in_a_config_file_is_exit_2_naming_file_and_setting(tmp_path):
    path = tmp_path / "advisor.toml"
    path.write_text('[infrastructure]\nutilization_ceiling = "high"\n')
    log = Path(advisor.__file__).resolve().parent.parent / "data" / "sample" / "customer_service.csv"
    r = CliRunner().invoke(cli, ["cost", str(log), "--config", str(path)])
    assert r.exit_code == 2
    assert (
        f"Error: {path}: The 'infrastructure.utilization_ceiling' setting must be a number. Got 'high' instead."
        in r.output
    )
