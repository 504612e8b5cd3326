"""Replayed matches + P(right answer) per hit -> per-threshold estimates and a chosen threshold.

    sweep(match_cosine, p_right, cost_usd, thresholds, groups, ...) -> tuple[ThresholdEstimate]
    choose_threshold(estimates, false_hit_budget) -> ThresholdEstimate | None

Pure numpy, no I/O: the analyzer and `advisor evaluate cache` share it. Intervals come from
a bootstrap that resamples whole groups (conversations or time blocks), because calls in
one conversation or one busy hour hit or miss together; resampling single calls would make
the interval too narrow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from advisor.core.policy import DEFAULT_FALSE_HIT_BUDGET

DEFAULT_THRESHOLDS = tuple(round(0.70 + 0.01 * i, 2) for i in range(29))  # 0.70 .. 0.98
MAX_BOOT_GROUPS = 4000


@dataclass(frozen=True)
class ThresholdEstimate:
    """What a semantic cache at one similarity threshold would do over the replayed log."""

    threshold: float
    hits: int
    hit_rate: float  # hits / all calls considered
    estimated_precision: float | None  # expected share of hits whose cached answer is right
    precision_interval: tuple[float, float] | None
    entity_hit_share: float | None  # share of hits whose texts carry entity values
    avoided_cost_usd: float  # over the log (not per month)
    monthly_avoided_cost_usd: float
    monthly_net_savings_usd: float  # avoided cost minus the cache's own monthly cost
    savings_interval_usd: tuple[float, float]
    sampling_halfwidth: float | None = None  # the stream's own part of the precision interval

    @property
    def false_hit_rate(self) -> float | None:
        return None if self.estimated_precision is None else 1.0 - self.estimated_precision

    @property
    def false_hit_upper(self) -> float | None:
        """Upper end of the 95 % false-hit interval (the expected rate when there is no interval)."""
        if self.precision_interval is None:
            return self.false_hit_rate
        return 1.0 - self.precision_interval[0]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["false_hit_rate"] = self.false_hit_rate
        d["false_hit_upper"] = self.false_hit_upper
        return d


def _group_sums(values: np.ndarray, group_codes: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, k) sums of the (n, k) `values` per group."""
    # One bincount per column: np.add.at over (n, k) rows is ~20x slower on large logs.
    out = np.zeros((n_groups, values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(group_codes, weights=values[:, j], minlength=n_groups)
    return out


def sweep(
    match_cosine: np.ndarray,
    p_right: np.ndarray,
    cost_usd: np.ndarray,
    thresholds=DEFAULT_THRESHOLDS,
    *,
    groups: np.ndarray | None = None,
    has_entities: np.ndarray | None = None,
    monthly_factor: float = 1.0,
    monthly_cache_cost_usd: float = 0.0,
    n_boot: int = 200,
    seed: int = 0,
    p_right_draws: np.ndarray | None = None,
    n_total: int | None = None,
    precision_margin=0.0,
    margin_applies: np.ndarray | None = None,
) -> tuple[ThresholdEstimate, ...]:
    """Estimates for each threshold over the calls given (one row per call, NaN/-1 = no match).

    `p_right_draws` (draws, n): posterior samples of p_right (after labelled pairs); their
    spread is added to the precision interval. `n_total`: calls the hit rate is a share of
    (default: the rows given). `precision_margin`: model error added on both sides of the
    precision interval when there are no draws: one number, or one per threshold (Calibration.transfer_margin).
    `margin_applies` (n,): calls whose p_right came from the calibration (see _margins).
    """
    cos = np.nan_to_num(np.asarray(match_cosine, dtype=np.float64), nan=-1.0)
    p = np.asarray(p_right, dtype=np.float64)
    cost = np.asarray(cost_usd, dtype=np.float64)
    n = cos.size
    n_total = n if n_total is None else n_total
    ent = np.zeros(n, bool) if has_entities is None else np.asarray(has_entities, bool)
    t = np.asarray(thresholds, dtype=np.float64)
    hit = cos[:, None] >= t[None, :]  # (n, k)
    margin = _margins(precision_margin, margin_applies, hit)
    codes, n_groups = _group_codes(groups, n, seed)
    sums = {
        "hits": _group_sums(hit.astype(np.float64), codes, n_groups),
        "p": _group_sums(hit * p[:, None], codes, n_groups),
        "cost": _group_sums(hit * cost[:, None], codes, n_groups),
    }
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_boot).astype(np.float64)
    boot_hits = weights @ sums["hits"]
    boot_prec = np.divide(weights @ sums["p"], boot_hits, out=np.full_like(boot_hits, np.nan), where=boot_hits > 0)
    boot_cost = weights @ sums["cost"]
    if p_right_draws is not None:
        draw_prec = (p_right_draws @ hit) / np.maximum(hit.sum(axis=0), 1)  # (draws, k)
    out = []
    for k, thr in enumerate(t):
        h = hit[:, k]
        n_hit = int(h.sum())
        avoided = float(cost[h].sum())
        monthly = avoided * monthly_factor
        lo_s, hi_s = np.nanpercentile(boot_cost[:, k], [2.5, 97.5]) * monthly_factor if n else (0.0, 0.0)
        prec: float | None = None
        interval: tuple[float, float] | None = None
        ent_share: float | None = None
        halfwidth: float | None = None
        if n_hit:
            prec = float(p[h].mean())
            draws_k = None if p_right_draws is None else draw_prec[:, k]
            interval = _precision_interval(prec, boot_prec[:, k], draws_k, seed + k, float(margin[k]))
            ent_share = float(ent[h].mean())
            halfwidth = float(np.diff(np.nanpercentile(boot_prec[:, k], [2.5, 97.5]))[0]) / 2
        out.append(
            ThresholdEstimate(
                threshold=float(thr),
                hits=n_hit,
                hit_rate=n_hit / n_total if n_total else 0.0,
                estimated_precision=prec,
                precision_interval=interval,
                entity_hit_share=ent_share,
                avoided_cost_usd=avoided,
                monthly_avoided_cost_usd=monthly,
                monthly_net_savings_usd=monthly - monthly_cache_cost_usd,
                savings_interval_usd=(float(lo_s) - monthly_cache_cost_usd, float(hi_s) - monthly_cache_cost_usd),
                sampling_halfwidth=halfwidth,
            )
        )
    return tuple(out)


def _margins(precision_margin, margin_applies: np.ndarray | None, hit: np.ndarray) -> np.ndarray:
    """Per threshold: the model margin, scaled by the share of its hits whose p_right came from
    the calibration (identical texts are right whatever the calibration says)."""
    margin = np.broadcast_to(np.asarray(precision_margin, dtype=np.float64), hit.shape[1:])
    if margin_applies is None:
        return margin
    applies = np.asarray(margin_applies, dtype=np.float64)
    return margin * (applies @ hit) / np.maximum(hit.sum(axis=0), 1)


def _group_codes(groups: np.ndarray | None, n: int, seed: int) -> tuple[np.ndarray, int]:
    """Per call, the code of the group the bootstrap resamples it with, and how many groups."""
    codes = np.zeros(n, np.int64) if groups is None else np.unique(groups, return_inverse=True)[1]
    n_groups = int(codes.max()) + 1 if n else 1
    if n_groups > MAX_BOOT_GROUPS:
        # Resampling random unions of groups is still a cluster bootstrap (each union is
        # independent of the others), and keeps the (n_boot, groups) weights small on big logs.
        merge = np.random.default_rng(seed + 1).permutation(n_groups) % MAX_BOOT_GROUPS
        codes, n_groups = merge[codes], MAX_BOOT_GROUPS
    return codes, n_groups


def _precision_interval(
    prec: float,
    boot_prec: np.ndarray,
    draw_prec: np.ndarray | None,
    seed: int,
    precision_margin: float,
) -> tuple[float, float]:
    """95 % interval of the precision at one threshold: the bootstrap's spread around `prec`, plus
    the posterior draws' spread when there are labels, else plus the calibration's held-out error."""
    spread = boot_prec - np.nanmean(boot_prec)
    if draw_prec is not None:
        # Model uncertainty (posterior draws) plus the stream's own sampling spread.
        spread = np.random.default_rng(seed).choice(spread[np.isfinite(spread)], draw_prec.shape[0]) + draw_prec - prec
    lo, hi = np.nanpercentile(prec + spread, [2.5, 97.5])
    if draw_prec is None:
        lo, hi = lo - precision_margin, hi + precision_margin
    return float(np.clip(lo, 0, 1)), float(np.clip(hi, 0, 1))


def choose_threshold(estimates, false_hit_budget: float = DEFAULT_FALSE_HIT_BUDGET) -> ThresholdEstimate | None:
    """Most net savings among thresholds whose false-hit rate is within the budget at the UPPER
    end of its 95 % interval (the expected rate where there is no interval): a user who follows
    the advice stays within the budget unless the truth lies outside the interval.

    Ties (e.g. no cost data) go to the lower threshold, which answers more calls.
    """
    ok = [e for e in estimates if e.hits and e.false_hit_upper is not None and e.false_hit_upper <= false_hit_budget]
    if not ok:
        return None
    return max(ok, key=lambda e: (round(e.monthly_net_savings_usd, 9), e.hits, -e.threshold))


def floored_savings_interval(chosen: ThresholdEstimate | None) -> tuple[float, float]:
    """The chosen threshold's monthly savings interval, floored at zero (a cache can be switched off)."""
    if chosen is None:
        return (0.0, 0.0)
    return (max(chosen.savings_interval_usd[0], 0.0), max(chosen.savings_interval_usd[1], 0.0))
