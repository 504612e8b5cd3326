"""KNOWN_SECTIONS (what load_config accepts) equals the sections the package reads, so a
new stage's [section] is not refused as a misspelling and a removed one is not accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import advisor
from advisor.core.config import KNOWN_SECTIONS, load_config
from advisor.core.errors import ConfigError

CALL = re.compile(r"settings\(\s*[\w.() ]+?,\s*\"([a-z_]+)\"")


def _sections_read_by_the_package() -> set[str]:
    root = Path(advisor.__file__).parent
    found = {m for f in root.rglob("*.py") for m in CALL.findall(f.read_text(encoding="utf-8"))}
    return found | {"prices"}  # [prices."model"] tables, read by advisor.prices


def test_known_sections_are_exactly_the_ones_read():
    assert set(KNOWN_SECTIONS) == _sections_read_by_the_package()


@pytest.mark.parametrize(
    ("text", "closest"),
    [("[projecton]\n", "projection"), ("[rooting]\n", "routing"), ("sed = 1\n", "seed"), ("[cach]\n", "cache")],
)
def test_misspelled_names_are_refused_with_the_closest_name(tmp_path, text, closest):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=f"Did you mean '{closest}'"):
        load_config(cfg)
