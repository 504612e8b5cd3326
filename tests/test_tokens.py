"""advisor.tokens: offline token counting with bpe-openai."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.errors import InputError
from advisor.tokens import count_tokens


def test_counts_known_o200k_lengths():
    # o200k_base: "hello world" -> [24912, 2375]; "" -> [].
    counts = count_tokens(["hello world", ""])
    assert counts.dtype == np.int64
    assert counts.tolist() == [2, 0]


def test_missing_values_count_as_zero():
    assert count_tokens([None, float("nan"), "hi"]).tolist()[:2] == [0, 0]


def test_repeated_texts_get_the_same_count():
    text = "Where is my order? " * 20
    counts = count_tokens([text, "x", text])
    assert counts[0] == counts[2] > 20


def test_special_token_text_is_counted_as_ordinary_text():
    # In a log "<|endoftext|>" is content; it must not raise or count as one control token.
    assert count_tokens(["<|endoftext|>"])[0] > 1


def test_cl100k_is_available_offline_and_differs_from_o200k():
    text = "Résumé of the quarterly"
    assert count_tokens([text], encoding="cl100k_base")[0] == 6
    assert count_tokens([text])[0] == 4


def test_unknown_encoding_is_an_input_error_naming_known_ones():
    with pytest.raises(InputError, match=r"expected an offline encoding among o200k_base, cl100k_base, found 'gpt2'"):
        count_tokens(["x"], encoding="gpt2")
