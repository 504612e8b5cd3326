"""Prices: Config (+ optional override file) -> PriceCatalog.

List prices come from the installed `genai-prices` package (never the network), always looked
up with the provider id. User overrides come from `[prices."model"]` tables in the config and
from a TOML or CSV file given with `--prices`. All prices are USD per million tokens.

The catalog prices whole columns at once: rows are grouped by (model, provider), each group
is resolved once, and the per-row costs are numpy arithmetic on the group's rates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from advisor.core.errors import ConfigError, InputError
from advisor.prices.genai import data_date, genai_version, price_from_genai, snapshot
from advisor.prices.overrides import PriceOverride, parse_override, read_override_file
from advisor.prices.time_of_day import apply_day_periods
from advisor.prices.types import BATCH_DISCOUNT_DEFAULT, CallCosts, ModelPrice, PriceTier, price_rates

# The values (advisor.prices.types) and the genai-prices lookup (advisor.prices.genai) live in
# their own modules; callers keep importing these names from advisor.prices.catalog.
__all__ = [
    "BATCH_DISCOUNT_DEFAULT",
    "UNKNOWN_PROVIDER",
    "CallCosts",
    "ModelPrice",
    "PriceCatalog",
    "PriceTier",
    "load_prices",
    "unknown_model_error",
]

_MTOK = 1_000_000.0
UNKNOWN_PROVIDER = "unknown"  # advisor.ingest.providers.UNKNOWN


def unknown_model_error(
    model: str, provider: str | None, known: list[str], *, file: str = "<log>", row: int | None = None
) -> InputError:
    """InputError naming the model, where it was first seen, close names and how to add a price."""
    close = difflib.get_close_matches(model.lower(), known, n=5, cutoff=0.5)
    hint = f" Close known names: {', '.join(close)}." if close else ""
    prov_line = f'provider = "{provider}" ' if provider else ""
    return InputError.at(
        file,
        row=row,
        column="model",
        expected=f"a model with a known price{f' at provider {provider!r}' if provider else ''}",
        found=repr(model),
        fix=(
            f"{hint.strip()} If the name is right, add its price (USD per million tokens) to your config: "
            f'[prices."{model}"] {prov_line}input = 1.0 output = 2.0, '
            f"or pass a file with --prices."
        ).strip(),
    )


@dataclass(frozen=True)
class PriceCatalog:
    """Prices by (model, provider): user overrides first, then genai-prices."""

    overrides: tuple[PriceOverride, ...] = ()
    as_of: str = ""  # ISO date at which dated catalog prices are resolved
    price_date: str = ""  # when the price data was published (see data_date)
    source: str = ""  # "genai-prices <version>"
    _cache: dict[tuple[str, str | None], ModelPrice | None] = field(default_factory=dict, repr=False, compare=False)

    def _as_of_dt(self) -> datetime:
        return datetime.combine(date.fromisoformat(self.as_of), datetime.min.time(), tzinfo=UTC)

    def _override_for(self, model: str, provider: str | None) -> PriceOverride | None:
        exact = [o for o in self.overrides if o.model == model and o.provider == provider and provider]
        loose = [o for o in self.overrides if o.model == model and o.provider is None]
        any_provider = [o for o in self.overrides if o.model == model] if provider is None else []
        found = exact or loose or any_provider
        return found[-1] if found else None  # later overrides (the --prices file) win

    def find(self, model: str, provider: str | None) -> ModelPrice | None:
        """The price of `model` at `provider`, or None when neither overrides nor catalog know it."""
        provider = _provider_or_none(provider)
        key = (model, provider)
        if key not in self._cache:
            self._cache[key] = self._resolve(model, provider)
        return self._cache[key]

    def _resolve(self, model: str, provider: str | None) -> ModelPrice | None:
        over = self._override_for(model, provider)
        prov = provider or (over.provider if over else None)
        # Without a provider, genai-prices infers it from the model name.
        base = price_from_genai(model, prov, self._as_of_dt(), self.source)
        if over is None:
            return base
        if base is None and (over.input is None or over.output is None):
            return None  # an override of an unknown model must give both list prices
        i = over.input if over.input is not None else _known(base).input_per_mtok_usd
        o = over.output if over.output is not None else _known(base).output_per_mtok_usd
        if over.cached_input is not None:
            cached = over.cached_input
        elif base is None:
            cached = i  # nothing known about a cache discount: cached tokens cost as input
        else:  # keep the catalog's cache discount, applied to the user's input price
            ratio = base.cached_input_per_mtok_usd / base.input_per_mtok_usd if base.input_per_mtok_usd else 1.0
            cached = i * ratio
        if over.batch_input is not None or over.batch_output is not None:
            bsrc = "override"
        elif base is not None and over.input is None and over.output is None:
            bsrc = base.batch_price_source
        else:
            bsrc = "default 50 %"
        bi = (
            over.batch_input
            if over.batch_input is not None
            else (_known(base).batch_input_per_mtok_usd if bsrc == "catalog" else i * BATCH_DISCOUNT_DEFAULT)
        )
        bo = (
            over.batch_output
            if over.batch_output is not None
            else (_known(base).batch_output_per_mtok_usd if bsrc == "catalog" else o * BATCH_DISCOUNT_DEFAULT)
        )
        # A user price replaces the whole schedule: catalog tiers no longer apply.
        return ModelPrice(
            model=model,
            provider=prov or "custom",
            input_per_mtok_usd=i,
            output_per_mtok_usd=o,
            cached_input_per_mtok_usd=cached,
            batch_input_per_mtok_usd=bi,
            batch_output_per_mtok_usd=bo,
            batch_price_source=bsrc,
            source=over.source,
        )

    def known_names(self, provider: str | None = None) -> list[str]:
        names = {o.model for o in self.overrides}
        for p in snapshot().providers:
            if provider is None or p.id == provider:
                names.update(m.id for m in p.models)
        return sorted(names)

    def price(
        self, model: str, provider: str | None = None, *, file: str = "<log>", row: int | None = None
    ) -> ModelPrice:
        """The price of `model` at `provider`; InputError naming close names when unknown."""
        provider = _provider_or_none(provider)
        found = self.find(model, provider)
        if found is None:
            known = self.known_names(provider) or self.known_names()
            raise unknown_model_error(model, provider, known, file=file, row=row)
        return found

    def candidates(self, provider: str | None = None) -> list[ModelPrice]:
        """Known token-priced, non-deprecated models (overrides included), cheapest first.

        The routing analyzer picks cheaper tiers from this list.
        """
        out: dict[tuple[str, str], ModelPrice] = {}
        for p in snapshot().providers:
            if provider is not None and p.id != provider:
                continue
            for m in p.models:
                if m.deprecated:
                    continue
                mp = self.find(m.id, p.id)
                if mp is not None:
                    out[(mp.model, mp.provider)] = mp
        for o in self.overrides:
            if provider is None or o.provider in (None, provider):
                mp = self.find(o.model, o.provider or provider)
                if mp is not None:
                    out[(mp.model, mp.provider)] = mp
        return sorted(out.values(), key=lambda mp: (mp.blended_per_mtok_usd, mp.model, mp.provider))

    def call_costs(
        self,
        model,
        provider,
        input_tokens,
        output_tokens,
        cached_input_tokens=0,
        batch=False,
        locate: Callable[[int], tuple[str, int | None]] | None = None,
        *,
        at=None,
    ) -> CallCosts:
        """Per-call input / cached-input / output cost in USD over numpy arrays.

        `model` and `provider` are arrays (or scalars) aligned with the token arrays; rows are
        grouped by (model, provider) so each pair is priced once. `batch` marks calls billed at
        batch rates. `locate(i)` names the file and row of row position i for error messages.
        `at`: each call's time, for providers that price by time of day (else standard rates).
        """
        import pandas as pd

        inp = np.asarray(input_tokens, dtype=np.float64)
        n = inp.shape[0] if inp.ndim else 1
        inp = np.broadcast_to(inp, (n,)).astype(np.float64)
        out = np.broadcast_to(np.asarray(output_tokens, dtype=np.float64), (n,))
        cached = np.broadcast_to(np.asarray(cached_input_tokens, dtype=np.float64), (n,))
        is_batch = np.broadcast_to(np.asarray(batch, dtype=bool), (n,))
        # Factorize each key on its own, then the pair of small integer codes: far cheaper
        # than hashing (model, provider) string tuples row by row.
        m_codes, m_names = _factorize(model, n, na_sentinel=False)
        p_codes, p_names = _factorize(provider, n, na_sentinel=True)
        codes, pair_ids = pd.factorize(m_codes.astype(np.int64) * (len(p_names) + 1) + (p_codes + 1))
        uniques = [
            (
                str(m_names[i // (len(p_names) + 1)]),
                "" if i % (len(p_names) + 1) == 0 else str(p_names[i % (len(p_names) + 1) - 1]),
            )
            for i in pair_ids
        ]
        k = len(uniques)
        rates = np.zeros((5, k))  # input, output, cached, batch input, batch output
        tiered: list[tuple[int, PriceTier]] = []
        timed: list[tuple[int, tuple]] = []
        for g, (m, p) in enumerate(uniques):
            try:
                mp = self.price(m, p or None)
            except InputError:
                first = int(np.argmax(codes == g))
                file, row = locate(first) if locate else ("<input>", first + 1)
                prov = _provider_or_none(p)
                known = self.known_names(prov) or self.known_names()
                raise unknown_model_error(m, prov, known, file=file, row=row) from None
            rates[:, g] = price_rates(mp)
            tiered.extend((g, t) for t in mp.tiers)
            if mp.day_periods:
                timed.append((g, mp.day_periods))
        per_row = rates[:, codes] if n else np.zeros((5, 0))
        for g, tier in tiered:  # tiers ascend, so a later (higher) tier overwrites a lower one
            mask = (codes == g) & (inp > tier.above_input_tokens)
            per_row[:, mask] = np.array(price_rates(tier))[:, None]
        if at is not None and timed:
            apply_day_periods(per_row, codes, timed, at)
        in_rate = np.where(is_batch, per_row[3], per_row[0])
        out_rate = np.where(is_batch, per_row[4], per_row[1])
        # A cached token never costs more than an uncached one at the same (batch) rate.
        cached_rate = np.where(is_batch, np.minimum(per_row[2], per_row[3]), per_row[2])
        uncached = np.maximum(inp - cached, 0.0)
        cached_cost = cached * cached_rate / _MTOK
        return CallCosts(
            input_usd=uncached * in_rate / _MTOK + cached_cost,
            cached_input_usd=cached_cost,
            output_usd=out * out_rate / _MTOK,
        )

    def call_cost_usd(
        self, model, provider, input_tokens, output_tokens, cached_input_tokens=0, batch=False
    ) -> np.ndarray:
        """Total cost per call in USD (see `call_costs` for the parts)."""
        return self.call_costs(model, provider, input_tokens, output_tokens, cached_input_tokens, batch).total_usd


def _known(base: ModelPrice | None) -> ModelPrice:
    """The catalog price an override falls back to; _resolve only asks when there is one."""
    assert base is not None, "an override without a catalog price gives both list prices"
    return base


def _provider_or_none(provider: str | None) -> str | None:
    # ingest writes "unknown" when it cannot infer the provider: let overrides without a
    # provider, or genai-prices' own inference from the model name, decide.
    return None if provider is None or provider in ("", UNKNOWN_PROVIDER) or provider != provider else provider


def _factorize(values, n: int, *, na_sentinel: bool):
    """Codes and names of a key column given as a scalar, array, Series or Categorical."""
    import pandas as pd

    if isinstance(values, (pd.Series, pd.Categorical, pd.Index)) and len(values) == n:
        return pd.factorize(values, use_na_sentinel=na_sentinel)
    return pd.factorize(np.broadcast_to(np.asarray(values, dtype=object), (n,)), use_na_sentinel=na_sentinel)


def load_prices(config, override_file: str | Path | None = None) -> PriceCatalog:
    """The price catalog for a run: genai-prices, then `[prices."model"]` tables, then `override_file`.

    `[prices] as_of = "YYYY-MM-DD"` pins the date at which dated catalog prices are resolved
    (default: today, UTC), so a rerun months later can reproduce an old report.
    """
    section = dict(config.section("prices")) if config is not None else {}
    source = config.source if config is not None and config.source else "config"
    as_of_raw = section.pop("as_of", None)
    if as_of_raw is None:
        as_of = datetime.now(UTC).date()
    elif isinstance(as_of_raw, date) and not isinstance(as_of_raw, datetime):
        as_of = as_of_raw
    else:
        try:
            as_of = date.fromisoformat(str(as_of_raw))
        except ValueError:
            raise ConfigError.setting("prices.as_of", 'an ISO date such as "2026-11-01"', as_of_raw, source) from None
    overrides = [parse_override(m, t, source) for m, t in section.items()]
    if override_file is not None:
        overrides.extend(read_override_file(override_file))
    return PriceCatalog(
        overrides=tuple(overrides),
        as_of=as_of.isoformat(),
        price_date=data_date(genai_version()),
        source=f"genai-prices {genai_version()}",
    )
