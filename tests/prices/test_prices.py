"""Price catalog: genai-prices lookups, overrides, vectorized call costs, unknown-model errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from advisor.core.config import Config
from advisor.core.errors import ConfigError, InputError
from advisor.prices.catalog import load_prices
from advisor.prices.genai import RELEASES
from advisor.prices.genai import data_date as _data_date
from advisor.prices.overrides import read_override_file

AS_OF = "2026-11-20"


def _catalog(prices: dict | None = None, override_file=None):
    sections = {"prices": {"as_of": AS_OF, **(prices or {})}}
    return load_prices(Config(sections=sections, source="advisor.toml"), override_file)


def test_catalog_price_comes_from_genai_prices_with_its_batch_variant():
    p = _catalog().price("gpt-4o-mini", "openai")
    assert (p.input_per_mtok_usd, p.output_per_mtok_usd, p.cached_input_per_mtok_usd) == (0.15, 0.6, 0.075)
    assert (p.batch_input_per_mtok_usd, p.batch_output_per_mtok_usd) == (0.075, 0.3)
    assert p.batch_price_source == "catalog"
    assert p.source.startswith("genai-prices ")


def test_model_without_catalog_batch_price_gets_half_the_list_price_and_says_so():
    p = _catalog().price("gpt-oss-20b", "openai")
    assert p.batch_price_source == "default 50 %"
    assert p.batch_input_per_mtok_usd == pytest.approx(p.input_per_mtok_usd / 2)
    assert p.batch_output_per_mtok_usd == pytest.approx(p.output_per_mtok_usd / 2)


def test_price_date_is_the_installed_genai_prices_release_not_a_provider_note():
    from importlib.metadata import version

    cat = _catalog()
    installed = version("genai-prices")
    # Fails when a newer genai-prices is installed without its release month in RELEASES.
    assert installed in RELEASES, f"add genai-prices {installed}'s release month to advisor/prices/genai.py"
    assert cat.price_date == f"{RELEASES[installed]} (genai-prices {installed} release)"
    assert cat.as_of == AS_OF


def test_an_unlisted_release_says_its_date_is_not_recorded():
    assert _data_date("9.9.9") == "genai-prices 9.9.9 (release date not recorded in advisor)"


def test_call_costs_price_input_cached_output_and_batch_per_row():
    cat = _catalog({"acme-small": {"provider": "acme", "input": 1.0, "output": 2.0, "cached_input": 0.5}})
    c = cat.call_costs(
        np.array(["acme-small"] * 3, dtype=object),
        np.array(["acme"] * 3, dtype=object),
        input_tokens=[1_000_000, 1_000_000, 2_000_000],
        output_tokens=[1_000_000, 0, 1_000_000],
        cached_input_tokens=[0, 400_000, 0],
        batch=[False, False, True],
    )
    # row 1: 1 M input at $1 + 1 M output at $2; row 2: 0.6 M at $1 + 0.4 M cached at $0.5;
    # row 3 (batch, default 50 %): 2 M at $0.5 + 1 M at $1.
    np.testing.assert_allclose(c.input_usd, [1.0, 0.8, 1.0])
    np.testing.assert_allclose(c.cached_input_usd, [0.0, 0.2, 0.0])
    np.testing.assert_allclose(c.output_usd, [2.0, 0.0, 1.0])
    np.testing.assert_allclose(cat.call_cost_usd("acme-small", "acme", [1_000_000], [1_000_000]), [3.0])


def test_tiered_catalog_price_applies_above_its_threshold_to_the_whole_call():
    cat = _catalog()
    p = cat.price("claude-sonnet-4-5", "anthropic")
    assert p.tiers, "claude-sonnet-4-5 has a long-context tier in genai-prices"
    tier = p.tiers[0]
    below = cat.call_cost_usd("claude-sonnet-4-5", "anthropic", [tier.above_input_tokens], [0])
    above = cat.call_cost_usd("claude-sonnet-4-5", "anthropic", [tier.above_input_tokens + 1], [0])
    assert below[0] == pytest.approx(tier.above_input_tokens * p.input_per_mtok_usd / 1e6)
    assert above[0] == pytest.approx((tier.above_input_tokens + 1) * tier.input_per_mtok_usd / 1e6)


def test_call_costs_match_genai_prices_calc_price():
    from datetime import UTC, datetime

    from genai_prices import Usage, calc_price

    cat = _catalog()
    ours = cat.call_cost_usd("gpt-4o", "openai", [12_345], [678], [2_000])
    theirs = calc_price(
        Usage(input_tokens=12_345, output_tokens=678, cache_read_tokens=2_000),
        "gpt-4o",
        provider_id="openai",
        genai_request_timestamp=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert ours[0] == pytest.approx(float(theirs.total_price))


def test_partial_override_keeps_other_catalog_prices():
    cat = _catalog({"gpt-4o-mini": {"provider": "openai", "output": 0.5}})
    p = cat.price("gpt-4o-mini", "openai")
    assert (p.input_per_mtok_usd, p.output_per_mtok_usd, p.cached_input_per_mtok_usd) == (0.15, 0.5, 0.075)
    assert p.source == "advisor.toml"


def test_override_of_batch_price_is_marked_override():
    cat = _catalog({"acme": {"input": 4.0, "output": 8.0, "batch_input": 3.0, "batch_output": 6.0}})
    p = cat.price("acme", "anything")
    assert (p.batch_input_per_mtok_usd, p.batch_output_per_mtok_usd, p.batch_price_source) == (3.0, 6.0, "override")


def test_override_file_toml_and_csv_are_read(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text('[prices."acme-a"]\nprovider = "acme"\ninput = 1\noutput = 3\n')
    csv = tmp_path / "p.csv"
    csv.write_text("model,provider,input,output,cached_input,batch_input,batch_output\nacme-b,acme,2,5,,1,\n")
    assert read_override_file(toml)[0].output == 3.0
    b = read_override_file(csv)[0]
    assert (b.model, b.input, b.cached_input, b.batch_input, b.batch_output) == ("acme-b", 2.0, None, 1.0, None)
    cat = _catalog(override_file=csv)
    assert cat.price("acme-b", "acme").batch_input_per_mtok_usd == 1.0
    assert cat.price("acme-b", "acme").batch_output_per_mtok_usd == 2.5


def test_override_file_wins_over_config_override(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('["acme"]\ninput = 9\noutput = 9\n')
    cat = _catalog({"acme": {"input": 1.0, "output": 1.0}}, override_file=f)
    assert cat.price("acme", None).input_per_mtok_usd == 9.0


def test_negative_override_price_is_a_config_error():
    with pytest.raises(
        ConfigError,
        match=r"advisor.toml: The 'prices.acme.input' setting must be a price in USD "
        r"per million tokens \(a number >= 0\). Got -1 instead.",
    ):
        _catalog({"acme": {"input": -1, "output": 1}})


def test_unknown_override_key_is_a_config_error():
    with pytest.raises(ConfigError, match=r"The 'prices.acme.inptu' setting is unknown"):
        _catalog({"acme": {"inptu": 1, "output": 1}})


def test_bad_csv_price_names_the_line(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("model,input,output\nacme,1,x\n")
    with pytest.raises(ConfigError, match=r"p.csv line 2: The 'prices.acme.output' setting must be"):
        read_override_file(f)


def test_a_csv_price_row_with_more_cells_than_the_header_names_the_line(tmp_path):
    # Found by tests/hostile/test_properties.py: the extra cells crashed with AttributeError.
    f = tmp_path / "p.csv"
    f.write_text("model,provider,input,output\n0,,,,\n")
    with pytest.raises(InputError, match=r"p.csv, line 2: expected 4 cells, as in the header, found 5 cells"):
        read_override_file(f)


def test_bad_as_of_is_a_config_error():
    with pytest.raises(ConfigError, match=r"The 'prices.as_of' setting must be an ISO date"):
        load_prices(Config(sections={"prices": {"as_of": "last tuesday"}}))


def test_unknown_model_error_lists_close_names_and_how_to_add_a_price():
    with pytest.raises(InputError) as exc:
        _catalog().price("gpt-4o-mni", "openai")
    msg = str(exc.value)
    assert "found 'gpt-4o-mni'" in msg
    assert "gpt-4o-mini" in msg
    assert '[prices."gpt-4o-mni"] provider = "openai" input = ' in msg


def test_unknown_model_in_call_costs_names_file_and_row():
    cat = _catalog()
    with pytest.raises(InputError, match=r"calls.csv, row 7, column 'model': .*found 'no-such-model'"):
        cat.call_costs(
            np.array(["gpt-4o", "no-such-model"], dtype=object),
            np.array(["openai"] * 2, dtype=object),
            [1, 1],
            [1, 1],
            locate=lambda i: ("calls.csv", 6 + i),
        )


def test_override_of_unknown_model_needs_input_and_output():
    cat = _catalog({"acme": {"input": 1.0}})
    with pytest.raises(InputError, match="found 'acme'"):
        cat.price("acme", None)


def test_candidates_are_cheapest_first_and_include_overrides():
    cat = _catalog({"acme-tiny": {"provider": "openai", "input": 0.001, "output": 0.002}})
    cands = cat.candidates("openai")
    assert cands[0].model == "acme-tiny"
    blended = [c.blended_per_mtok_usd for c in cands]
    assert blended == sorted(blended)
    assert all(c.provider == "openai" for c in cands)
    assert any(c.model == "gpt-4o-mini" for c in cands)


def test_shipped_example_override_file_loads():
    from pathlib import Path

    f = Path(__file__).resolve().parents[2] / "data" / "prices" / "example_overrides.toml"
    cat = _catalog(override_file=f)
    assert cat.price("gpt-4o", "openai").input_per_mtok_usd == 2.0
    own = cat.price("acme-support-7b", "self-hosted")
    assert (own.batch_input_per_mtok_usd, own.batch_price_source) == (0.03, "override")


def test_model_without_provider_lets_genai_prices_infer_it():
    p = _catalog().price("gpt-4o-mini", None)
    assert p.provider == "openai"
    np.testing.assert_allclose(_catalog().call_cost_usd(["gpt-4o-mini"], [None], [1_000_000], [0]), [0.15])


def test_provider_unknown_from_ingest_is_treated_as_no_provider():
    cat = _catalog({"house-model": {"input": 1.0, "output": 1.0}})
    assert cat.price("house-model", "unknown").input_per_mtok_usd == 1.0
    assert cat.price("gpt-4o", "unknown").provider == "openai"
    with pytest.raises(InputError) as exc:
        cat.price("no-such-model", "unknown")
    assert "at provider" not in str(exc.value)
    assert '[prices."no-such-model"] input = 1.0 output = 2.0' in str(exc.value)


_CAT = None


def _shared_catalog():
    global _CAT
    if _CAT is None:
        _CAT = _catalog({"acme": {"input": 3.0, "output": 15.0, "cached_input": 0.3}})
    return _CAT


@hsettings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**6), st.floats(0, 1)), min_size=1, max_size=20),
    st.sampled_from([("acme", None), ("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic")]),
)
def test_call_costs_are_non_negative_and_batch_or_cache_never_costs_more(rows, model):
    cat = _shared_catalog()
    inp = np.array([r[0] for r in rows], dtype=float)
    out = np.array([r[1] for r in rows], dtype=float)
    cached = np.floor(inp * np.array([r[2] for r in rows]))
    m, p = model
    plain = cat.call_costs(m, p, inp, out)
    with_cache = cat.call_costs(m, p, inp, out, cached)
    batched = cat.call_costs(m, p, inp, out, cached, batch=True)
    assert (plain.total_usd >= 0).all()
    assert (with_cache.total_usd <= plain.total_usd + 1e-12).all()
    assert (batched.total_usd <= with_cache.total_usd + 1e-12).all()
    np.testing.assert_allclose(with_cache.total_usd, with_cache.input_usd + with_cache.output_usd)
    # Pricing rows together equals pricing them one by one.
    one_by_one = [cat.call_cost_usd(m, p, [a], [b], [c])[0] for a, b, c in zip(inp, out, cached)]
    np.testing.assert_allclose(with_cache.total_usd, one_by_one)
