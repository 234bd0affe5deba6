"""A-numbers and blind indexes: every way a person may type their A-number finds the same
row, and nothing else does."""

from __future__ import annotations

import pytest

from portal.security.a_numbers import InvalidANumber, masked_a_number, normalise_a_number
from portal.security.blind_index import BlindIndex

INDEX = BlindIndex(b"l" * 32)

SPELLINGS_OF_123456789 = [
    "A-123-456-789",
    "A123456789",
    "a123456789",
    "123456789",
    "123-456-789",
    "A 123 456 789",
    " A123.456.789 ",
    "١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
    "A-۱۲۳-۴۵۶-۷۸۹",  # Extended Arabic-Indic (Persian) digits
    "१२३४५६७८९",  # Devanagari digits
]


@pytest.mark.parametrize("spelling", SPELLINGS_OF_123456789)
def test_every_accepted_spelling_normalises_to_nine_ascii_digits(spelling):
    assert normalise_a_number(spelling) == "123456789"


@pytest.mark.parametrize("spelling", ["12345678", "A-12-345-678", "A12345678", "١٢٣٤٥٦٧٨"])
def test_an_eight_digit_number_is_padded_to_nine(spelling):
    assert normalise_a_number(spelling) == "012345678"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "A", "A12345678B", "ABCDEFGHI", "1234567", "A-123-4567", "1234567890", "A1234567890",
     "000000000", "A-000-000-000", "00000000", "123_456_789", "B123456789"],
)
def test_anything_else_is_refused_without_repeating_what_was_typed(text):
    with pytest.raises(InvalidANumber) as error:
        normalise_a_number(text)

    assert str(error.value) == "not an A-number"


def test_every_spelling_of_one_number_gives_the_same_index():
    indexes = {INDEX.a_number(spelling) for spelling in SPELLINGS_OF_123456789}

    assert len(indexes) == 1
    assert INDEX.a_number("12345678") == INDEX.a_number("012345678") != INDEX.a_number("123456789")


def test_an_index_is_a_keyed_hash_of_fixed_length():
    other_key = BlindIndex(b"m" * 32)

    assert len(INDEX.a_number("123456789")) == 32
    assert INDEX.a_number("123456789") != other_key.a_number("123456789")


def test_a_phone_and_an_a_number_with_the_same_digits_have_different_indexes():
    assert INDEX.a_number("123456789") != INDEX.phone("123456789")
    assert INDEX.phone("+123456789") != INDEX.digest("a-number", "+123456789")


def test_attorney_identifiers_match_without_case_spaces_or_hyphens():
    assert INDEX.attorney_identifier("ab-123 456") == INDEX.attorney_identifier("AB123456")
    assert INDEX.attorney_identifier("123456789") != INDEX.a_number("123456789")


def test_a_short_lookup_key_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        BlindIndex(b"short")


def test_a_masked_a_number_shows_only_the_last_three_digits():
    assert masked_a_number("123456789") == "A-•••-•••-789"
