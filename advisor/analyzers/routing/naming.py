"""Readable, safe names for routing segments: distinct texts + their segment -> 2-3 terms each.

A segment is named by its most distinctive terms, class-based TF-IDF as BERTopic's c-TF-IDF:
each segment's texts form one document (a text counts once per call), a term's weight in it is
its share of the segment's terms times log(1 + average terms per segment / the term's count
over all segments), times log((1 + segments) / segments holding the term), so words common to
every segment (a prompt template's "answer") name none of them. Terms are unigrams and bigrams
of words of 3+ letters, English stop words and conversational filler ("yeah", "please",
"true") removed.

Safe by default (names appear in every report without --show-examples):
- texts are redacted first (advisor.core.redact: keys, e-mails, numbers, names a person gives
  are dropped before any term is read), and terms hold letters only;
- a term names a segment only when at least `min_queries` distinct query texts of that segment
  contain it: a term many different queries share is not one person's data;
- names repeated across segments get a further term, else fall back to the bare number.
A segment with no qualifying term gets "" (reports then show "segment N").
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from advisor.core.redact import PLACEHOLDER, TERM_SEPARATOR, redact_texts, safe_segment_label

# Words that carry no topic in conversational or exam traffic, on top of sklearn's English list.
FILLER_WORDS = frozenset(
    re.findall(
        r"\w+",
        "yeah yes yep yup nope okay ok hey hello hi thanks thank please sure like just know want "
        "need help question questions tell got let really actually think maybe kind sort thing "
        "things lol huh uh um hmm wow cool great good fine right true false correct answer "
        "answers following does did doing make use using way able hear say said wanted trying "
        "try going gonna wanna ",
    )
)
WORD = re.compile(r"(?u)\b[^\W\d_]{3,}\b")
# Bigrams never span punctuation, a number or a removed private value ("charged $67.21" is not
# "reference charged"); they do span stop words ("cancel my order" -> "cancel order").
BREAK = re.compile(r"[^\w\s']|_")
WITH_DIGIT = re.compile(r"\S*\d\S*")
DIGIT = re.compile(r"\d")


def terms_of(text: str, stop: frozenset[str]) -> list[str]:
    """Unigrams and bigrams of one (redacted) text, lowercased, stop words out."""
    out: list[str] = []
    text = WITH_DIGIT.sub(" . ", text) if DIGIT.search(text) else text
    for chunk in BREAK.split(text.lower()):
        words = [w for w in WORD.findall(chunk) if w not in stop]
        out += words
        out += [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return out


def segment_labels(
    texts: list[str],
    segment_of_text: np.ndarray,
    k: int,
    *,
    min_queries: int,
    weights: np.ndarray | None = None,
    n_terms: int = 3,
) -> tuple[str, ...]:
    """One label per segment id 0..k-1: terms joined by " \u00b7 " ("refund \u00b7 order status"), or ""."""
    scores, distinct, vocab = _class_tfidf(texts, segment_of_text, k, min_queries=min_queries, weights=weights)
    if vocab is None:
        return tuple("" for _ in range(k))
    ranked = []
    for s in range(k):
        order = np.argsort(-scores[s], kind="stable")
        terms = (str(vocab[j]) for j in order if scores[s, j] > 0 and distinct[s, j] >= min_queries)
        ranked.append([t for t in terms if safe_segment_label(t)])
    labels: list[str] = []
    for s in range(k):
        extra, label = 0, ""
        while extra <= 2:
            label = TERM_SEPARATOR.join(pick_terms(ranked[s], n_terms + extra))
            if label not in labels:
                break
            extra += 1
        labels.append(label if label not in labels else "")
    return tuple(labels)


def _class_tfidf(texts, segment_of_text, k, *, min_queries, weights):
    """(score per segment x term, distinct texts per segment x term holding it, vocabulary) or
    (None, None, None) when no term is in `min_queries` texts at all."""
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    weights = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=np.float64)
    cleaned = [PLACEHOLDER.sub(" . ", t) for t in redact_texts([str(t) for t in texts])]
    stop = frozenset(ENGLISH_STOP_WORDS | FILLER_WORDS)
    try:
        vec = CountVectorizer(analyzer=lambda t: terms_of(t, stop), binary=True, min_df=max(1, min_queries))
        holds = vec.fit_transform(cleaned)  # text x term: 1 when the text holds the term
    except ValueError:  # no term in enough texts (or no words at all)
        return None, None, None
    rows = np.arange(len(texts))
    labels = np.asarray(segment_of_text, dtype=np.int64)
    by_calls = sparse.csr_matrix((weights, (labels, rows)), shape=(k, len(texts)))
    by_text = sparse.csr_matrix((np.ones(len(texts)), (labels, rows)), shape=(k, len(texts)))
    counts = np.asarray((by_calls @ holds).todense(), dtype=float)
    distinct = np.asarray((by_text @ holds).todense(), dtype=float)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    idf = np.log(1.0 + (counts.sum() / max(k, 1)) / np.maximum(counts.sum(axis=0), 1.0))
    spread = np.log((1.0 + k) / np.maximum((counts > 0).sum(axis=0), 1.0))
    return tf * idf * spread, distinct, vec.get_feature_names_out()


def pick_terms(ranked: list[str], n: int) -> list[str]:
    """The first `n` terms of `ranked` that share no word: a bigram replaces a chosen unigram it
    contains ("order" -> "order status"); a unigram inside a chosen bigram is skipped."""
    chosen: list[str] = []
    for term in ranked:
        words = term.split()
        overlap = [c for c in chosen if set(words) & set(c.split())]
        if not overlap:
            chosen.append(term)
        elif len(words) == 2 and len(overlap) == 1 and len(overlap[0].split()) == 1:
            chosen[chosen.index(overlap[0])] = term
        if len(chosen) >= n:
            break
    return chosen
