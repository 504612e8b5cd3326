"""The whole analysis: log paths + Config -> AnalysisResult (ingest, prices, baseline, analyzers,
optimizer, recommendations).

Each analyzer is failure-isolated: one that cannot run on this log (a missing package, a
library error) leaves a warning on the result and the plan is built from the others. Errors the
user has to fix (InputError, ConfigError) still stop the run, and with ADVISOR_DEBUG set every
error does, with its traceback. `AnalysisResult.to_dict()` is the versioned JSON.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from advisor.analyzers import DEFAULT_ORDER, REGISTRY, AnalysisContext, Findings, missing_package
from advisor.core.config import Config
from advisor.core.errors import ConfigError, InputError
from advisor.core.memory import fewer_malloc_arenas
from advisor.core.progress import Progress, no_progress
from advisor.embed.run import RunEmbedder
from advisor.result.analysis_result import AnalysisResult, LogSummary

if TYPE_CHECKING:
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline
    from advisor.embed import Embedder

__all__ = ["AnalysisResult", "EngineHooks", "LogSummary", "input_hash", "run_analysis"]


def input_hash(files: Sequence[str]) -> str:
    """sha256 over the bytes of every input file, in sorted path order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        path = Path(name)
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


def _debugging() -> bool:
    """ADVISOR_DEBUG set: let every error out with its traceback instead of isolating it."""
    return bool(os.environ.get("ADVISOR_DEBUG"))


def _isolated_failure(exc: Exception) -> str:
    """The warning for an error that leaves one stage out; re-raises what must not be isolated."""
    if isinstance(exc, InputError) or _debugging():
        raise exc
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.partition(".")[0] != "advisor":
        return f"it needs the '{exc.name}' package"
    return f"{type(exc).__name__}: {exc} (set ADVISOR_DEBUG=1 to see the traceback)"


def _load_analyzer(name: str) -> str | None:
    """None when `name` is registered (importing its module if needed), else why it can't run."""
    if name in REGISTRY:
        return None
    package = missing_package(name)
    if package is not None:
        return f"The {name} analyzer could not run: it needs the '{package}' package."
    if name not in REGISTRY:
        return f"The {name} analyzer is not available in this version; its lever is left out."
    return None


def _run_analyzers(
    log: QueryLog, baseline: Baseline, ctx: AnalysisContext, names: Sequence[str], progress: Progress
) -> tuple[dict[str, Findings], list[str]]:
    """One after another. Side by side on threads was slower in a one-off measurement (100k
    calls, 2 cores: 5.1 s vs 4.5 s beside embedding): the routing analyzer already fits on
    every core, and the others only took turns with it for the GIL and the caches."""
    findings: dict[str, Findings] = {}
    warnings: list[str] = []
    for i, name in enumerate(names):
        progress("analyzers", i, len(names))
        missing = _load_analyzer(name)
        if missing is not None:
            warnings.append(missing)
            continue
        try:
            result = REGISTRY[name](log, baseline, ctx)
        except Exception as exc:
            warnings.append(f"The {name} analyzer failed and its lever is left out: {_isolated_failure(exc)}")
            continue
        findings[name] = result
        if result.skipped_reason:
            warnings.append(f"The {name} analyzer was skipped: {result.skipped_reason}")
        warnings.extend(f"{name}: {w}" for w in result.warnings)
    progress("analyzers", len(names), len(names))
    return findings, warnings


def _embed_queries(log: QueryLog, embedder: RunEmbedder, analyzers: Sequence[str], progress: Progress) -> list[str]:
    """Embed every query text before the analyzers start, when the routing analyzer will ask for
    all of them anyway (the cache analyzer's first turns are among them). A failure here is
    warned about and left for the analyzers to meet and report in their own failure-isolated way."""
    from advisor.core.schema import QUERY

    if "routing" not in analyzers or not log.has(QUERY):
        return []
    progress("embedding", 0, 1)
    warnings = []
    try:
        # Distinct raw texts first: a log repeats its queries, and normalizing is per text.
        embedder.encode(
            log.frame[QUERY].fillna("").astype(str).unique().tolist(),
            progress=lambda d, t: progress("embedding queries", d, t),
        )
        release = getattr(embedder.inner, "release", None)  # the model is not needed again unless a text is new
        if callable(release):
            release()
    except Exception as exc:
        warnings.append(f"Embedding the queries failed: {_isolated_failure(exc)}")
    progress("embedding", 1, 1)
    return warnings


@dataclass(frozen=True)
class EngineHooks:
    """How the stages that can run in parallel are run (advisor/engine/ray_engine.py fills them);
    each default is the in-process way. Each must give the in-process answer."""

    read_map: Callable[..., Any] | None = None  # map(read one file, files) for ingest; None = map
    cache_replay: Callable[..., Any] | None = None  # with replay()'s signature; None = replay
    # (texts, encode, **replay()'s keywords) -> Replay, holding distinct texts' vectors only
    cache_replay_texts: Callable[..., Any] | None = None

    def context_hooks(self) -> dict[str, Any]:
        """The hooks the analyzers see (AnalysisContext's fields of the same names)."""
        return {"cache_replay": self.cache_replay, "cache_replay_texts": self.cache_replay_texts}


def _check_before_work(analyzers: Sequence[str], config: Config) -> None:
    """Refuse bad settings before any work; cap malloc arenas (the routing fits' threads would
    each keep one: core/memory.py)."""
    fewer_malloc_arenas()
    unknown = [n for n in analyzers if n not in DEFAULT_ORDER and n not in REGISTRY]
    if unknown:
        raise ConfigError.setting("analyzers", f"a list drawn from {', '.join(DEFAULT_ORDER)}", unknown[0])
    check_every_section(config)


def _summary(log: QueryLog) -> LogSummary:
    return LogSummary(
        files=tuple(str(s) for s in log.sources),
        n_calls=log.n_calls,
        span_days=log.span_days,
        skipped_rows=log.skipped.count,
        skipped_by_reason=dict(log.skipped.by_reason),
        columns=tuple(str(c) for c in log.frame.columns if not str(c).startswith("_")),
        tokens_counted_from_text=log.tokens_counted_from_text,
    )


def check_every_section(config: Config) -> None:
    """Validate every [section] the file has, also those of stages this run skips: a typo in
    [cache] is refused even under --analyzers batch, before any work."""
    from advisor.analyzers.batch import BatchSettings
    from advisor.analyzers.cache.settings import CacheSettings
    from advisor.analyzers.capacity.analyzer import CapacitySettings
    from advisor.analyzers.prompt.analyzer import PromptSettings
    from advisor.analyzers.routing.settings import RoutingSettings
    from advisor.core.config import settings
    from advisor.cost.baseline_types import ProjectionSettings
    from advisor.cost.infrastructure import InfrastructureSettings, OperationsSettings
    from advisor.embed import EmbeddingSettings
    from advisor.ingest.mapping import IngestSettings
    from advisor.optimizer.settings import OptimizerSettings

    classes: dict[str, type] = {
        "batch": BatchSettings,
        "cache": CacheSettings,
        "capacity": CapacitySettings,
        "embedding": EmbeddingSettings,
        "infrastructure": InfrastructureSettings,
        "ingest": IngestSettings,
        "operations": OperationsSettings,
        "optimizer": OptimizerSettings,
        "projection": ProjectionSettings,
        "prompt": PromptSettings,
        "routing": RoutingSettings,
    }
    for section, cls in classes.items():
        if section in config.sections:
            settings(config, section, cls)


def _solve(log, baseline, findings, config: Config, prices):
    """The optimizer's inputs and plan (prompt caching priced on the plan's routing: advisor/optimizer/routed_prompt.py)."""
    from advisor.optimizer.prepare import prepare_inputs
    from advisor.optimizer.routed_prompt import solve_with_routed_prompt

    inputs = prepare_inputs(log, baseline, findings, config=config, prices=prices)
    return inputs, solve_with_routed_prompt(inputs, log, findings, config=config, prices=prices)


def run_analysis(
    paths: Sequence[str | Path],
    config: Config,
    *,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    embedder: Any = None,
    labels: Any = None,
    analyzers: Sequence[str] = DEFAULT_ORDER,
    prices_file: str | Path | None = None,
    progress: Progress = no_progress,
    sample_fraction: float | None = None,
    max_rows: int | None = None,
    engine: EngineHooks | None = None,
) -> AnalysisResult:
    """Run every stage; raises InputError / ConfigError / InfeasiblePlanError for the user to fix.

    sample_fraction / max_rows analyze a conversation sample (logs larger than memory); the cost model
    scales monthly figures back by the kept share. engine: the Ray engine's hooks (None: this process).
    """
    from advisor import __version__
    from advisor.core.config import settings
    from advisor.cost.baseline import compute_baseline
    from advisor.ingest.mapping import mapping_from_config
    from advisor.ingest.sampling import load_sampled_log
    from advisor.optimizer.settings import OptimizerSettings
    from advisor.prices.catalog import load_prices
    from advisor.recommend import make_recommendations
    from advisor.result.provenance import result_defaults, result_provenance

    _check_before_work(analyzers, config)
    engine = engine or EngineHooks()
    progress("ingest", 0, 1)
    log = load_sampled_log(
        [str(p) for p in paths],
        fraction=sample_fraction,
        max_rows=max_rows,
        seed=config.seed,
        mapping=mapping_from_config(config, mapping),
        skip_bad_rows=skip_bad_rows,
        read_map=engine.read_map,
    )
    progress("ingest", 1, 1)
    prices = load_prices(config, prices_file)
    baseline = compute_baseline(log, prices, config)
    if not baseline.infrastructure.self_hosted:  # hosted APIs only: no workers to size or reserve
        analyzers = [name for name in analyzers if name != "capacity"]
    run_embedder = RunEmbedder(embedder, config=config)
    embed_warnings = _embed_queries(log, run_embedder, analyzers, progress)
    # cast: RunEmbedder.model_id is None until its inner embedder loads, which encoding does first.
    embedder_ = cast("Embedder", run_embedder)
    ctx = AnalysisContext(config, prices, embedder_, progress, labels, **engine.context_hooks())
    findings, warnings = _run_analyzers(log, baseline, ctx, analyzers, progress)
    progress("optimizer", 0, 1)
    inputs, plan = _solve(log, baseline, findings, config, prices)
    progress("optimizer", 1, 1)
    min_share = settings(config, "optimizer", OptimizerSettings).min_recommended_call_share
    recs = make_recommendations(plan, findings, baseline, min_call_share=min_share)
    provenance = result_provenance(config, baseline, findings, plan, recs)
    all_warnings = (*log.warnings, *baseline.warnings, *embed_warnings, *warnings, *plan.warnings)
    return AnalysisResult(
        log=_summary(log),
        baseline=baseline,
        findings=findings,
        plan=plan,
        recommendations=recs,
        warnings=tuple(dict.fromkeys(all_warnings)),
        price_date=str(baseline.price_date),
        advisor_version=__version__,
        input_hash=input_hash(log.sources),
        config_hash=config.digest(),
        quality_target=inputs.quality_target,
        analyzers=tuple(findings),
        provenance=provenance,
        defaults_in_use=tuple(result_defaults(config, provenance)),
        config=config.settings_dict(),
        usage=_usage(log, baseline, prices, plan, findings),
    )


def _usage(log: QueryLog, baseline: Baseline, prices: Any, plan: Any, findings: dict[str, Findings]) -> Any:
    """Calls, tokens and prices per model for `runs compare`, with the plan's target models priced
    too and what the plan means for each traffic class."""
    from advisor.cost.usage import compute_usage
    from advisor.optimizer.expected import planned_by_class

    targets = [(share.model, share.provider) for seg in plan.segments for share in seg.shares]
    readable = getattr(findings.get("prompt"), "per_call_cache_read_tokens", None)
    return compute_usage(log, baseline, prices, targets, planned_by_class(log, findings, plan), readable)
