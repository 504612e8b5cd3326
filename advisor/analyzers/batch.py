"""Batch analyzer: QueryLog + Baseline + [batch] settings -> BatchFindings.

Which calls can wait for a provider's batch API (results within its completion window,
24 h at OpenAI and Anthropic), and what moving them would save. A call is eligible when its
`latency_class` is one of the tolerant classes, its `task` is a named or pattern-matched
task, or it arrived in one of the configured UTC hours; calls already sent through a batch
API (`is_batch`) are not counted again. Batch prices come from the catalog, or 50 % of list
price where the catalog has none, and the findings say which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.analyzers import AnalysisContext, register
from advisor.analyzers.resample import bootstrap_monthly_interval, resampling_units
from advisor.core import schema as S
from advisor.core.config import settings
from advisor.core.errors import ConfigError
from advisor.core.policy import MAX_BOOTSTRAP


@dataclass(frozen=True)
class BatchSettings:
    """Section [batch]: which calls tolerate a batch API's delay."""

    # latency_class values that do not need an answer while a user waits.
    tolerant_classes: tuple[str, ...] = ("background", "analytics", "batch", "offline", "async", "nightly")
    tasks: tuple[str, ...] = ()  # task names that tolerate the delay (exact, case-insensitive)
    task_pattern: str | None = None  # regex on task (e.g. endpoint paths such as "^/jobs/")
    hours: tuple[int, ...] = ()  # UTC hours whose calls all tolerate the delay (off-hours jobs)
    completion_window_hours: float = 24.0  # the provider's promise; the delay users must accept
    n_bootstrap: int = 1000

    def validate(self) -> None:
        if self.task_pattern is not None:
            try:
                re.compile(self.task_pattern)
            except re.error as exc:
                raise ConfigError.setting(
                    "batch.task_pattern", f"a valid regular expression ({exc})", self.task_pattern
                ) from None
        bad = [h for h in self.hours if not 0 <= h <= 23]
        if bad:
            raise ConfigError.setting("batch.hours", "a list of UTC hours from 0 to 23", bad[0])
        if not 0 < self.completion_window_hours <= 24 * 7:
            raise ConfigError.setting(
                "batch.completion_window_hours", "a number of hours in (0, 168]", self.completion_window_hours
            )
        if not 100 <= self.n_bootstrap <= MAX_BOOTSTRAP:
            raise ConfigError.setting("batch.n_bootstrap", f"an integer in [100, {MAX_BOOTSTRAP:,}]", self.n_bootstrap)


@dataclass(frozen=True)
class BatchRule:
    """One reason a call was found eligible, with how many calls it matched."""

    rule: str  # e.g. "latency_class = background"
    n_calls: int


@dataclass(frozen=True)
class BatchGroup:
    """Eligible calls of one kind (task and latency class), so advice can say what to move."""

    task: str | None  # the log's task value, None when the log has no task column
    latency_class: str | None  # the log's latency_class value, None when absent
    n_calls: int
    share_of_calls: float  # of all calls in the log
    share_of_eligible: float  # of the eligible calls

    @property
    def label(self) -> str:
        """What a user calls these calls: the task name, else the latency class."""
        return self.task or self.latency_class or "unlabelled calls"


@dataclass(frozen=True)
class BatchFindings:
    name: str
    monthly_savings_usd: float
    savings_interval_usd: tuple[float, float]
    eligible_share_of_calls: float
    eligible_share_of_cost: float
    eligible_calls_per_month: float
    eligible_cost_per_month_usd: float
    already_batched_share_of_calls: float
    added_latency_max_hours: float  # the completion window eligible calls accept
    rules: tuple[BatchRule, ...]
    eligible_groups: tuple[BatchGroup, ...]  # eligible calls by task / latency class, largest first
    price_sources: dict[str, str]  # model -> "catalog" | "override" | "default 50 %"
    interval_unit: str  # what the bootstrap resampled: day | conversation | call
    warnings: tuple[str, ...] = ()
    skipped_reason: str | None = None
    per_call_eligible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)
    per_call_savings_usd: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "monthly_savings_usd": self.monthly_savings_usd,
            "savings_interval_usd": list(self.savings_interval_usd),
            "eligible_share_of_calls": self.eligible_share_of_calls,
            "eligible_share_of_cost": self.eligible_share_of_cost,
            "eligible_calls_per_month": self.eligible_calls_per_month,
            "eligible_cost_per_month_usd": self.eligible_cost_per_month_usd,
            "already_batched_share_of_calls": self.already_batched_share_of_calls,
            "added_latency_max_hours": self.added_latency_max_hours,
            "rules": [dict(r.__dict__) for r in self.rules],
            "eligible_groups": [{**g.__dict__, "label": g.label} for g in self.eligible_groups],
            "price_sources": dict(self.price_sources),
            "interval_unit": self.interval_unit,
            "warnings": list(self.warnings),
            "skipped_reason": self.skipped_reason,
        }


def _skipped(reason: str, n: int, s: BatchSettings) -> BatchFindings:
    return BatchFindings(
        name="batch",
        monthly_savings_usd=0.0,
        savings_interval_usd=(0.0, 0.0),
        eligible_share_of_calls=0.0,
        eligible_share_of_cost=0.0,
        eligible_calls_per_month=0.0,
        eligible_cost_per_month_usd=0.0,
        already_batched_share_of_calls=0.0,
        added_latency_max_hours=s.completion_window_hours,
        rules=(),
        eligible_groups=(),
        price_sources={},
        interval_unit="",
        skipped_reason=reason,
        per_call_eligible=np.zeros(n, dtype=bool),
        per_call_savings_usd=np.zeros(n),
    )


def eligible_calls(log: S.QueryLog, s: BatchSettings) -> tuple[np.ndarray, tuple[BatchRule, ...]]:
    """Per-call eligibility (bool array) and the rules that matched, in the order checked."""
    frame = log.frame
    n = log.n_calls
    eligible = np.zeros(n, dtype=bool)
    rules: list[BatchRule] = []

    def add(name: str, mask: np.ndarray) -> None:
        nonlocal eligible
        if mask.any():
            rules.append(BatchRule(name, int(mask.sum())))
        eligible = eligible | mask

    if log.has(S.LATENCY_CLASS):
        cls = frame[S.LATENCY_CLASS].astype("string").str.strip().str.lower().fillna("")
        for c in s.tolerant_classes:
            add(f"latency_class = {c}", (cls == c.lower()).to_numpy(dtype=bool))
    if log.has(S.TASK) and (s.tasks or s.task_pattern):
        task = frame[S.TASK].astype("string").fillna("")
        lowered = task.str.strip().str.lower()
        for t in s.tasks:
            add(f"task = {t}", (lowered == t.strip().lower()).to_numpy(dtype=bool))
        if s.task_pattern:
            add(f"task matches /{s.task_pattern}/", task.str.contains(s.task_pattern, regex=True).to_numpy(dtype=bool))
    if s.hours:
        hour = frame[S.TIMESTAMP].dt.hour.to_numpy()
        add(f"UTC hour in {sorted(set(s.hours))}", np.isin(hour, list(s.hours)))
    return eligible, tuple(rules)


def eligible_groups(log: S.QueryLog, eligible: np.ndarray) -> tuple[BatchGroup, ...]:
    """Eligible calls grouped by (task, latency_class), largest first (ties by label)."""
    n = log.n_calls
    columns = [c for c in (S.TASK, S.LATENCY_CLASS) if log.has(c)]
    if not eligible.any() or not columns:
        return ()
    kinds = log.frame.loc[eligible, columns].astype("string").apply(lambda c: c.str.strip()).fillna("")
    counts = kinds.value_counts(sort=False)
    total = int(eligible.sum())
    groups = []
    for key, count in counts.items():
        values = dict(zip(columns, key if isinstance(key, tuple) else (key,)))
        groups.append(
            BatchGroup(
                task=values.get(S.TASK) or None,
                latency_class=values.get(S.LATENCY_CLASS) or None,
                n_calls=int(count),
                share_of_calls=int(count) / n,
                share_of_eligible=int(count) / total,
            )
        )
    return tuple(sorted(groups, key=lambda g: (-g.n_calls, g.label, g.latency_class or "")))


def _no_rules_reason(log: S.QueryLog) -> str:
    """Why nothing can be called batch-tolerant: with a task column, name its tasks; else ask for one."""
    if log.has(S.TASK):
        tasks = sorted(log.frame[S.TASK].dropna().astype(str).unique())
        shown = ", ".join(repr(t) for t in tasks[:5]) + (f" and {len(tasks) - 5} more" if len(tasks) > 5 else "")
        return (
            "[batch] names no tasks that tolerate a delay: list them under [batch] tasks = [...] "
            f"(the log's tasks: {shown})"
        )
    return (
        "the log has no latency_class column and [batch] names no tasks, task_pattern or "
        "hours; map a latency or task column, or add rules under [batch]"
    )


@register("batch")
def analyze_batch(log: S.QueryLog, baseline, ctx: AnalysisContext) -> BatchFindings:
    """Eligible share of calls and cost, and the monthly saving from sending them to a batch API."""
    s = settings(ctx.config, "batch", BatchSettings)
    frame = log.frame
    n = log.n_calls
    has_rules = bool(s.tasks or s.task_pattern or s.hours)
    if not log.has(S.LATENCY_CLASS) and not has_rules:
        return _skipped(_no_rules_reason(log), n, s)
    if (s.tasks or s.task_pattern) and not log.has(S.TASK):
        return _skipped("[batch] names tasks but the log has no task column; map one with --map task=...", n, s)
    eligible, rules = eligible_calls(log, s)
    warnings: list[str] = []
    already = frame[S.IS_BATCH].fillna(False).to_numpy(dtype=bool) if S.IS_BATCH in frame.columns else np.zeros(n, bool)
    if (eligible & already).any():
        warnings.append(
            f"{int((eligible & already).sum())} eligible calls already went through a batch API; "
            "they are not counted again."
        )
    eligible = eligible & ~already

    inp = frame[S.INPUT_TOKENS].to_numpy(np.float64)
    out = frame[S.OUTPUT_TOKENS].to_numpy(np.float64)
    cached = (
        frame[S.CACHED_INPUT_TOKENS].fillna(0).to_numpy(np.float64)
        if S.CACHED_INPUT_TOKENS in frame.columns
        else np.zeros(n)
    )
    provider = frame[S.PROVIDER] if S.PROVIDER in frame.columns else None
    today = np.asarray(baseline.per_call_cost_usd, dtype=np.float64)
    batch_cost = ctx.prices.call_cost_usd(frame[S.MODEL], provider, inp, out, np.minimum(cached, inp), batch=True)
    # A batch price above the real-time one (odd overrides) is never a saving.
    savings = np.where(eligible, np.maximum(today - batch_cost, 0.0), 0.0)

    sources: dict[str, str] = {}
    models = frame.loc[eligible, [S.MODEL] + ([S.PROVIDER] if provider is not None else [])].drop_duplicates()
    for row in models.itertuples(index=False):
        mp = ctx.prices.price(str(row[0]), str(row[1]) if len(row) > 1 and pd.notna(row[1]) else None)
        sources[mp.model] = mp.batch_price_source
    defaulted = sorted(m for m, src in sources.items() if src == "default 50 %")
    if defaulted:
        warnings.append(
            f"No catalog batch price for {', '.join(defaulted)}: savings assume the usual 50 % "
            "batch discount. Add batch_input / batch_output under [prices] if yours differs."
        )
    if not eligible.any():
        warnings.append(
            "No call matched a batch rule: every call looks latency-sensitive. If some are "
            "background work, add their task names under [batch] tasks."
        )

    factor = float(baseline.monthly_factor)
    total_cost = float(today.sum())
    units, unit_name = resampling_units(frame)
    interval = bootstrap_monthly_interval(savings, units, factor, seed=ctx.config.seed, n_boot=s.n_bootstrap)
    return BatchFindings(
        name="batch",
        monthly_savings_usd=float(savings.sum()) * factor,
        savings_interval_usd=interval,
        eligible_share_of_calls=float(eligible.mean()) if n else 0.0,
        eligible_share_of_cost=float(today[eligible].sum() / total_cost) if total_cost > 0 else 0.0,
        eligible_calls_per_month=float(eligible.sum()) * factor,
        eligible_cost_per_month_usd=float(today[eligible].sum()) * factor,
        already_batched_share_of_calls=float(already.mean()) if n else 0.0,
        added_latency_max_hours=s.completion_window_hours,
        rules=rules,
        eligible_groups=eligible_groups(log, eligible),
        price_sources=sources,
        interval_unit=unit_name,
        warnings=tuple(warnings),
        per_call_eligible=eligible,
        per_call_savings_usd=savings,
    )
