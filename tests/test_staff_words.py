"""The staff console shows stored values in words: every value of every enum it shows has
one in portal/web/staff/words.py, so a value added to a model without its word fails here
instead of showing as "in_review" or "undeliverable" on a page."""

from __future__ import annotations

from enum import Enum

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from portal.web.staff import words

MAPPINGS = {name: value for name, value in vars(words).items()
            if name.endswith("_WORDS") and isinstance(value, dict)}


def test_the_mappings_are_found():
    assert {"NOTIFICATION_STATE_WORDS", "REMEDY_STATUS_WORDS", "CONTACT_CHANNEL_WORDS", "NOTICE_CHANNEL_WORDS",
            "CUSTODY_WORDS", "CATEGORY_WORDS", "LETTER_BATCH_STATE_WORDS", "SKIP_REASON_WORDS",
            "QUEUE_STATUS_WORDS", "ATTORNEY_STATUS_WORDS"} <= set(MAPPINGS)


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_every_value_of_the_enum_has_a_word(name):
    mapping = MAPPINGS[name]
    kinds = {type(value) for value in mapping}
    assert len(kinds) == 1, f"{name} mixes {kinds}"
    [kind] = kinds
    assert issubclass(kind, Enum)
    missing = [member.value for member in kind if member not in mapping]
    assert missing == [], f"{name} has no word for {missing}"


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_every_word_goes_through_the_translation_catalogue(app, name):
    for word in MAPPINGS[name].values():
        assert isinstance(word, LazyString)
        with app.test_request_context(), force_locale("en"):
            assert str(word).strip()
