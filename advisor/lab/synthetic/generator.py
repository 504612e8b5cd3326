"""The sample generator: SampleSettings -> SampleLog (a normalized log plus its ground truth).

A customer-service agent on a capable model: multi-turn support chats whose openings are
real CLINC150 questions, arriving with diurnal / weekly seasonality, a trend and Azure-trace
burstiness; nightly conversation summaries and analytics calls in bursts at night; a 0/1
quality outcome per call, shadow scores of cheaper models on a labelled subset, and a
resolved-ticket business unit. Every random draw comes from one seeded generator, in a
fixed order, so a seed gives the same log on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.lab.synthetic.quality import model_quality
from advisor.lab.synthetic.settings import SampleSettings
from advisor.lab.synthetic.texts import PRODUCT_LINES, draw_first_turns, draw_followups, load_catalog
from advisor.lab.synthetic.traffic import (
    azure_output_tokens,
    draw_arrivals,
    minute_intensity,
    night_bursts,
)
from advisor.lab.synthetic.truth import SampleTruth, compute_truth

SUPPORT_TASK = "support_chat"
SUMMARY_TASK = "nightly_summary"
ANALYTICS_TASK = "analytics"
LATENCY_CLASS = {SUPPORT_TASK: "realtime", SUMMARY_TASK: "background", ANALYTICS_TASK: "analytics"}
# Fixed system prompts, one per product line (distinct sizes, so (task, system_tokens)
# identifies the prompt), and one per background task.
SYSTEM_TOKENS = {"banking": 540, "cards": 620, "travel": 760, "general": 580, SUMMARY_TASK: 320, ANALYTICS_TASK: 450}
_SUMMARY_INSTRUCTION_TOKENS = 24
_THINK_TIME_MEDIAN_S = 40.0
_DECODE_TOKENS_PER_S = 50.0


@dataclass(frozen=True)
class SampleLog:
    """`frame`: a log in the normalized schema (advisor/core/schema.py), sorted by timestamp.
    `truth`: the generator's true values, with per-call hidden truth aligned to frame rows."""

    frame: pd.DataFrame
    truth: SampleTruth
    settings: SampleSettings


def _within_group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group; `group_start` marks each group's first row."""
    total = np.cumsum(values)
    first = np.flatnonzero(group_start)
    offset = np.repeat(total[first] - values[first], np.diff(np.append(first, len(values))))
    return total - offset


def _turns(rng: np.random.Generator, n_chat: int, s: SampleSettings) -> np.ndarray:
    """Turn counts per conversation adding up to exactly n_chat calls (the last one cut short)."""
    lengths = np.zeros(0, dtype=np.int64)
    while lengths.sum() < n_chat:
        k = int(n_chat / s.mean_turns * 1.2) + 10
        more = np.minimum(1 + rng.poisson(s.mean_turns - 1.0, k), s.max_turns)
        lengths = np.concatenate([lengths, more])
    cut = int(np.searchsorted(np.cumsum(lengths), n_chat)) + 1
    lengths = lengths[:cut]
    lengths[-1] -= lengths.sum() - n_chat
    return lengths[lengths > 0]


@dataclass(frozen=True)
class _Chats:
    """Support-chat calls in conversation order (arrays of length n_chat unless named)."""

    lengths: np.ndarray  # turns per conversation (n_conv)
    conv: np.ndarray  # conversation index of each call
    first: np.ndarray  # bool: the conversation's opening call
    turn: np.ndarray
    ts_ns: np.ndarray
    conv_day: np.ndarray  # day of the window each conversation started on (n_conv)
    topic: np.ndarray  # intent id of the conversation's opening, -1 out of scope
    complexity: np.ndarray
    text: np.ndarray
    text_intent: np.ndarray
    entity_kind: np.ndarray
    system_tokens: np.ndarray
    history_tokens: np.ndarray
    user_tokens: np.ndarray
    output_tokens: np.ndarray


def _support_chats(rng: np.random.Generator, s: SampleSettings, t0: pd.Timestamp, n_chat: int) -> _Chats:
    """Conversations: arrival, real opening question, follow-ups, tokens and turn timing."""
    from advisor.core.tokens import count_tokens

    catalog = load_catalog()
    lengths = _turns(rng, n_chat, s)
    n_conv = len(lengths)
    intensity = minute_intensity(t0, s.days, s.traffic, rng, weekly_growth=s.weekly_growth, step_factor=s.step_factor)
    conv_start_ns = draw_arrivals(rng, n_conv, t0, intensity)
    conv = np.repeat(np.arange(n_conv), lengths)
    first = np.r_[True, conv[1:] != conv[:-1]]
    turn = np.arange(n_chat) - np.repeat(np.flatnonzero(first), lengths) + 1

    opening = draw_first_turns(rng, n_conv, catalog, oos_share=s.oos_share, entity_share=s.entity_share)
    topic = opening.intent_id[conv]
    names = np.asarray((*catalog.names, "oos"), dtype=object)
    text = np.empty(n_chat, dtype=object)
    text_intent = np.empty(n_chat, dtype=object)
    text[first] = opening.text
    text_intent[first] = names[opening.intent_id]
    is_last = np.r_[first[1:], True]
    text[~first], text_intent[~first] = draw_followups(rng, topic[~first], is_last[~first], catalog)
    entity_kind = np.full(n_chat, "", dtype=object)
    entity_kind[first] = opening.entity_kind
    entity_kind[text_intent == "followup_entity"] = "followup"

    user_tokens = count_tokens(text)
    output_tokens = np.clip(rng.choice(azure_output_tokens(), n_chat), 8, 1000).astype(np.int64)
    turn_tokens = user_tokens + output_tokens
    history = _within_group_cumsum(turn_tokens, first) - turn_tokens
    line = np.asarray((*catalog.product_line, "general"), dtype=object)[opening.intent_id][conv]
    system = np.array([SYSTEM_TOKENS[x] for x in PRODUCT_LINES], dtype=np.int64)[
        pd.Categorical(line, categories=PRODUCT_LINES).codes
    ]
    # Next turn arrives after the previous answer is generated and the customer has typed.
    gap_s = rng.lognormal(np.log(_THINK_TIME_MEDIAN_S), 0.6, n_chat)
    gap_s += np.r_[0.0, output_tokens[:-1] / _DECODE_TOKENS_PER_S]
    gap_s[first] = 0.0
    ts_ns = conv_start_ns[conv] + (_within_group_cumsum(gap_s, first) * 1e9).astype(np.int64)
    return _Chats(
        lengths=lengths,
        conv=conv,
        first=first,
        turn=turn,
        ts_ns=ts_ns,
        conv_day=(conv_start_ns - t0.value) // (86400 * 10**9),
        topic=topic,
        complexity=np.where(topic >= 0, catalog.complexity[np.maximum(topic, 0)], 0.0),
        text=text,
        text_intent=text_intent,
        entity_kind=entity_kind,
        system_tokens=system,
        history_tokens=history,
        user_tokens=user_tokens,
        output_tokens=output_tokens,
    )


@dataclass(frozen=True)
class _Background:
    task: np.ndarray
    ts_ns: np.ndarray
    system_tokens: np.ndarray
    user_tokens: np.ndarray  # the transcript or record the job reads
    output_tokens: np.ndarray


def _background(rng: np.random.Generator, s: SampleSettings, t0: pd.Timestamp, chats: _Chats, n_bg: int) -> _Background:
    """Nightly summaries of the previous day's chats and analytics jobs, in bursts at night."""
    n_sum = round(n_bg * s.summary_share_of_background)
    n_an = n_bg - n_sum
    n_conv = len(chats.lengths)
    transcript = np.bincount(chats.conv, weights=chats.user_tokens + chats.output_tokens, minlength=n_conv).astype(
        np.int64
    )
    eligible = np.flatnonzero(chats.conv_day < s.days - 1)
    if len(eligible):
        picked = np.sort(rng.choice(eligible, n_sum, replace=n_sum > len(eligible)))
        sum_ts = night_bursts(rng, n_sum, t0, chats.conv_day[picked] + 1, hour=1.0, spacing_s=2.0)
    else:  # a one-day window: summarize the same evening
        picked = np.sort(rng.choice(n_conv, n_sum))
        sum_ts = night_bursts(rng, n_sum, t0, chats.conv_day[picked], hour=23.0, spacing_s=2.0)
    an_ts = night_bursts(rng, n_an, t0, rng.integers(0, s.days, n_an), hour=2.5, spacing_s=0.5)
    an_user = np.clip(rng.lognormal(np.log(1200), 0.5, n_an), 200, 8000).astype(np.int64)
    return _Background(
        task=np.r_[np.full(n_sum, SUMMARY_TASK, dtype=object), np.full(n_an, ANALYTICS_TASK, dtype=object)],
        ts_ns=np.r_[sum_ts, an_ts],
        system_tokens=np.r_[np.full(n_sum, SYSTEM_TOKENS[SUMMARY_TASK]), np.full(n_an, SYSTEM_TOKENS[ANALYTICS_TASK])],
        user_tokens=np.r_[transcript[picked] + _SUMMARY_INSTRUCTION_TOKENS, an_user],
        output_tokens=np.r_[rng.integers(120, 300, n_sum), rng.integers(15, 60, n_an)].astype(np.int64),
    )


def _user_ids(rng: np.random.Generator, n_conv: int) -> np.ndarray:
    """A customer per conversation: most open one or two tickets in the window, a few several."""
    n_users = max(1, int(n_conv * 0.7))
    weight = 1.0 / (np.arange(n_users) + 0.05 * n_users)
    return np.array([f"user-{u:06d}" for u in range(n_users)], dtype=object)[
        rng.choice(n_users, n_conv, p=weight / weight.sum())
    ]


def generate_log(
    n_calls: int, *, seed: int = 0, start: str = "2026-10-01", days: int = 14, traffic: str = "stable", **options
) -> SampleLog:
    """A seeded customer-service log of exactly n_calls calls with its ground truth.

    `options` are the other SampleSettings fields (e.g. shadow_share=0.15, weekly_growth=0.08).
    """
    s = SampleSettings.from_options(n_calls=n_calls, seed=seed, start=start, days=days, traffic=traffic, **options)
    rng = np.random.default_rng(s.seed)
    t0 = pd.Timestamp(s.start)
    t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")
    n_bg = round(s.n_calls * s.background_share)
    n_chat = max(s.n_calls - n_bg, 1)  # summaries need at least one chat to be about
    n_bg = s.n_calls - n_chat

    chats = _support_chats(rng, s, t0, n_chat)
    bg = _background(rng, s, t0, chats, n_bg)
    task = np.r_[np.full(n_chat, SUPPORT_TASK, dtype=object), bg.task]
    turn = np.r_[chats.turn, np.ones(n_bg, dtype=np.int64)]
    is_oos = np.r_[chats.topic == -1, np.zeros(n_bg, dtype=bool)]
    quality = model_quality(rng, np.r_[chats.complexity, np.zeros(n_bg)], turn, is_oos, task)
    served_q = quality.outcome[:, 0]
    shadow = rng.random(s.n_calls) < s.shadow_share

    business = _resolved_tickets(rng, chats, served_q, s.n_calls)
    users = _user_ids(rng, len(chats.lengths))

    # Millisecond timestamps: what logs record, and what CSV / JSONL keep without loss.
    ts = np.r_[chats.ts_ns, bg.ts_ns] // 10**6 * 10**6
    order = np.argsort(ts, kind="stable")
    n_sum = int((bg.task == SUMMARY_TASK).sum())
    conv_ids = np.r_[
        [f"conv-{i:07d}" for i in chats.conv],
        [f"sum-{i:06d}" for i in range(n_sum)],
        [f"ana-{i:06d}" for i in range(n_bg - n_sum)],
    ].astype(object)
    system = np.r_[chats.system_tokens, bg.system_tokens]
    history = np.r_[chats.history_tokens, np.zeros(n_bg, dtype=np.int64)]
    none = np.full(n_bg, None, dtype=object)
    frame = pd.DataFrame(
        {
            S.TIMESTAMP: pd.to_datetime(ts[order], unit="ns", utc=True),
            S.MODEL: quality.models[0],
            S.PROVIDER: quality.providers[0],
            S.INPUT_TOKENS: (system + history + np.r_[chats.user_tokens, bg.user_tokens])[order],
            S.OUTPUT_TOKENS: np.r_[chats.output_tokens, bg.output_tokens][order],
            S.CACHED_INPUT_TOKENS: np.zeros(s.n_calls, dtype=np.int64),
            S.SYSTEM_TOKENS: system[order],
            S.HISTORY_TOKENS: history[order],
            S.CONVERSATION_ID: conv_ids[order],
            S.TURN: turn[order],
            S.USER_ID: np.r_[users[chats.conv], np.full(n_bg, "batch-jobs", dtype=object)][order],
            S.TASK: task[order],
            S.LATENCY_CLASS: pd.Series(task).map(LATENCY_CLASS).to_numpy(dtype=object)[order],
            S.QUERY: np.r_[chats.text, none][order],
            S.QUALITY: served_q[order],
            S.BUSINESS_UNIT: business[order],
        }
    )
    for j, model in enumerate(quality.models[1:], start=1):
        frame[S.QUALITY_PREFIX + model] = np.where(shadow, quality.outcome[:, j], np.nan)[order]

    hidden = _hidden_truth(chats, quality, order, conv_ids=conv_ids, turn=turn, task=task, shadow=shadow)
    truth = compute_truth(frame, hidden, models=quality.models, providers=quality.providers, settings=s)
    return SampleLog(frame=frame, truth=truth, settings=s)


def _hidden_truth(
    chats: _Chats, quality, order: np.ndarray, *, conv_ids, turn, task, shadow: np.ndarray
) -> pd.DataFrame:
    """Per-call truth the log does not show (intent, complexity, every model's p(good)), in log order."""
    n_bg = len(turn) - len(chats.turn)
    none = np.full(n_bg, None, dtype=object)
    is_oos = np.r_[chats.topic == -1, np.zeros(n_bg, dtype=bool)]
    names = np.asarray((*load_catalog().names, "oos"), dtype=object)
    hidden = pd.DataFrame(
        {
            S.CONVERSATION_ID: conv_ids[order],
            S.TURN: turn[order],
            "intent": np.r_[names[chats.topic], none][order],
            "text_intent": np.r_[chats.text_intent, none][order],
            "complexity": np.r_[chats.complexity, np.zeros(n_bg)][order],
            "is_oos": is_oos[order],
            "entity_kind": np.r_[chats.entity_kind, np.full(n_bg, "", dtype=object)][order],
            "batch_tolerant": (task != SUPPORT_TASK)[order],
            "shadow_labelled": shadow[order],
        }
    )
    for j, model in enumerate(quality.models):
        hidden["p_good__" + model] = quality.p_good[order, j]
        hidden["quality_true__" + model] = quality.outcome[order, j]
    return hidden


def _resolved_tickets(rng: np.random.Generator, chats: _Chats, served_q: np.ndarray, n_calls: int) -> np.ndarray:
    """Business units per call: a ticket is resolved (one unit, on the chat's last call) more
    often when the answers were good."""
    n_chat = len(chats.conv)
    n_conv = len(chats.lengths)
    conv_quality = np.bincount(chats.conv, weights=served_q[:n_chat], minlength=n_conv) / chats.lengths
    resolved = rng.random(n_conv) < 0.35 + 0.6 * conv_quality
    business = np.zeros(n_calls)
    business[:n_chat][np.r_[chats.first[1:], True]] = resolved.astype(np.float64)
    return business
