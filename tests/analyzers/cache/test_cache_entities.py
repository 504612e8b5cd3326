import pytest

from advisor.analyzers.cache.entities import extract_entities


@pytest.mark.parametrize("text", ["where is my order", "Cancel it please", "", "résumé tips", "call me maybe"])
def test_texts_without_a_digit_or_at_sign_carry_no_entity(text):
    assert extract_entities(text) == frozenset()


@pytest.mark.parametrize("text, item", [("write to a@b.io", "email:a@b.io"), ("order ١٢٣٤", "id:١٢٣٤")])
def test_the_quick_check_lets_through_every_text_a_pattern_can_match(text, item):
    assert item in extract_entities(text)
