"""#17: routing segments get names a person understands that are safe to show without
--show-examples: distinctive terms (class TF-IDF), no stop or filler words, every term in at
least `min_queries` distinct queries of its segment, nothing redaction would mask, repeated
names disambiguated, "segment N" when nothing qualifies."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from advisor.analyzers.routing.naming import FILLER_WORDS, pick_terms, segment_labels
from advisor.analyzers.routing.segments import cluster_requests
from advisor.core.redact import (
    TERM_SEPARATOR,
    neutral_segment_names,
    redact_text,
    safe_segment_label,
    segment_keys,
    shown_segment_name,
)
from advisor.embed import FakeEmbedder

SAMPLE = Path(__file__).parents[3] / "data" / "sample" / "customer_service.csv"


@pytest.fixture(scope="module")
def sample_segments():
    """The shipped sample's distinct queries, clustered (hashed words stand in for the model)."""
    frame = pd.read_csv(SAMPLE, usecols=["query"])
    counts = frame["query"].fillna("").astype(str).value_counts(sort=False)
    texts = counts.index.tolist()
    clusters = cluster_requests(
        FakeEmbedder().encode(texts), texts, n_segments=12, seed=0, weights=counts.to_numpy(), min_queries=5
    )
    return texts, counts.to_numpy(), clusters


def _holds(text: str, term: str) -> bool:
    """Whether a (redacted, lowercased) text holds every word of `term` as a word."""
    return all(re.search(rf"\b{re.escape(w)}\b", text) for w in term.split())


def test_sample_names_are_distinct_terms_of_many_queries_and_never_stop_words(sample_segments):
    texts, _, clusters = sample_segments
    labels = clusters.labels
    assert sum(bool(label) for label in labels) >= len(labels) // 2  # most segments have words
    assert len({label for label in labels if label}) == sum(bool(label) for label in labels)  # no repeats
    redacted = [redact_text(t).lower() for t in texts]
    for sid, label in enumerate(labels):
        assert clusters.names[sid] == (f"segment {sid + 1}" + (TERM_SEPARATOR + label if label else ""))
        members = [redacted[j] for j in np.flatnonzero(np.asarray(clusters.per_call_segment) == sid)]
        for term in label.split(TERM_SEPARATOR) if label else []:
            assert not set(term.split()) & (ENGLISH_STOP_WORDS | FILLER_WORDS), term
            # At least 5 distinct queries of this segment hold the term's words (a bigram: both).
            assert sum(_holds(t, term) for t in members) >= 5, (label, term)


def test_a_stricter_min_queries_names_no_more_segments(sample_segments):
    texts, counts, clusters = sample_segments
    seg = np.asarray(clusters.per_call_segment)
    k = len(clusters.labels)
    loose = segment_labels(texts, seg, k, min_queries=5, weights=counts)
    strict = segment_labels(texts, seg, k, min_queries=200, weights=counts)
    assert loose == clusters.labels
    assert sum(map(bool, strict)) < sum(map(bool, loose))


def test_private_values_and_one_persons_words_never_name_a_segment():
    """Twelve distinct queries that each carry a name, an e-mail, a phone, a key and an order
    number: only the topic words survive. A word in one query, however many calls repeat it, does not."""
    texts = [
        f"hi my name is Ana Lopez, refund my order status please, write to ana.lopez@example.com "
        f"or call 555-123-{4000 + i} with key sk-proj-abcdefghijklmnop{i:04d} for order {100000 + i}"
        for i in range(12)
    ] + ["zanzibar voucher", "refund order status", "where is my refund"]
    weights = np.array([1.0] * 12 + [1000.0, 1.0, 1.0])
    (label,) = segment_labels(texts, np.zeros(len(texts), dtype=int), 1, min_queries=5, weights=weights)
    assert label, "the topic words should name the segment"
    for leak in ("ana", "lopez", "example", "com", "555", "sk", "proj", "zanzibar", "voucher"):
        assert leak not in re.findall(r"\w+", label), (leak, label)
    assert "refund" in label and safe_segment_label(label) == label


def test_nothing_qualifies_gives_segment_n_and_repeats_are_told_apart():
    texts = [f"parcel {w}" for w in ("alpha", "bravo", "charlie", "delta")] + ["yeah", "ok", "", "12345"]
    assert segment_labels(texts, np.zeros(8, dtype=int), 1, min_queries=5) == ("",)  # "parcel": 4 queries
    assert segment_labels(texts, np.zeros(8, dtype=int), 1, min_queries=4) == ("parcel",)
    assert shown_segment_name(4, "") == "segment 4"
    # Two segments whose best terms are the same: the second gets a further term or none.
    texts = [f"billing refund case {w}" for w in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    texts += [f"billing refund case {w} invoice" for w in ("golf", "hotel", "india", "juliet", "kilo", "lima")]
    a, b = segment_labels(texts, np.array([0] * 6 + [1] * 6), 2, min_queries=5)
    assert a != b


def test_pick_terms_prefers_a_bigram_over_its_own_word():
    assert pick_terms(["order", "refund", "order status", "status", "card"], 3) == ["order status", "refund", "card"]


def test_shown_names_keep_the_number_and_drop_anything_unsafe():
    assert shown_segment_name(3, f"refund{TERM_SEPARATOR}order status") == "segment 3 \u00b7 refund \u00b7 order status"
    for raw in ("lopez / ana.lopez@example.com", "Ana Lopez", "order 123456", "a b", "true / false / correct"):
        assert shown_segment_name(2, raw) == "segment 2", raw
    assert segment_keys(3, "refund") == ("segment 3 \u00b7 refund", "segment 3", "3")


def test_reports_show_the_label_beside_the_number_and_an_old_runs_raw_words_as_segment_n():
    data = {
        "findings": {
            "routing": {"segments": [{"name": "segment 1 \u00b7 refund", "label": "refund"}, {"name": "yeah"}]}
        },
        "recommendations": [{"title": "Send the 'yeah' segment to m", "id": "routing:segment 1 \u00b7 refund"}],
    }
    shown = neutral_segment_names(data)
    assert [s["name"] for s in shown["findings"]["routing"]["segments"]] == ["segment 1 \u00b7 refund", "segment 2"]
    assert shown["recommendations"][0] == {
        "title": "Send the 'segment 2' segment to m",
        "id": "routing:segment 1 \u00b7 refund",
    }


def test_min_queries_setting_is_validated():
    from advisor.analyzers.routing.settings import RoutingSettings
    from advisor.core.errors import ConfigError

    with pytest.raises(ConfigError, match="segment_name_min_queries"):
        RoutingSettings(segment_name_min_queries=1).validate()
