"""Why API cost moved between two runs: (usage of run A, usage of run B) -> CostDecomposition.

Each run's monthly API cost is written as a product of four factors over its usage cells
(model, provider, mode), all from the stored `usage` (advisor/cost/usage.py):

    cost = N * sum over classes g [ w_g * sum over cells c of g
               ( T_in_g * a_in_c * ((1 - f_c) * p_uncached_c + f_c * p_cached_c) + T_out_g * a_out_c * p_out_c ) ]

- volume   N: calls per month;
- mix      (w, T): each traffic class's share of calls (its task, else latency class) and its
  input and output tokens per call — what the traffic asks for;
- adoption A: within its class, each cell's share of the input tokens (a_in), of the output
  tokens (a_out) and the cached part of its input (f): which models and modes served the traffic
  and how much of the prompt the provider's cache read — what the plan changes (a class one run
  lacks is served, in that run's allocation, like that run's traffic as a whole). Where both runs
  know how much of a class's prompt a cache could read (their prompt analysis), that potential is
  part of the mix and adoption holds the part of it actually read: longer conversations make
  more of the prompt cacheable, which is traffic, not adoption;
- prices   P: USD per token of each cell (the baseline's own pricing divided by the tokens, so
  tiers and time-of-day rates are kept; a cell a run did not use takes its list price).

With every factor from one run the formula gives that run's API cost exactly. The change is
split with the Shapley value over the four factors (the average, over the 24 orders of switching
factors from A's value to B's, of each factor's step), so the four parts add up to the change
exactly and no factor is favoured by coming first.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import factorial
from typing import Any

FACTORS = ("volume", "mix", "prices", "adoption")
_MTOK = 1e6

Key = tuple[str, str, str, str]  # (model, provider, mode, traffic class)


@dataclass(frozen=True)
class _State:
    calls_per_month: float
    mix: dict[str, tuple[float, float, float]]  # class -> (share of calls, input / call, output / call)
    shares: dict[Key, tuple[float, float, float]]  # within its class: (a_in, f_cached, a_out)
    # class -> share of input a prompt cache could read (part of the mix); where both runs know
    # it, the adoption factor holds f / potential (the part of the readable prompt read).
    potential: dict[str, float]
    prices: dict[Key, tuple[float, float, float]]  # USD per token: uncached input, cached input, output


@dataclass(frozen=True)
class CostDecomposition:
    api_cost_a_usd: float  # per month, from run A's usage
    api_cost_b_usd: float
    volume_usd: float
    mix_usd: float
    prices_usd: float
    adoption_usd: float
    # B's traffic and prices with A's allocation minus B's cost: what the change of models,
    # modes and prompt caching saved on B's own traffic.
    adoption_saving_at_b_usd: float
    notes: tuple[str, ...] = ()

    @property
    def change_usd(self) -> float:
        return self.api_cost_b_usd - self.api_cost_a_usd

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "notes": list(self.notes), "change_usd": self.change_usd}


def _list_rates(usage: dict[str, Any], model: str, provider: str, mode: str) -> tuple[float, float, float] | None:
    for p in usage.get("list_prices") or []:
        if p.get("model") == model and p.get("provider") == provider:
            if mode == "batch":
                batch_in = float(p["batch_input_per_mtok_usd"])
                cached = min(float(p["cached_input_per_mtok_usd"]), batch_in)
                return batch_in / _MTOK, cached / _MTOK, float(p["batch_output_per_mtok_usd"]) / _MTOK
            return (
                float(p["input_per_mtok_usd"]) / _MTOK,
                float(p["cached_input_per_mtok_usd"]) / _MTOK,
                float(p["output_per_mtok_usd"]) / _MTOK,
            )
    return None


def _cell_prices(usage: dict[str, Any], key: Key, cells: list[dict[str, Any]]) -> tuple[float, float, float] | None:
    """Per-token prices of one cell: the run's own (cost / tokens) over `cells`, else list prices."""
    listed = _list_rates(usage, key[0], key[1], key[2])
    out = []
    for i, kind in enumerate(("uncached_input", "cached_input", "output")):
        tokens = sum(float(c[f"{kind}_tokens"]) for c in cells)
        if tokens > 0:
            out.append(sum(float(c[f"{kind}_cost_usd"]) for c in cells) / tokens)
        elif listed is not None:
            out.append(listed[i])
        else:
            return None
    return out[0], out[1], out[2]


def _key(c: dict[str, Any]) -> Key:
    return (str(c["model"]), str(c["provider"]), str(c["mode"]), str(c.get("traffic_class") or "all"))


def _cells(usage: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    return {_key(c): c for c in usage.get("cells") or []}


def _price(usage: dict[str, Any], key: Key) -> tuple[float, float, float] | None:
    """The cell's own prices, else the same model and mode over the run's other classes, else list."""
    cells = _cells(usage)
    if key in cells:
        return _cell_prices(usage, key, [cells[key]])
    return _cell_prices(usage, key, [c for k, c in cells.items() if k[:3] == key[:3]])


def _in(c: dict[str, Any]) -> float:
    return float(c["uncached_input_tokens"]) + float(c["cached_input_tokens"])


def _allocation(cells: list[dict[str, Any]], keys: list[Key]) -> dict[Key, tuple[float, float, float]]:
    """(a_in, f_cached, a_out) of each key over `cells` (matched on model, provider and mode)."""
    tin, tout = sum(_in(c) for c in cells), sum(float(c["output_tokens"]) for c in cells)
    out = {}
    for key in keys:
        mine = [c for c in cells if _key(c)[:3] == key[:3]]
        cin, ccached = sum(_in(c) for c in mine), sum(float(c["cached_input_tokens"]) for c in mine)
        cout = sum(float(c["output_tokens"]) for c in mine)
        out[key] = (cin / tin if tin else 0.0, ccached / cin if cin else 0.0, cout / tout if tout else 0.0)
    return out


def _state(usage: dict[str, Any], keys: list[Key], other: dict[str, Any], notes: list[str], name: str) -> _State:
    cells = list(usage.get("cells") or [])
    calls = sum(float(c["calls"]) for c in cells)
    mix, shares, prices = {}, {}, {}
    for g in sorted({k[3] for k in keys}):
        mine = [c for c in cells if _key(c)[3] == g]
        n = sum(float(c["calls"]) for c in mine)
        mix[g] = (
            n / calls if calls else 0.0,
            sum(_in(c) for c in mine) / n if n else 0.0,
            sum(float(c["output_tokens"]) for c in mine) / n if n else 0.0,
        )
        class_keys = [k for k in keys if k[3] == g]
        shares.update(_allocation(mine if n else cells, class_keys))
        if not n and cells:
            notes.append(f"Run {name} has no {g} calls; in its allocation they are served like its other traffic.")
    for key in keys:
        found = _price(usage, key)
        if found is None:
            found = _price(other, key)
            notes.append(
                f"Run {name} has no price for {key[0]} ({key[2]}); the other run's is used, so its price change counts as 0."
                if found is not None
                else f"No price for {key[0]} ({key[2]}) in either run: its calls are left out."
            )
        prices[key] = found or (0.0, 0.0, 0.0)
    return _State(calls * float(usage["monthly_factor"]), mix, shares, dict(_potentials(usage)), prices)


def _potentials(usage: dict[str, Any]) -> dict[str, float]:
    found = usage.get("prompt_cache_potential_by_class") or {}
    return {str(g): float(v) for g, v in found.items() if isinstance(v, (int, float)) and v > 0}


def _as_read_part(state: _State, classes: set[str]) -> _State:
    """The state with f replaced by f / potential in `classes` (both runs know the potential there)."""
    shares = {
        k: (a_in, f / state.potential[k[3]], a_out) if k[3] in classes else (a_in, f, a_out)
        for k, (a_in, f, a_out) in state.shares.items()
    }
    potential = {g: v for g, v in state.potential.items() if g in classes}
    return _State(state.calls_per_month, state.mix, shares, potential, state.prices)


def _cost(n: _State, t: _State, a: _State, p: _State) -> float:
    per_call = 0.0
    for key, (a_in, f, a_out) in a.shares.items():
        w, t_in, t_out = t.mix[key[3]]
        f = f * t.potential[key[3]] if key[3] in t.potential else f
        pu, pc, po = p.prices[key]
        per_call += w * (t_in * a_in * ((1 - f) * pu + f * pc) + t_out * a_out * po)
    return n.calls_per_month * per_call


def _evaluate(from_b: frozenset[str], a: _State, b: _State) -> float:
    pick = {name: (b if name in from_b else a) for name in FACTORS}
    return _cost(pick["volume"], pick["mix"], pick["adoption"], pick["prices"])


def shapley(a: _State, b: _State) -> dict[str, float]:
    """Each factor's Shapley share of cost(B) - cost(A); the shares add up to it exactly."""
    n = len(FACTORS)
    value = {s: _evaluate(frozenset(s), a, b) for k in range(n + 1) for s in combinations(FACTORS, k)}
    out = {}
    for name in FACTORS:
        others = [f for f in FACTORS if f != name]
        total = 0.0
        for k in range(n):
            weight = factorial(k) * factorial(n - k - 1) / factorial(n)
            for s in combinations(others, k):
                with_it = tuple(f for f in FACTORS if f in s or f == name)
                total += weight * (value[with_it] - value[s])
        out[name] = total
    return out


def decompose(usage_a: dict[str, Any], usage_b: dict[str, Any]) -> CostDecomposition:
    """Split run B's API cost per month minus run A's into volume, mix, prices and adoption."""
    keys = sorted(set(_cells(usage_a)) | set(_cells(usage_b)))
    notes: list[str] = []
    a = _state(usage_a, keys, usage_b, notes, "A")
    b = _state(usage_b, keys, usage_a, notes, "B")
    known = set(a.potential) & set(b.potential)
    a, b = _as_read_part(a, known), _as_read_part(b, known)
    parts = shapley(a, b)
    cost_a, cost_b = _cost(a, a, a, a), _cost(b, b, b, b)
    # Shapley parts add up to cost_b - cost_a up to float rounding; put that last bit on the
    # largest part so the table adds up to the cent exactly as printed.
    largest = max(FACTORS, key=lambda f: abs(parts[f]))
    parts[largest] += (cost_b - cost_a) - sum(parts.values())
    return CostDecomposition(
        api_cost_a_usd=cost_a,
        api_cost_b_usd=cost_b,
        volume_usd=parts["volume"],
        mix_usd=parts["mix"],
        prices_usd=parts["prices"],
        adoption_usd=parts["adoption"],
        adoption_saving_at_b_usd=_cost(b, b, a, b) - cost_b,
        notes=tuple(dict.fromkeys(notes)),
    )
