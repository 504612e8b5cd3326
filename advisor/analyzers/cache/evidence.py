"""P(a cached answer is right) per matched call, from every piece of evidence: the one estimator
that `advisor analyze` and `advisor evaluate cache` both run.

    p_right(model, cosine, match_index, texts, ...) -> Evidence(p, draws, notes)

Evidence, in order:
  1. query similarity, through the calibration (updated by the labels when there are some);
  2. logged answers (optional): used only when labelled pairs from this log measure that answer
     similarity ranks right from wrong matches better than question similarity does (AUC over
     the labelled pairs that carry both answers); it is then calibrated on those same labels and
     can only lower the estimate. Without such labels it is left out and a note says why;
  3. entity values that conflict (order numbers, e-mails...) -> wrong;
  4. the same normalized text -> right, for certain (applied last, so nothing overrides it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.analyzers.cache.entities import entity_conflict, entity_signatures
from advisor.embed.text import normalize_text

MIN_LABELS_PER_CLASS = 5  # below this many right and wrong labelled pairs, an AUC says nothing


@dataclass(frozen=True)
class Evidence:
    p: np.ndarray  # P(right) per row; meaningful where the row has a match
    draws: np.ndarray | None  # (draws, rows) posterior draws when the calibration has labels
    notes: tuple[str, ...] = ()  # what was used or left out, and why
    auc_query: float | None = None  # on the labelled pairs with answers
    auc_response: float | None = None


def auc(score: np.ndarray, positive: np.ndarray) -> float | None:
    """Probability that a random right pair scores above a random wrong one (ties count half)."""
    from scipy.stats import rankdata

    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos < MIN_LABELS_PER_CLASS or n_neg < MIN_LABELS_PER_CLASS:
        return None
    ranks = rankdata(np.asarray(score, dtype=np.float64))
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _cosines(encode: Callable[[list[str]], np.ndarray], a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    if not len(a):
        return np.zeros(0)
    return np.sum(encode(list(a)) * encode(list(b)), axis=1)


def _response_model(labels: Any, base: Any, encode, seed: int, bin_edges) -> tuple[Any, float | None, float | None]:
    """(calibration of answer cosine, AUC of question cosine, AUC of answer cosine) on the labels with answers."""
    from advisor.analyzers.cache.calibration import update_with_labels

    pairs = [(i, a, b) for i, (a, b) in enumerate(getattr(labels, "responses", ()) or ()) if a and b]
    if not pairs:
        return None, None, None
    idx = np.array([i for i, _, _ in pairs])
    same = np.asarray(labels.same, dtype=bool)[idx]
    resp_cos = _cosines(encode, [a for _, a, _ in pairs], [b for _, _, b in pairs])
    auc_q, auc_r = auc(np.asarray(labels.cosine)[idx], same), auc(resp_cos, same)
    if auc_q is None or auc_r is None or auc_r <= auc_q:
        return None, auc_q, auc_r
    return update_with_labels(base, resp_cos, same, seed=seed, bin_edges=bin_edges), auc_q, auc_r


def _response_step(p, draws, responses, match_index, model, encode) -> tuple[np.ndarray, np.ndarray | None]:
    resp = np.asarray([None if r is None or r != r else str(r) for r in responses], dtype=object)
    j = np.maximum(match_index, 0)
    has = (match_index >= 0) & (resp != None) & (resp[j] != None)  # noqa: E711 (element-wise)
    idx = np.flatnonzero(has)
    if not idx.size:
        return p, draws
    cos = _cosines(encode, resp[idx].tolist(), resp[j[idx]].tolist())
    p = p.copy()
    p[idx] = np.minimum(p[idx], model.predict(cos))
    if draws is not None:
        draws = draws.copy()
        draws[:, idx] = np.minimum(draws[:, idx], model.predict(cos, draws=draws.shape[0]))
    return p, draws


def p_right(
    model: Any,
    cosine: np.ndarray,
    match_index: np.ndarray,
    texts: Sequence[str],
    *,
    entity_conflicts_are_false_hits: bool = True,
    responses: Sequence[Any] | None = None,
    labels: Any = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    n_draws: int = 100,
    seed: int = 0,
    bin_edges=None,
    signatures: list | None = None,
) -> Evidence:
    """P(right) per row of a replayed stream (see the module docstring); `model` is the calibration
    in use (shipped, or updated by `labels`), `encode` embeds texts (needed for `responses`)."""
    cos = np.asarray(cosine, dtype=np.float64)
    match_index = np.asarray(match_index)
    p = model.predict(cos)
    # n_draws posterior draws x calls: enough for a 95 % interval; memory stays n x 8 x n_draws bytes.
    draws = model.predict(cos, draws=n_draws) if getattr(model, "n_labels", 0) else None
    notes: list[str] = []
    auc_q = auc_r = None
    if responses is not None and encode is not None:
        resp_model = None
        if labels is not None:
            resp_model, auc_q, auc_r = _response_model(labels, getattr(model, "base", model), encode, seed, bin_edges)
        if resp_model is not None:
            p, draws = _response_step(p, draws, responses, match_index, resp_model, encode)
            notes.append(
                f"logged answers used: on the labelled pairs they rank right from wrong matches "
                f"better than the questions (AUC {auc_r:.3f} vs {auc_q:.3f})"
            )
        elif auc_q is not None and auc_r is not None:
            notes.append(
                f"logged answers not used: on the labelled pairs they rank right from wrong matches "
                f"no better than the questions (AUC {auc_r:.3f} vs {auc_q:.3f})"
            )
        else:
            notes.append(
                "logged answers not used: no labelled pairs with both answers (at least "
                f"{MIN_LABELS_PER_CLASS} same and {MIN_LABELS_PER_CLASS} different) measure whether they "
                "tell right from wrong matches better than the questions"
            )
    norm = np.asarray([normalize_text(str(t)) for t in texts], dtype=object)
    j = np.maximum(match_index, 0)
    if entity_conflicts_are_false_hits:
        sigs = signatures if signatures is not None else entity_signatures([str(t) for t in texts])
        conflict = np.array([k >= 0 and entity_conflict(sigs[i], sigs[k]) for i, k in enumerate(match_index)], bool)
        p = np.where(conflict, 0.0, p)
        if draws is not None:
            draws = np.where(conflict[None, :], 0.0, draws)
    # The same question asked again gets the same answer: identical text is always right.
    same_text = (match_index >= 0) & (norm == norm[j])
    p = np.where(same_text, 1.0, p)
    if draws is not None:
        draws = np.where(same_text[None, :], 1.0, draws)
    return Evidence(p, draws, tuple(notes), auc_q, auc_r)
