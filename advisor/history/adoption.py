"""Was run A's plan carried out? (result A, result B) -> Adoption per lever, read from B's usage.

- routing: the share of calls that left the models A served, against the share A's plan moved;
  per model A served, and which models took the calls in B;
- batch: B's share of calls sent through a batch API (`is_batch` in the log) against the plan's;
- prompt caching: the cached share of input tokens in B against the share A's prompt analysis
  said a provider cache would read;
- semantic cache and reserved workers: a log cannot show them (cache hits never reach the API
  log, the schema has no cache-hit column; reservations are a contract), so they are named as
  such, with what A planned.

A degree is (B's figure - A's figure) / (planned - A's figure): 1 is the plan in full, 0 nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.result.view import findings, get_path


@dataclass(frozen=True)
class LeverAdoption:
    lever: str
    planned_share: float | None  # of calls (routing, batch, cache) or of input tokens (prompt)
    share_a: float | None
    share_b: float | None
    degree: float | None  # None: the plan had nothing to carry out, or a log cannot tell
    note: str = ""


@dataclass(frozen=True)
class ModelRouting:
    """One model run A served: the share of its calls the plan moved, and where B's calls went."""

    model: str
    call_share_a: float
    call_share_b: float
    planned_moved_share: float  # of this model's calls
    moved_share: float  # of this model's calls: 1 - B's share / A's share (floored at 0)
    planned_targets: dict[str, float]  # model -> share of all calls the plan sends there


def _call_shares(usage: dict[str, Any]) -> dict[str, float]:
    calls: dict[str, float] = {}
    for c in usage.get("cells") or []:
        calls[str(c["model"])] = calls.get(str(c["model"]), 0.0) + float(c["calls"])
    total = sum(calls.values())
    return {m: v / total for m, v in calls.items()} if total else {}


def _batch_share(usage: dict[str, Any]) -> float:
    cells = usage.get("cells") or []
    total = sum(float(c["calls"]) for c in cells)
    return sum(float(c["calls"]) for c in cells if c["mode"] == "batch") / total if total else 0.0


def _cached_share(usage: dict[str, Any]) -> float:
    cells = usage.get("cells") or []
    cached = sum(float(c["cached_input_tokens"]) for c in cells)
    total = cached + sum(float(c["uncached_input_tokens"]) for c in cells)
    return cached / total if total else 0.0


def _degree(planned: float | None, a: float, b: float) -> float | None:
    if planned is None or planned - a <= 1e-9:
        return None
    return (b - a) / (planned - a)


def model_routing(result_a: dict[str, Any], usage_b: dict[str, Any]) -> tuple[ModelRouting, ...]:
    share_a = _call_shares(result_a.get("usage") or {})
    share_b = _call_shares(usage_b)
    moved: dict[str, float] = {}
    targets: dict[str, dict[str, float]] = {}
    for seg in get_path(result_a, "plan", "segments", default=[]) or []:
        current = str(seg.get("current_model"))
        for sh in seg.get("shares") or []:
            part = float(seg.get("call_share") or 0.0) * (
                float(sh.get("realtime_share") or 0) + float(sh.get("batch_share") or 0)
            )
            if not sh.get("is_current") and part > 0:
                moved[current] = moved.get(current, 0.0) + part
                targets.setdefault(current, {})
                targets[current][str(sh["model"])] = targets[current].get(str(sh["model"]), 0.0) + part
    return tuple(
        ModelRouting(
            model=m,
            call_share_a=s,
            call_share_b=share_b.get(m, 0.0),
            planned_moved_share=moved.get(m, 0.0) / s if s else 0.0,
            moved_share=max(0.0, 1.0 - share_b.get(m, 0.0) / s) if s else 0.0,
            planned_targets=targets.get(m, {}),
        )
        for m, s in sorted(share_a.items(), key=lambda kv: -kv[1])
    )


def _batch_potential(result: dict[str, Any]) -> float | None:
    """Share of calls a batch API could take in a run: eligible now plus already batched."""
    found = findings(result, "batch") or {}
    if found.get("skipped_reason") or "eligible_share_of_calls" not in found:
        return None
    return float(found["eligible_share_of_calls"]) + float(found.get("already_batched_share_of_calls") or 0.0)


def _rebased_batch(result_a: dict[str, Any], result_b: dict[str, Any], planned: float | None) -> float | None:
    """The plan's batch share carried over to B's traffic: the same part of what B could batch."""
    pot_a, pot_b = _batch_potential(result_a), _batch_potential(result_b)
    if planned is None or pot_a is None or pot_b is None or pot_a <= 0:
        return planned
    return planned * pot_b / pot_a


def _prompt_read_share(result: dict[str, Any]) -> float | None:
    found = findings(result, "prompt") or {}
    value = get_path(found, "prompt_caching", "read_share_of_input")
    return float(value) if isinstance(value, (int, float)) else None


@dataclass(frozen=True)
class ClassAdoption:
    """One traffic class (task, else latency class): what the plan meant for it and what B shows."""

    traffic_class: str
    call_share_a: float
    call_share_b: float
    planned_moved_share: float | None  # of the class's calls; None: run A stored no plan per class
    moved_share_b: float  # of the class's calls in B, served by a model run A did not serve
    planned_batch_share: float | None
    batch_share_a: float
    batch_share_b: float


def class_adoption(result_a: dict[str, Any], usage_b: dict[str, Any]) -> tuple[ClassAdoption, ...]:
    usage_a = result_a.get("usage") or {}
    planned = usage_a.get("planned_by_class") or {}
    models_a = {str(c["model"]) for c in usage_a.get("cells") or []}
    a, b = _by_class(usage_a, models_a), _by_class(usage_b, models_a)
    total_a, total_b = sum(v[0] for v in a.values()), sum(v[0] for v in b.values())
    rows = []
    for g in sorted(set(a) | set(b)):
        na, _, batch_a = a.get(g, (0.0, 0.0, 0.0))
        nb, moved_b, batch_b = b.get(g, (0.0, 0.0, 0.0))
        p = planned.get(g)
        rows.append(
            ClassAdoption(
                traffic_class=g,
                call_share_a=na / total_a if total_a else 0.0,
                call_share_b=nb / total_b if total_b else 0.0,
                planned_moved_share=None if p is None else float(p.get("moved_share", 0.0)),
                moved_share_b=moved_b / nb if nb else 0.0,
                planned_batch_share=None
                if p is None
                else float(p.get("batch_share", 0.0)) + (batch_a / na if na else 0.0),
                batch_share_a=batch_a / na if na else 0.0,
                batch_share_b=batch_b / nb if nb else 0.0,
            )
        )
    return tuple(rows)


def _by_class(usage: dict[str, Any], models_a: set[str]) -> dict[str, tuple[float, float, float]]:
    """Per traffic class: (calls, calls not on run A's models, batch calls)."""
    out: dict[str, tuple[float, float, float]] = {}
    for c in usage.get("cells") or []:
        g, n = str(c.get("traffic_class") or "all"), float(c["calls"])
        calls, moved, batch = out.get(g, (0.0, 0.0, 0.0))
        out[g] = (
            calls + n,
            moved + (n if c["model"] not in models_a else 0.0),
            batch + (n if c["mode"] == "batch" else 0.0),
        )
    return out


def _class_degrees(result_a: dict[str, Any], usage_b: dict[str, Any]) -> dict[str, tuple[float, float, float | None]]:
    """{lever: (planned share on B's traffic, B's share, degree)} for routing and batch, class by
    class with the plan's expectation for each class, weighted by B's mix of classes."""
    usage_a = result_a.get("usage") or {}
    planned = usage_a.get("planned_by_class") or {}
    models_a = {str(c["model"]) for c in usage_a.get("cells") or []}
    a, b = _by_class(usage_a, models_a), _by_class(usage_b, models_a)
    total_b = sum(v[0] for v in b.values())
    if not planned or not total_b:
        return {}
    sums = {"routing": [0.0, 0.0, 0.0], "batch": [0.0, 0.0, 0.0]}  # planned, B's share, B minus A
    for g, (n, moved, batch) in b.items():
        w, p = n / total_b, planned.get(g) or {}
        na, _, batch_a = a.get(g, (0.0, 0.0, 0.0))
        already = batch_a / na if na else 0.0
        for lever, plan_key, share, base in (
            ("routing", "moved_share", moved / n, 0.0),
            ("batch", "batch_share", batch / n, already),
        ):
            sums[lever][0] += w * (float(p.get(plan_key, 0.0)) + base)
            sums[lever][1] += w * share
            sums[lever][2] += w * (share - base)
    return {
        lever: (
            planned_b,
            share_b,
            gain / (planned_b - (share_b - gain)) if planned_b - (share_b - gain) > 1e-9 else None,
        )
        for lever, (planned_b, share_b, gain) in sums.items()
    }


def lever_adoption(result_a: dict[str, Any], result_b: dict[str, Any]) -> tuple[LeverAdoption, ...]:
    """One row per lever: planned, A's and B's share, and the degree of adoption.

    What the plan means depends on the traffic (which kinds of calls it routes or batches, how
    much of the prompt repeats), so the planned share is carried over to B's traffic: routing and
    batch class by class when A stored the plan per traffic class (else A's batch share scaled by
    B's batchable share over A's), and for the prompt cache the share of input B's own prompt
    analysis finds a provider cache would read.
    """
    usage_a, usage_b = result_a.get("usage") or {}, result_b.get("usage") or {}
    plan = result_a.get("plan") or {}
    routing = model_routing(result_a, usage_b)
    planned_moved = sum(r.planned_moved_share * r.call_share_a for r in routing)
    moved = sum(max(0.0, r.call_share_a - r.call_share_b) for r in routing)
    prompt = findings(result_a, "prompt") or {}
    planned_read = _prompt_read_share(result_a) if prompt.get("recommended") == "prompt_caching" else None
    if planned_read is not None and _prompt_read_share(result_b) is not None:
        planned_read = _prompt_read_share(result_b)
    batch_a, batch_b = _batch_share(usage_a), _batch_share(usage_b)
    cached_a, cached_b = _cached_share(usage_a), _cached_share(usage_b)
    planned_batch = _rebased_batch(result_a, result_b, plan.get("batch_share_of_calls"))
    reserved = plan.get("reserved_workers")
    rows = [
        LeverAdoption(
            "routing",
            planned_moved,
            0.0,
            moved,
            moved / planned_moved if planned_moved > 1e-9 else None,
            "share of calls that left the models run A served",
        ),
        LeverAdoption(
            "batch",
            planned_batch,
            batch_a,
            batch_b,
            _degree(planned_batch, batch_a, batch_b),
            "share of calls marked is_batch",
        ),
        LeverAdoption(
            "prompt",
            planned_read,
            cached_a,
            cached_b,
            _degree(planned_read, cached_a, cached_b),
            "cached share of input tokens (cached_input_tokens)",
        ),
        LeverAdoption(
            "cache",
            plan.get("cache_hit_share"),
            None,
            None,
            None,
            "a log cannot tell: semantic-cache hits never reach the API log (no cache-hit column); they show as lower volume",
        ),
        LeverAdoption(
            "capacity",
            None,
            None,
            None,
            None,
            "a log cannot tell how many workers were reserved"
            + (f" (run A's plan: {reserved})" if reserved is not None else ""),
        ),
    ]
    by_class = _class_degrees(result_a, usage_b)
    for i, row in enumerate(rows[:2]):
        if row.lever in by_class:
            planned_b, share_b, degree = by_class[row.lever]
            note = f"{row.note}; planned share: the plan for each traffic class, at run B's mix of classes"
            rows[i] = LeverAdoption(row.lever, planned_b, row.share_a, share_b, degree, note)
    return tuple(rows)
