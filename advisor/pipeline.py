"""The whole analysis: log paths + Config -> AnalysisResult (ingest, prices, baseline, analyzers,
optimizer, recommendations).

Each analyzer is failure-isolated: one that cannot run on this log (missing module, missing
column, a library error) leaves a warning on the result and the plan is built from the
others. Configuration errors still stop the run, since the user has to fix them.
`AnalysisResult.to_dict()` is the versioned JSON; the same input, config and seed give
byte-identical JSON (no clock, no run id in it; the store adds those).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from advisor.analyzers import DEFAULT_ORDER, MODULES, REGISTRY, AnalysisContext
from advisor.core.config import Config
from advisor.core.errors import ConfigError
from advisor.embed.run import RunEmbedder

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class LogSummary:
    files: tuple[str, ...]
    n_calls: int
    span_days: float
    skipped_rows: int
    skipped_by_reason: dict[str, int]
    columns: tuple[str, ...]
    tokens_counted_from_text: bool


@dataclass(frozen=True)
class AnalysisResult:
    log: LogSummary
    baseline: Any  # advisor.cost.baseline.Baseline
    findings: dict[str, Any]  # analyzer name -> Findings, in run order
    plan: Any  # advisor.optimizer.plan.Plan
    recommendations: tuple[Any, ...]  # advisor.recommend.Recommendation, ranked
    warnings: tuple[str, ...]
    price_date: str
    advisor_version: str
    input_hash: str
    config_hash: str
    quality_target: float
    analyzers: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        from advisor.result.schema import SCHEMA_VERSION

        return plain(
            {
                "schema_version": SCHEMA_VERSION,
                "advisor_version": self.advisor_version,
                "input_hash": self.input_hash,
                "config_hash": self.config_hash,
                "price_date": self.price_date,
                "quality_target": self.quality_target,
                "inputs": list(self.log.files),
                "log": self.log,
                "baseline": self.baseline.to_dict(),
                "findings": {name: f.to_dict() for name, f in self.findings.items()},
                "plan": self.plan.to_dict() if self.plan is not None else None,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "warnings": list(self.warnings),
                "analyzers": list(self.analyzers),
            }
        )


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses and tuples to dicts and lists, numpy scalars to Python, NaN to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("per_call_")
        }
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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


def _load_analyzer(name: str) -> str | None:
    """None when `name` is registered (importing its module if needed), else why it can't run."""
    if name in REGISTRY:
        return None
    if name not in MODULES:
        return f"The {name} analyzer is not available in this version; its lever is left out."
    try:
        importlib.import_module(MODULES[name])
    except ModuleNotFoundError as exc:
        return f"The {name} analyzer could not run: it needs the '{exc.name}' package."
    return None


def _run_analyzers(
    log, baseline, ctx: AnalysisContext, names: Sequence[str], progress: Progress
) -> tuple[dict[str, Any], list[str]]:
    """One after another. Side by side on threads was slower in a one-off measurement (100k
    calls, 2 cores: 5.1 s vs 4.5 s beside embedding): the routing analyzer already fits on
    every core, and the others only took turns with it for the GIL and the caches."""
    findings: dict[str, Any] = {}
    warnings: list[str] = []
    for i, name in enumerate(names):
        progress("analyzers", i, len(names))
        missing = _load_analyzer(name)
        if missing is not None:
            warnings.append(missing)
            continue
        try:
            result = REGISTRY[name](log, baseline, ctx)
        except ConfigError:
            raise
        except Exception as exc:
            warnings.append(f"The {name} analyzer failed and its lever is left out: {type(exc).__name__}: {exc}")
            continue
        findings[name] = result
        if getattr(result, "skipped_reason", None):
            warnings.append(f"The {name} analyzer was skipped: {result.skipped_reason}")
        warnings.extend(f"{name}: {w}" for w in getattr(result, "warnings", ()) or ())
    progress("analyzers", len(names), len(names))
    return findings, warnings


def _embed_queries(log, embedder, analyzers: Sequence[str], progress: Progress) -> None:
    """Embed every query text before the analyzers start, when the routing analyzer will ask for
    all of them anyway (the cache analyzer's first turns are among them). A failure here is left
    for the analyzers to meet and report in their own failure-isolated way."""
    from advisor.core.schema import QUERY

    if "routing" not in analyzers or not log.has(QUERY):
        return
    progress("embedding", 0, 1)
    try:
        # Distinct raw texts first: a log repeats its queries, and normalizing is per text.
        embedder.encode(
            log.frame[QUERY].fillna("").astype(str).unique().tolist(),
            progress=lambda d, t: progress("embedding queries", d, t),
        )
    except ConfigError:
        raise
    except Exception:
        pass
    progress("embedding", 1, 1)


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
    progress: Progress = _no_progress,
    sample_fraction: float | None = None,
    max_rows: int | None = None,
) -> AnalysisResult:
    """Run every stage; raises InputError / ConfigError / InfeasiblePlanError for the user to fix.

    sample_fraction / max_rows analyze a conversation sample (logs larger than memory); the
    cost model scales monthly figures back by the kept share and a warning states it.
    """
    from advisor import __version__
    from advisor.core.config import settings
    from advisor.cost.baseline import compute_baseline
    from advisor.ingest.mapping import mapping_from_config
    from advisor.optimizer.inputs import OptimizerSettings, prepare_inputs
    from advisor.optimizer.plan import solve_plan
    from advisor.prices.catalog import load_prices
    from advisor.recommend import make_recommendations

    unknown = [n for n in analyzers if n not in DEFAULT_ORDER and n not in REGISTRY]
    if unknown:
        raise ConfigError.setting("analyzers", f"a list drawn from {', '.join(DEFAULT_ORDER)}", unknown[0])
    progress("ingest", 0, 1)
    from advisor.ingest.sampling import load_sampled_log

    log = load_sampled_log(
        [str(p) for p in paths],
        fraction=sample_fraction,
        max_rows=max_rows,
        seed=config.seed,
        mapping=mapping_from_config(config, mapping),
        skip_bad_rows=skip_bad_rows,
    )
    progress("ingest", 1, 1)
    prices = load_prices(config, prices_file)
    baseline = compute_baseline(log, prices, config)
    run_embedder = RunEmbedder(embedder, config=config)
    _embed_queries(log, run_embedder, analyzers, progress)
    ctx = AnalysisContext(config=config, prices=prices, embedder=run_embedder, progress=progress, labels=labels)
    findings, warnings = _run_analyzers(log, baseline, ctx, analyzers, progress)
    progress("optimizer", 0, 1)
    inputs = prepare_inputs(log, baseline, findings, ctx)
    plan = solve_plan(inputs)
    progress("optimizer", 1, 1)
    opt = settings(config, "optimizer", OptimizerSettings)
    recs = make_recommendations(plan, findings, baseline, min_call_share=opt.min_recommended_call_share)
    all_warnings = tuple(dict.fromkeys([*log.warnings, *baseline.warnings, *warnings, *plan.warnings]))
    return AnalysisResult(
        log=LogSummary(
            files=tuple(str(s) for s in log.sources),
            n_calls=log.n_calls,
            span_days=log.span_days,
            skipped_rows=log.skipped.count,
            skipped_by_reason=dict(log.skipped.by_reason),
            columns=tuple(str(c) for c in log.frame.columns if not str(c).startswith("_")),
            tokens_counted_from_text=log.tokens_counted_from_text,
        ),
        baseline=baseline,
        findings=findings,
        plan=plan,
        recommendations=recs,
        warnings=all_warnings,
        price_date=str(baseline.price_date),
        advisor_version=__version__,
        input_hash=input_hash(log.sources),
        config_hash=config.digest(),
        quality_target=inputs.quality_target,
        analyzers=tuple(findings),
    )
