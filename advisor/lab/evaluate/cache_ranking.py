"""Do label-free pair features rank right vs wrong cache matches better than cosine?

    pair_features(texts, matches, rows) -> (n, k) array, FEATURES columns
    fit_ranker(texts, matches, labels) -> LogisticRegression     (on CLINC150 train only)
    ranking_aucs(texts, matches, labels, ranker) -> dict feature -> AUC

With a few labels, the estimate's error is mostly the binomial noise of recalibrating a
score; a score that ranked right and wrong matches better would leave the labels less to
do. These are the cheap candidates: lexical overlap of content words, words only one side
has, the length ratio, and a logistic over them and cosine trained on CLINC150 train
matches (the licence allows it). Evaluation only: nothing here is shipped as a model.
"""

from __future__ import annotations

import re

import numpy as np

FEATURES = (
    "cosine",
    "content-word overlap (Jaccard)",
    "content words on one side only (fewer = higher)",
    "length ratio (closer = higher)",
)
_WORD = re.compile(r"[a-z0-9]+")


def _content(text: str, stop: frozenset) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in stop}


def pair_features(texts, matches, rows: np.ndarray) -> np.ndarray:
    """Per matched row: FEATURES, each oriented so that higher means 'more likely the same answer'."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    stop = frozenset(ENGLISH_STOP_WORDS)
    out = np.zeros((rows.size, len(FEATURES)))
    for k, i in enumerate(rows):
        a, b = texts[i], texts[matches.match_index[i]]
        ca, cb = _content(a, stop), _content(b, stop)
        union = ca | cb
        la, lb = len(_WORD.findall(a.lower())) + 1, len(_WORD.findall(b.lower())) + 1
        out[k] = (
            matches.match_cosine[i],
            len(ca & cb) / len(union) if union else 1.0,
            -len(ca ^ cb),
            -abs(np.log(la / lb)),
        )
    return out


def _pairs(matches, from_cosine: float) -> np.ndarray:
    return np.flatnonzero(matches.matched & ~matches.same_text & (matches.match_cosine >= from_cosine))


def fit_ranker(texts, matches, labels, from_cosine: float = 0.5):
    """Logistic regression of 'same answer' on FEATURES over one (training) stream's matches."""
    from sklearn.linear_model import LogisticRegression

    from advisor.lab.evaluate.cache import true_same

    rows = _pairs(matches, from_cosine)
    y = true_same(matches, labels)[rows]
    return LogisticRegression(C=1.0, max_iter=1000).fit(pair_features(texts, matches, rows), y)


def ranking_aucs(texts, matches, labels, ranker=None, from_cosine: float = 0.75) -> dict[str, float]:
    """AUC of each feature (and of the fitted ranker) over matched, non-identical pairs >= from_cosine."""
    from sklearn.metrics import roc_auc_score

    from advisor.lab.evaluate.cache import true_same

    rows = _pairs(matches, from_cosine)
    y = true_same(matches, labels)[rows]
    if y.all() or not y.any():
        return {}
    x = pair_features(texts, matches, rows)
    out = {name: float(roc_auc_score(y, x[:, k])) for k, name in enumerate(FEATURES)}
    if ranker is not None:
        out["logistic over all four, fitted on CLINC150 train"] = float(roc_auc_score(y, ranker.decision_function(x)))
    return out
