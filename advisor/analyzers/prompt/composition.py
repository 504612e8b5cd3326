"""QueryLog -> per-call prompt structure: system-prompt and history tokens, and the history a summary would replace.

    token_composition(log, warnings) -> (system tokens, history tokens, source)
    older_history(log, history, system, k) -> history tokens older than the last k turns
    previous_in_conversation(log, values) -> each call's previous value in its conversation (0 first)

From `system_tokens` / `history_tokens` when the log has them, otherwise derived from
conversation order (a turn's prompt repeats the previous prompt and its answer) and, for the
system prompt, from the first turn minus the counted user message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.core import schema as S


def conversation_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions ordered by conversation, then turn (when present), then time."""
    keys = {
        "c": frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object),
        # As naive UTC datetime64: a tz-aware column would become an object array of
        # Timestamps (about 1 s per million rows to build and sort).
        "t": frame[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]"),
        "p": np.arange(len(frame)),
    }
    if S.TURN in frame.columns:
        keys["u"] = frame[S.TURN].fillna(0).to_numpy(np.int64)
    by = ["c", "u", "t", "p"] if "u" in keys else ["c", "t", "p"]
    return pd.DataFrame(keys).sort_values(by, kind="stable")["p"].to_numpy()


def token_composition(log: S.QueryLog, warnings: list[str]) -> tuple[np.ndarray, np.ndarray, str]:
    """Per-call (system, history) tokens and where they came from (columns or derived)."""
    frame = log.frame
    n = log.n_calls
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)
    out = frame[S.OUTPUT_TOKENS].to_numpy(np.int64)
    if log.has(S.SYSTEM_TOKENS) and log.has(S.HISTORY_TOKENS):
        system = frame[S.SYSTEM_TOKENS].fillna(0).to_numpy(np.int64)
        history = frame[S.HISTORY_TOKENS].fillna(0).to_numpy(np.int64)
        return np.minimum(system, inp), np.minimum(history, np.maximum(inp - system, 0)), "columns"
    if not log.has(S.CONVERSATION_ID):
        system = (
            frame[S.SYSTEM_TOKENS].fillna(0).to_numpy(np.int64) if log.has(S.SYSTEM_TOKENS) else np.zeros(n, np.int64)
        )
        return np.minimum(system, inp), np.zeros(n, np.int64), "columns (no conversations: no history)"
    order = conversation_order(frame)
    conv = frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object)[order]
    first = np.r_[True, conv[1:] != conv[:-1]] | (conv == "")
    # A turn's prompt repeats the previous prompt and its answer, so that is its static prefix.
    prev_prompt = np.r_[0, inp[order][:-1] + out[order][:-1]]
    prefix = np.where(first, 0, np.minimum(prev_prompt, inp[order]))
    if log.has(S.SYSTEM_TOKENS):
        system_o = frame[S.SYSTEM_TOKENS].fillna(0).to_numpy(np.int64)[order]
        source = "system from column, history derived from conversation order"
    elif log.has(S.QUERY):
        from advisor.core.tokens import count_tokens

        text = frame[S.QUERY].astype("string")[order]
        user_first = count_tokens(text.fillna("").to_numpy(dtype=object))
        # Without the message text the split is unknown: the whole prompt counts as user message.
        sys_first = np.where(text.notna().to_numpy(), np.maximum(inp[order] - user_first, 0), 0)
        start = np.flatnonzero(first)
        system_o = np.repeat(sys_first[start], np.diff(np.r_[start, len(order)]))
        source = "derived from conversation order and counted user messages"
    else:
        system_o = np.zeros(n, np.int64)
        source = "derived from conversation order (system prompt not separable)"
        warnings.append(
            "The log has neither system_tokens nor query text, so the system prompt cannot be told "
            "from history; it is counted as history (and the first turn's prompt as user message)."
        )
    system_o = np.minimum(system_o, inp[order])
    history_o = np.maximum(prefix - system_o, 0)
    system, history = np.empty(n, np.int64), np.empty(n, np.int64)
    system[order], history[order] = system_o, history_o
    return system, history, source


def older_history(log: S.QueryLog, history: np.ndarray, system: np.ndarray, k: int) -> np.ndarray:
    """Per call: history tokens older than the last k turns (what a summary would replace)."""
    frame = log.frame
    if not log.has(S.CONVERSATION_ID):
        return np.zeros(log.n_calls, np.int64)
    order = conversation_order(frame)
    inp = frame[S.INPUT_TOKENS].to_numpy(np.int64)[order]
    out = frame[S.OUTPUT_TOKENS].to_numpy(np.int64)[order]
    conv = frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object)[order]
    first = np.r_[True, conv[1:] != conv[:-1]] | (conv == "")
    user = np.maximum(inp - system[order] - history[order], 0)
    turn_tokens = user + out  # what each turn adds to later prompts
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    cum = np.cumsum(turn_tokens)
    pos = np.arange(len(order))
    # Tokens of the last k turns before this call: turns pos-k .. pos-1 of the same conversation.
    lo = np.maximum(pos - k, start_idx)
    recent = np.where(pos > start_idx, cum[pos - 1] - np.where(lo > 0, cum[lo - 1], 0), 0)
    recent = np.where(lo > pos - 1, 0, recent)
    older_o = np.maximum(history[order] - recent, 0)
    older = np.empty(log.n_calls, np.int64)
    older[order] = older_o
    return older


def previous_in_conversation(log: S.QueryLog, values: np.ndarray) -> np.ndarray:
    if not log.has(S.CONVERSATION_ID):
        return np.zeros_like(values)
    order = conversation_order(log.frame)
    conv = log.frame[S.CONVERSATION_ID].astype("string").fillna("").to_numpy(dtype=object)[order]
    first = np.r_[True, conv[1:] != conv[:-1]] | (conv == "")
    prev_o = np.where(first, 0, np.r_[0, values[order][:-1]])
    out = np.empty_like(values)
    out[order] = prev_o
    return out
