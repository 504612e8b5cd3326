"""Projected versus realized savings, all five levers, on generated traffic with known per-call truth.

    python -m tests.benchmarks.projected_vs_realized [--calls 16000] [--days 28] [--seed 0]
        [--fake-embedder] [--cache-cost USD] [--running-cache] [--out docs/projected-vs-realized.md]

The page in docs/ is `--calls 30000 --days 28 --seed 0 --running-cache` (two analyses: the
product's default cache cost, where the plan leaves the semantic cache out, and a cache already
running, where the plan keeps it).

1. Generate `--days` of stable traffic (advisor.lab.synthetic) with its per-call truth.
2. Analyze the first half only (`run_analysis`, analyzers cache + routing + batch + prompt, levers
   cache, routing, batch, prompt caching, capacity).
3. Apply the plan to the held-back second half call by call, as a user deploying it would
   (sequentially in the optimizer's lever order, so each lever is measured on what the levers
   before it leave):
   - semantic cache: the plan's threshold and the analyzer's TTL, warmed by the first half
     (tests/benchmarks/pvr_cache.py); a hit is right when the generator's answer classes agree;
   - routing: the run's exported router (tests/benchmarks/pvr_routing.py); batch: the plan's
     batch share per segment among the calls the truth marks batch-tolerant;
   - prompt caching: the generator's cached prefixes per model (tests/benchmarks/pvr_prompt.py);
   - workers: the plan's reserved count plus on-demand workers for each real hour's load.
   Cost is priced on the assigned model with the call's own tokens, quality is the generator's
   true outcome for that model (`quality_true__<model>`; a wrong cached answer scores the
   optimizer's false_hit_quality).
4. Compare per lever, in dollars and volume-matched (tests/benchmarks/pvr_render.py), and write
   the Markdown page.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from advisor.core.config import Config, settings
from advisor.core.schema import CONVERSATION_ID, INPUT_TOKENS, MODEL, OUTPUT_TOKENS, PROVIDER, TIMESTAMP
from advisor.lab.synthetic import generate_log
from advisor.pipeline import run_analysis
from tests.benchmarks.pvr_cache import replay_held_back
from tests.benchmarks.pvr_prompt import realize_prompt_cache
from tests.benchmarks.pvr_render import render, running_cache_section
from tests.benchmarks.pvr_routing import batch_calls, conversation_sticky, route_held_back

LEVERS = ["cache", "routing", "batch", "prompt", "capacity"]


def _eligible_share(result, n_segments: int) -> np.ndarray:
    """Per plan segment: the share of its analyzed calls the batch analyzer found eligible."""
    routing, batch = result.findings.get("routing"), result.findings.get("batch")
    if batch is None:
        return np.zeros(n_segments)
    eligible = np.asarray(batch.per_call_eligible, dtype=float)
    if routing is None or routing.per_call_segment is None:
        return np.full(n_segments, eligible.mean())
    index = {p.segment_id: i for i, p in enumerate(result.plan.segments)}
    seg = np.array([index[int(s)] for s in routing.per_call_segment])
    return np.bincount(seg, weights=eligible, minlength=n_segments) / np.maximum(
        np.bincount(seg, minlength=n_segments), 1
    )


def _cache_threshold(result) -> float | None:
    """The plan's cache threshold; without a cache in the plan, the cache analyzer's own choice (lever alone)."""
    if result.plan.cache_threshold is not None:
        return result.plan.cache_threshold
    cache = result.findings.get("cache")
    return cache.chosen.threshold if cache is not None and cache.chosen is not None else None


def _route(result, embedder, test) -> tuple[np.ndarray, np.ndarray]:
    routing = result.findings.get("routing")
    if routing is not None and routing.per_call_segment is not None:  # the plan's segments are the router's
        return route_held_back(result, embedder, test)
    names = [p.current_model for p in result.plan.segments]
    return test[MODEL].astype(str).to_numpy(dtype=object), np.array([names.index(m) for m in test[MODEL].astype(str)])


def _workers(result, test, is_rt: np.ndarray, factor: float, span_days: float) -> float:
    """Monthly worker savings of the plan's reservation on the held-back hours (fractional worker-hours)."""
    from advisor.cost.infrastructure import InfrastructureSettings
    from advisor.optimizer.settings import OptimizerSettings

    plan, infra = result.plan, InfrastructureSettings()  # the analysis ran on defaults too
    today = result.baseline.infrastructure.worker_cost_per_month_usd
    if plan.reserved_workers is None:
        return 0.0
    hours = test[TIMESTAMP].dt.floor("h")
    rt_calls = np.bincount(hours.factorize()[0][is_rt])
    need = np.maximum(rt_calls / (infra.worker_calls_per_hour * infra.utilization_ceiling), infra.min_workers)
    idle_hours = max(0.0, span_days * 24 - len(rt_calls))  # hours without a call keep min_workers running
    on_demand = np.maximum(need - plan.reserved_workers, 0).sum() + idle_hours * max(
        0, infra.min_workers - plan.reserved_workers
    )
    reserved = plan.reserved_workers * infra.worker_cost_per_month_usd * (1 - OptimizerSettings().reserved_discount)
    return float(today - reserved - on_demand * factor * infra.worker_cost_per_month_usd / 720)


def _quality(result, truth_test, test, model, hit, false, rng) -> dict:
    from advisor.optimizer.settings import OptimizerSettings

    served = test[MODEL].astype(str).to_numpy()
    q_today = np.array([truth_test[f"quality_true__{m}"].iloc[j] for j, m in enumerate(served)], dtype=float)
    q_plan = np.array([truth_test[f"quality_true__{m}"].iloc[j] for j, m in enumerate(model)], dtype=float)
    q_plan = np.where(hit, np.where(false, OptimizerSettings().false_hit_quality, q_today), q_plan)
    conv = test[CONVERSATION_ID].astype(str).factorize()[0]
    qt, qp = np.bincount(conv, q_today), np.bincount(conv, q_plan)
    boot = []
    for _ in range(500):
        pick = rng.integers(0, len(qt), len(qt))
        boot.append(qp[pick].sum() / qt[pick].sum())
    return {
        "relative_quality": float(q_plan.sum() / q_today.sum()),
        "relative_quality_interval": (float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))),
        "cache_quality_loss": float((q_today - q_plan)[hit].sum() / q_today.sum()),
    }


def realize(result, train, test, truth_test, classes, embedder, catalog, seed: int, config: Config) -> dict:
    """Replay the plan on the held-back calls; dollars over the held-back span and its monthly factor."""
    from advisor.analyzers.cache.settings import CacheSettings

    plan, n = result.plan, len(test)
    hit = false = np.zeros(n, dtype=bool)
    threshold = _cache_threshold(result)
    if threshold is not None:
        s = settings(config, "cache", CacheSettings)
        out = replay_held_back(train, test, *classes, embedder, threshold=threshold, settings=s)
        if plan.cache_threshold is not None:  # in the plan: a hit never reaches routing, batch or a provider
            hit, false = out.hit, out.false_hit
    model, seg = _route(result, embedder, test)
    rng = np.random.default_rng(seed)
    tolerant = truth_test["batch_tolerant"].to_numpy(bool)
    is_batch = batch_calls(plan, seg, tolerant, _eligible_share(result, len(plan.segments)), rng.random(n)) & ~hit
    providers = np.array([_provider(m, test, result) for m in model], dtype=object)
    kw = {"input_tokens": test[INPUT_TOKENS].to_numpy(float), "output_tokens": test[OUTPUT_TOKENS].to_numpy(float)}
    served = test[MODEL].astype(str).to_numpy()
    today = catalog.call_cost_usd(served, test[PROVIDER].astype(str).to_numpy(), **kw)
    realtime = catalog.call_cost_usd(model, providers, **kw)
    planned = catalog.call_cost_usd(model, providers, batch=is_batch, **kw)
    reached, routed = ~hit, (model != served) & ~hit
    span_days = (test[TIMESTAMP].max() - test[TIMESTAMP].min()).total_seconds() / 86400
    factor = 30.0 / span_days
    prompt_on = "prompt" in plan.levers and plan.prompt_savings_share > 0
    prompt = realize_prompt_cache(test, model, providers, is_batch, reached, catalog) if prompt_on else {}
    sticky = conversation_sticky(model, test)
    sticky_providers = np.array([_provider(m, test, result) for m in sticky], dtype=object)
    sticky_rt = catalog.call_cost_usd(sticky, sticky_providers, **kw)
    sticky_prompt = (
        realize_prompt_cache(test, sticky, sticky_providers, is_batch, reached, catalog) if prompt_on else {}
    )
    cache_alone = (
        {}
        if threshold is None
        else {
            "threshold": threshold,
            "hits": int(out.hit.sum()),
            "false_hits": int(out.false_hit.sum()),
            "avoided_usd": float(today[out.hit].sum()),
        }
    )
    return {
        "sticky": {  # the same replay with every call of a conversation on its first call's model
            "routing": float((today - sticky_rt)[reached].sum()),
            "prompt": sticky_prompt.get("prompt_savings", 0.0),
            "read_share": sticky_prompt.get("prompt_read_share", 0.0),
            "routed_share": float(np.mean((sticky != served) & reached)),
            "relative_quality": _quality(result, truth_test, test, sticky, hit, false, rng)["relative_quality"],
        },
        "cache_alone": cache_alone,
        "usd": {  # over the held-back span, before the monthly factor
            "cache": float(today[hit].sum()),
            "routing": float((today - realtime)[reached].sum()),
            "batch": float((realtime - planned)[reached].sum()),
            "prompt": prompt.get("prompt_savings", 0.0),
        },
        "worker_savings_usd": _workers(result, test, reached & ~is_batch, factor, span_days),
        **prompt,
        **_quality(result, truth_test, test, model, hit, false, rng),
        "factor": factor,
        "today_api_usd": float(today.sum()),
        "n_calls": n,
        "span_days": float(span_days),
        "hits": int(hit.sum()),
        "false_hits": int(false.sum()),
        "routed_share": float(np.mean(routed)),
        "batch_share": float(is_batch.mean()),
        "tolerant_share": float(tolerant.mean()),
        "routed_price_ratio": float(today[routed].sum() / realtime[routed].sum()) if routed.any() else None,
        "routing_saving_share_of_api": float((today[routed] - realtime[routed]).sum() / today.sum()),
        "batch_discount": float(1 - planned[is_batch].sum() / realtime[is_batch].sum()) if is_batch.any() else None,
    }


def _provider(model: str, test, result) -> str:
    for sp in result.plan.segments:
        for m in sp.shares:
            if m.model == model and m.provider:
                return m.provider
    served = test.loc[test[MODEL].astype(str) == model, PROVIDER]
    return str(served.iloc[0]) if len(served) else ""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=16000)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quality-target", type=float, default=0.95)
    ap.add_argument(
        "--fake-embedder",
        action="store_true",
        help="hash-based vectors instead of MiniLM (fast, segments carry no meaning)",
    )
    ap.add_argument(
        "--cache-cost",
        type=float,
        default=None,
        help="[cache] monthly_cost_usd (default: the infrastructure model's store tier)",
    )
    ap.add_argument(
        "--running-cache",
        action="store_true",
        help="also replay a plan whose semantic cache costs nothing more ([cache] monthly_cost_usd = 0)",
    )
    ap.add_argument("--out", default="docs/projected-vs-realized.md")
    args = ap.parse_args(argv)

    result, real, n_train = run_once(args, args.cache_cost)
    text = render(result, real, args, n_train=n_train)
    if args.running_cache:  # the cache lever inside the plan: a store already paid for
        result0, real0, _ = run_once(args, 0.0)
        text += running_cache_section(result0, real0)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


def run_once(args, cache_cost: float | None):
    """(analysis of the first half, its replay on the second, first-half calls) with [cache] monthly_cost_usd."""
    from advisor.embed import FakeEmbedder, default_embedder
    from advisor.lab.synthetic.responses import answer_classes
    from advisor.prices.catalog import load_prices

    sample = generate_log(args.calls, seed=args.seed, days=args.days)
    frame, truth = sample.frame, sample.truth.per_call
    mid = frame[TIMESTAMP].min() + (frame[TIMESTAMP].max() - frame[TIMESTAMP].min()) / 2
    first = (frame[TIMESTAMP] < mid).to_numpy()
    train, test = frame[first].reset_index(drop=True), frame[~first].reset_index(drop=True)
    truth_test = truth[~first].reset_index(drop=True)
    classes = answer_classes(sample.truth)
    sections: dict = {"optimizer": {"levers": LEVERS}}
    if cache_cost is not None:
        sections["cache"] = {"monthly_cost_usd": cache_cost}
    config = Config(quality_target=args.quality_target, seed=args.seed, sections=sections)
    embedder = FakeEmbedder() if args.fake_embedder else default_embedder(config)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "first_half.csv"
        train.to_csv(path, index=False)
        result = run_analysis([path], config, embedder=embedder, analyzers=("cache", "routing", "batch", "prompt"))
    real = realize(
        result,
        train,
        test,
        truth_test,
        (classes[first], classes[~first]),
        embedder,
        load_prices(config),
        args.seed,
        config,
    )
    return result, real, len(train)


if __name__ == "__main__":
    main()
