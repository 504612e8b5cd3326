"""advisor.core.tokens: offline token counting with bpe-openai."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.core.errors import InputError
from advisor.core.tokens import count_tokens


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


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_compiled_tokenizer_counts_as_the_public_api_does(name):
    import bpe_openai

    from advisor.core.tokens import _Compiled, _encoding

    assert isinstance(_encoding(name), _Compiled)  # the fast path is the one taken here
    texts = [
        "What's the refund policy for order #1234?",
        "<|endoftext|> and <|fim_prefix|>",
        "lone \ud800 surrogate",
        "",
        "emoji 🎉 ünïcödé 中文",
        "  spaces\n\n\ttabs  ",
        "x" * 5000,
        "def f(x):\n    return x ** 2\n",
    ]
    public = bpe_openai.get_encoding(name)
    assert [len(_encoding(name).encode_ordinary(t)) for t in texts] == [len(public.encode_ordinary(t)) for t in texts]


def test_counting_falls_back_to_the_public_api(monkeypatch):
    import advisor.core.tokens as tokens

    tokens._encoding.cache_clear()
    monkeypatch.setattr(tokens, "_compiled_tokenizer", lambda name: None)
    try:
        assert list(count_tokens(["hello world", None])) == [2, 0]
        assert not isinstance(tokens._encoding("o200k_base"), tokens._Compiled)
    finally:
        tokens._encoding.cache_clear()
