"""Optimizer inputs: QueryLog + Baseline + findings + context -> OptimizerInputs (pure).

Everything the program needs is gathered here into frozen values so that `build_problem`
never touches a frame: per segment its monthly volume, the cost of one call on each model
(real-time and batch, priced over the segment's own calls), the expected quality on each
model, the batch-tolerant and cacheable shares, the cache's hit/precision sweep, and the
week's hourly demand for worker sizing.

Settings (`[optimizer]` in the config file)::

    quality_target = 0.95          # overrides the top-level quality_target
    quality_target_kind = "relative"   # or "absolute" (0..1 on the log's quality scale)
    min_segment_relative_quality = 0.85  # optional floor for every segment (vs its current quality)
    segment_floors = { "order status" = 0.9 }  # optional per-segment relative floors, by name
    false_hit_budget = 0.02        # wrong cached answers / cached answers; else the cache analyzer's
    false_hit_quality = 0.0        # quality of a wrong cached answer
    cache_cost_per_month_usd = 300 # else the cache analyzer's figure, else the single-node tier
    reserved_discount = 0.4        # reserved worker vs on-demand; the capacity analyzer's value wins
    levers = ["routing", "batch", "cache", "capacity", "prompt"]
    frontier_targets = [0.85, 0.9, 0.95, 0.98, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.core.config import settings
from advisor.core.errors import ConfigError

if TYPE_CHECKING:
    from advisor.analyzers import AnalysisContext
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import Baseline

LEVERS = ("cache", "routing", "batch", "prompt", "capacity")  # also the attribution order
HOURS_PER_WEEK = 168
WEEKS_PER_MONTH = 30.0 / 7.0
HOURS_PER_MONTH = 30.0 * 24.0


@dataclass(frozen=True)
class OptimizerSettings:
    quality_target: float | None = None
    quality_target_kind: str = "relative"
    min_segment_relative_quality: float | None = None
    segment_floors: dict = field(default_factory=dict)
    false_hit_budget: float | None = None
    false_hit_quality: float = 0.0
    cache_cost_per_month_usd: float | None = None
    reserved_discount: float = 0.4
    levers: tuple[str, ...] = LEVERS
    frontier_targets: tuple[float, ...] = (0.85, 0.9, 0.95, 0.98, 1.0)
    min_recommended_call_share: float = 0.01
    # Plan so that, given the labels' sampling error, realized quality meets the target with this
    # one-sided probability (0.5 = plan on the point estimates).
    quality_confidence: float = 0.9

    def validate(self) -> None:
        if not 0.5 <= self.quality_confidence < 1.0:
            raise ConfigError.setting(
                "optimizer.quality_confidence", "a probability from 0.5 to below 1", self.quality_confidence
            )
        if self.quality_target is not None and not 0 < self.quality_target <= 1.5:
            raise ConfigError.setting("optimizer.quality_target", "a number in (0, 1.5]", self.quality_target)
        if self.quality_target_kind not in ("relative", "absolute"):
            raise ConfigError.setting(
                "optimizer.quality_target_kind", '"relative" or "absolute"', self.quality_target_kind
            )
        for name in ("false_hit_budget", "false_hit_quality", "reserved_discount", "min_recommended_call_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value < 1.0 + (name == "false_hit_quality"):
                raise ConfigError.setting(f"optimizer.{name}", "a share from 0 to 1", value)
        if self.min_segment_relative_quality is not None and not 0 < self.min_segment_relative_quality <= 1.5:
            raise ConfigError.setting(
                "optimizer.min_segment_relative_quality", "a number in (0, 1.5]", self.min_segment_relative_quality
            )
        cost = self.cache_cost_per_month_usd
        if cost is not None and not 0 <= cost < float("inf"):
            raise ConfigError.setting("optimizer.cache_cost_per_month_usd", "a finite number >= 0", cost)
        bad = [t for t in self.frontier_targets if not 0 < t <= 1.5]
        if bad:
            raise ConfigError.setting("optimizer.frontier_targets", "a list of numbers in (0, 1.5]", bad[0])
        unknown = sorted(set(self.levers) - set(LEVERS))
        if unknown:
            raise ConfigError.setting("optimizer.levers", f"a list drawn from {', '.join(LEVERS)}", unknown[0])
        for name, floor in self.segment_floors.items():
            if not isinstance(floor, (int, float)) or not 0 < floor <= 1.5:
                raise ConfigError.setting(f"optimizer.segment_floors.{name}", "a number in (0, 1.5]", floor)


@dataclass(frozen=True)
class ModelOption:
    model: str
    provider: str
    quality: float  # expected quality of one call (the segment's quality scale)
    cost_per_call_usd: float  # real-time, priced over the segment's own token counts
    batch_cost_per_call_usd: float
    is_current: bool
    quality_se: float = 0.0  # standard error of `quality` (from how many labels it rests on)


@dataclass(frozen=True)
class SegmentInput:
    id: int
    name: str
    calls_per_month: float
    current_quality: float
    options: tuple[ModelOption, ...]
    batch_tolerant_share: float
    hit_share_by_step: tuple[float, ...]  # share of this segment's calls the cache answers, per sweep step
    relative_floor: float | None = None


@dataclass(frozen=True)
class CacheStep:
    threshold: float
    hit_rate: float  # share of all calls answered from the cache
    precision: float  # share of cached answers that are right


@dataclass(frozen=True)
class CapacityInput:
    calls_per_hour: tuple[float, ...]  # 168 hours of an average week, real-time calls today
    calls_per_worker_hour: float  # throughput x utilization ceiling
    min_workers: int
    on_demand_cost_per_worker_hour_usd: float
    reserved_cost_per_worker_month_usd: float
    baseline_workers: int
    baseline_worker_cost_per_month_usd: float


@dataclass(frozen=True)
class OptimizerInputs:
    segments: tuple[SegmentInput, ...]
    quality_target: float  # relative to today's volume-weighted quality
    cache_steps: tuple[CacheStep, ...] = ()
    cache_cost_per_month_usd: float = 0.0
    false_hit_budget: float = 0.02
    false_hit_quality: float = 0.0
    capacity: CapacityInput | None = None
    prompt_savings_share: float = 0.0  # share of API cost the prompt lever removes
    fixed_cost_per_month_usd: float = 0.0  # infrastructure besides workers + operations
    baseline_cost_per_month_usd: float = 0.0
    levers: frozenset[str] = frozenset(LEVERS)
    quality_is_relative: bool = False  # True when no label gave an absolute scale
    frontier_targets: tuple[float, ...] = ()
    min_recommended_call_share: float = 0.01
    quality_z: float = 0.0  # one-sided normal quantile of quality_confidence
    quality_margin: float = 0.0  # added to the target to cover estimation error

    @property
    def calls_per_month(self) -> float:
        return float(sum(s.calls_per_month for s in self.segments))

    @property
    def today_quality(self) -> float:
        total = self.calls_per_month
        q = float(sum(s.calls_per_month * s.current_quality for s in self.segments) / total) if total else 1.0
        # Every labelled outcome 0 (a degenerate log): relative quality has no scale; prepare_inputs
        # then drops the target to 0, so this value only keeps the arithmetic finite.
        return q if q > 0 else 1.0


def get_field(obj: Any, name: str, default: Any = None) -> Any:
    """A findings field by attribute or dict key: findings may be dataclasses or their to_dict()."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def is_usable(findings: Any) -> bool:
    """The analyzer ran and was not skipped."""
    return findings is not None and not get_field(findings, "skipped_reason")


def _segment_ids(log: QueryLog, routing: Any) -> tuple[np.ndarray, list[Any]]:
    """Per-call segment index and the routing segments; one segment per served model without routing."""
    from advisor.core.schema import MODEL

    n = log.n_calls
    per_call = get_field(routing, "per_call_segment") if is_usable(routing) else None
    segments = list(get_field(routing, "segments", ()) or ()) if is_usable(routing) else []
    if per_call is not None and segments and len(per_call) == n:
        index = {int(s.id): i for i, s in enumerate(segments)}
        ids = np.array([index.get(int(v), -1) for v in np.asarray(per_call)], dtype=np.int64)
        if (ids >= 0).all():
            return ids, segments
    codes, models = np.unique(log.frame[MODEL].astype(str).to_numpy(), return_inverse=True)
    return models.astype(np.int64), [str(m) for m in codes]


def _sweep(cache: Any) -> tuple[CacheStep, ...]:
    steps = []
    for row in get_field(cache, "thresholds", None) or get_field(cache, "sweep", ()) or ():
        t, h = get_field(row, "threshold"), get_field(row, "hit_rate")
        p = get_field(row, "estimated_precision", get_field(row, "precision"))
        if None in (t, h, p):
            continue
        steps.append(CacheStep(float(t), float(np.clip(h, 0, 1)), float(np.clip(p, 0, 1))))
    return tuple(sorted(steps, key=lambda s: s.threshold))


def _hourly_week(log: QueryLog, factor: float, weight: np.ndarray) -> tuple[float, ...]:
    """Average calls in each of the week's 168 hours, scaled to the projected month's volume."""
    from advisor.core.schema import TIMESTAMP

    ts = log.frame[TIMESTAMP]
    how = (ts.dt.day_of_week.to_numpy() * 24 + ts.dt.hour.to_numpy()).astype(np.int64)
    counts = np.bincount(how, weights=weight, minlength=HOURS_PER_WEEK)
    # Calls per month / weeks per month = calls in one average week, spread by the observed profile.
    per_week = counts.sum() * factor / WEEKS_PER_MONTH
    shape = counts / counts.sum() if counts.sum() > 0 else np.full(HOURS_PER_WEEK, 1 / HOURS_PER_WEEK)
    return tuple(float(v) for v in shape * per_week)


def _capacity(log, baseline, config, weight, found=None) -> CapacityInput | None:
    from advisor.cost.infrastructure import InfrastructureSettings

    infra = settings(config, "infrastructure", InfrastructureSettings)
    opt = settings(config, "optimizer", OptimizerSettings)
    # The capacity analyzer's discount ([capacity] reserved_discount) wins, so both agree.
    discount = get_field(found, "reserved_discount") if is_usable(found) else None
    discount = opt.reserved_discount if discount is None else float(discount)
    workers = int(baseline.infrastructure.workers)
    return CapacityInput(
        calls_per_hour=_hourly_week(log, baseline.monthly_factor, weight),
        calls_per_worker_hour=infra.worker_calls_per_hour * infra.utilization_ceiling,
        min_workers=int(infra.min_workers),
        on_demand_cost_per_worker_hour_usd=infra.worker_cost_per_month_usd / HOURS_PER_MONTH,
        reserved_cost_per_worker_month_usd=infra.worker_cost_per_month_usd * (1.0 - discount),
        baseline_workers=workers,
        baseline_worker_cost_per_month_usd=float(baseline.infrastructure.worker_cost_per_month_usd),
    )


def prepare_inputs(
    log: QueryLog, baseline: Baseline, findings: dict[str, Any], ctx: AnalysisContext
) -> OptimizerInputs:
    """Gather the program's inputs from the log, the baseline and whatever analyzers ran."""
    from advisor.core.schema import CACHED_INPUT_TOKENS, INPUT_TOKENS, MODEL, OUTPUT_TOKENS, PROVIDER, QUALITY

    config, prices = ctx.config, ctx.prices
    opt = settings(config, "optimizer", OptimizerSettings)
    frame = log.frame
    n = log.n_calls
    routing, cache, batch = findings.get("routing"), findings.get("cache"), findings.get("batch")
    seg_of_call, segments = _segment_ids(log, routing)
    k = len(segments)
    counts = np.bincount(seg_of_call, minlength=k).astype(float)
    factor = float(baseline.monthly_factor)
    inp = frame[INPUT_TOKENS].to_numpy(np.float64)
    out = frame[OUTPUT_TOKENS].to_numpy(np.float64)
    cached = frame[CACHED_INPUT_TOKENS].fillna(0).to_numpy(np.float64) if log.has(CACHED_INPUT_TOKENS) else 0.0

    def per_segment_mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(seg_of_call, weights=values, minlength=k) / np.maximum(counts, 1)

    today_cost = per_segment_mean(np.asarray(baseline.per_call_cost_usd, dtype=np.float64))
    # Observed quality of the served model: the relative scale (1.0 = today) when unlabelled.
    measured = frame[QUALITY].to_numpy(np.float64) if log.has(QUALITY) else np.full(n, np.nan)
    has_q = ~np.isnan(measured)

    candidates: list[tuple[str, str]] = []
    if is_usable(routing):
        for cand in get_field(routing, "candidates", ()) or ():
            pair = (str(get_field(cand, "model")), str(get_field(cand, "provider") or ""))
            if pair not in candidates:
                candidates.append(pair)
    cand_cost = {}
    for model, provider in candidates:
        kw = {"input_tokens": inp, "output_tokens": out, "cached_input_tokens": cached}
        cand_cost[model] = (
            per_segment_mean(prices.call_cost_usd(model, provider or None, **kw)),
            per_segment_mean(prices.call_cost_usd(model, provider or None, batch=True, **kw)),
        )
    models = frame[MODEL].astype(str).to_numpy()
    provs = frame[PROVIDER].astype(str).to_numpy() if log.has(PROVIDER) else np.full(n, "")
    today_batch = per_segment_mean(prices.call_cost_usd(models, provs, inp, out, cached, batch=True))

    tolerant = np.asarray(get_field(batch, "per_call_eligible"), dtype=float) if is_usable(batch) else None
    tolerant_share = per_segment_mean(tolerant) if tolerant is not None and len(tolerant) == n else np.zeros(k)

    steps = _sweep(cache) if is_usable(cache) else ()
    cacheable = get_field(cache, "per_call_cacheable") if is_usable(cache) else None
    cacheable = np.asarray(cacheable, dtype=float) if cacheable is not None and len(cacheable) == n else np.ones(n)
    cacheable_share = per_segment_mean(cacheable)
    cacheable_calls = cacheable.sum()
    match_cos = get_field(cache, "per_call_match_cosine") if is_usable(cache) else None
    if match_cos is not None and len(match_cos) == n:
        cos = np.nan_to_num(np.asarray(match_cos, dtype=float), nan=-1.0)
        hits_at = [per_segment_mean(((cos >= st.threshold) & (cacheable > 0)).astype(float)) for st in steps]
    else:
        match_cos = None

    seg_inputs = []
    all_relative = True
    for i, seg in enumerate(segments):
        is_routing = not isinstance(seg, str)
        name = str(seg.name) if is_routing else f"calls on {seg}"
        cur_q = get_field(seg, "current_quality") if is_routing else None
        if cur_q is None:
            mask = (seg_of_call == i) & has_q
            cur_q = float(measured[mask].mean()) if mask.any() else None
        absolute = cur_q is not None
        all_relative &= not absolute
        options = []
        current_model = str(get_field(seg, "main_current_model")) if is_routing else str(seg)
        options.append(
            ModelOption(
                current_model, "", float(cur_q) if absolute else 1.0, float(today_cost[i]), float(today_batch[i]), True
            )
        )
        if is_routing:
            for model, provider in candidates:
                if model == current_model:
                    continue
                q = (seg.candidate_quality or {}).get(model) if absolute else (seg.relative_quality or {}).get(model)
                if q is None or not np.isfinite(q):
                    continue  # no quality estimate: the optimizer may not move this segment there
                rt, bt = cand_cost[model]
                n_lab = (seg.n_labelled or {}).get(model) or 0
                # Binomial-style error of a mean score in [0, 1]; relative scale divides by today's.
                se = float(np.sqrt(max(q * (1 - q), 0.0) / n_lab)) if n_lab and absolute else 0.0
                options.append(ModelOption(model, provider, float(q), float(rt[i]), float(bt[i]), False, se))
        if match_cos is not None:
            # The replay's best earlier match per call: a hit at t wherever cosine >= t.
            hit_shares = tuple(float(hits_at[k][i]) for k in range(len(steps)))
        else:
            # Hits fall on cacheable calls: spread each step's hit volume by the segment's cacheable calls.
            hit_shares = tuple(
                float(min(cacheable_share[i], st.hit_rate * n * cacheable_share[i] / cacheable_calls))
                if cacheable_calls > 0
                else 0.0
                for st in steps
            )
        floor = opt.segment_floors.get(name, opt.min_segment_relative_quality)
        seg_inputs.append(
            SegmentInput(
                id=int(get_field(seg, "id")) if is_routing else i,
                name=name,
                calls_per_month=float(counts[i] * factor),
                current_quality=float(cur_q) if absolute else 1.0,
                options=tuple(options),
                batch_tolerant_share=float(np.clip(tolerant_share[i], 0, 1)),
                hit_share_by_step=hit_shares,
                relative_floor=None if floor is None else float(floor),
            )
        )
    unknown_floors = sorted(set(opt.segment_floors) - {s.name for s in seg_inputs})
    if unknown_floors:
        raise ConfigError.setting(
            f"optimizer.segment_floors.{unknown_floors[0]}",
            f"the name of a segment ({', '.join(s.name for s in seg_inputs)})",
            unknown_floors[0],
        )

    target = opt.quality_target if opt.quality_target is not None else config.quality_target
    provisional = OptimizerInputs(segments=tuple(seg_inputs), quality_target=1.0)
    if sum(s.calls_per_month * s.current_quality for s in seg_inputs) <= 0:
        # Today's quality is 0 on every labelled call: no plan can fall below it.
        target = 0.0
    if opt.quality_target_kind == "absolute":
        if all_relative:
            raise ConfigError.setting(
                "optimizer.quality_target_kind",
                '"relative" (the log has no quality labels to set an absolute scale)',
                "absolute",
            )
        target = target / provisional.today_quality

    from advisor.cost.infrastructure import InfrastructureSettings

    infra = settings(config, "infrastructure", InfrastructureSettings)
    cache_cost = opt.cache_cost_per_month_usd
    if cache_cost is None:
        cache_cost = (
            get_field(cache, "monthly_cache_cost_usd", get_field(cache, "cache_cost_per_month_usd"))
            if is_usable(cache)
            else None
        )
    if cache_cost is None:
        cache_cost = infra.cache_single_cost_per_month_usd
    budget = opt.false_hit_budget
    if budget is None:
        budget = get_field(cache, "false_hit_budget", 0.02) if is_usable(cache) else 0.02

    prompt = findings.get("prompt")
    prompt_share = 0.0
    if is_usable(prompt) and baseline.api_cost_per_month_usd > 0:
        prompt_share = float(
            np.clip(get_field(prompt, "monthly_savings_usd", 0.0) / baseline.api_cost_per_month_usd, 0, 0.95)
        )

    capacity = _capacity(log, baseline, config, np.ones(n), findings.get("capacity"))
    fixed = (
        baseline.infrastructure_cost_per_month_usd
        - capacity.baseline_worker_cost_per_month_usd
        + baseline.operations_cost_per_month_usd
    )
    levers = set(opt.levers)
    # A lever with nothing to act on stays out of the attribution and the report.
    if not steps:
        levers.discard("cache")
    if not any(len(s.options) > 1 for s in seg_inputs):
        levers.discard("routing")
    if not is_usable(prompt):
        levers.discard("prompt")
    if not any(s.batch_tolerant_share > 0 for s in seg_inputs):
        levers.discard("batch")
    return OptimizerInputs(
        segments=tuple(seg_inputs),
        quality_target=float(target),
        cache_steps=steps,
        cache_cost_per_month_usd=float(cache_cost),
        false_hit_budget=float(budget),
        false_hit_quality=float(opt.false_hit_quality),
        capacity=capacity,
        prompt_savings_share=prompt_share,
        fixed_cost_per_month_usd=float(fixed),
        baseline_cost_per_month_usd=float(baseline.total_cost_per_month_usd),
        levers=frozenset(levers),
        quality_is_relative=all_relative,
        frontier_targets=tuple(float(t) for t in opt.frontier_targets),
        quality_z=float(NormalDist().inv_cdf(opt.quality_confidence)),
        min_recommended_call_share=float(opt.min_recommended_call_share),
    )
