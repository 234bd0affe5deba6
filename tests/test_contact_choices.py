"""The one place that says how to reach a person: the number texts go to, the language to
write in, their preference, and whether texts are stopped; and keywords from phones, which
look the number's preferences up once and apply an opt-out and an opt-in the same way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AffectedPerson, ContactPreference, SmsOptOut, utcnow
from portal.security.context import blind_index
from portal.services.contact import message_locale, preference_of, texting_number, texts_stopped
from portal.services.replies import InboundSms, handle_inbound_sms
from tests.factories import add_person
from tests.queries import counted_queries

ON_RECORD = "+16195550142"
CONFIRMED = "+16195550177"


@pytest.fixture
def person(db) -> tuple[AffectedPerson, ContactPreference]:
    person_id = add_person(db, preferred_language="es")
    db.commit()
    return db.get(AffectedPerson, person_id), preference_of(db, person_id)


def test_the_preference_of_a_person_is_theirs_or_none(db, person):
    found, chosen = person

    assert chosen.person_id == found.id
    assert preference_of(db, add_person(db, a_number="201555002")) is not None
    db.execute(ContactPreference.__table__.delete().where(ContactPreference.person_id == found.id))
    assert preference_of(db, found.id) is None


def test_texts_go_to_the_confirmed_number_else_the_one_on_record(person):
    found, chosen = person
    assert texting_number(found, None) == ON_RECORD
    chosen.phone = CONFIRMED
    assert texting_number(found, chosen) == ON_RECORD  # typed, but never confirmed

    chosen.phone_verified_at = utcnow()

    assert texting_number(found, chosen) == CONFIRMED
    found.phone = None
    assert texting_number(found, None) is None


def test_messages_are_written_in_the_chosen_language_else_the_listed_one_else_english(person):
    found, chosen = person
    assert message_locale(found, None) == "es"
    chosen.language = "fa"
    assert message_locale(found, chosen) == "fa"

    chosen.language, found.preferred_language = "xx", "yy"  # languages the portal does not speak

    assert message_locale(found, chosen) == "en"


def test_texts_are_stopped_by_the_persons_choice_or_by_a_stop_from_the_number(db, person):
    _found, chosen = person
    assert not texts_stopped(db, chosen, ON_RECORD)
    assert not texts_stopped(db, None, None)

    db.add(SmsOptOut(phone_index=blind_index().phone(ON_RECORD), opted_out_at=utcnow(), keyword="PARA"))
    db.flush()
    assert texts_stopped(db, chosen, ON_RECORD)
    assert not texts_stopped(db, chosen, CONFIRMED)

    chosen.opted_out_at = utcnow()
    assert texts_stopped(db, chosen, CONFIRMED)


def keyword(db, word: str, sid: str) -> str | None:
    return handle_inbound_sms(db, InboundSms(sid, ON_RECORD, word), help_phone="1-800-555-0199",
                              website="http://127.0.0.1:5000", now=utcnow())


@pytest.mark.parametrize("word", ["PARA", "EMPEZAR", "AYUDA"])
def test_a_keyword_looks_up_the_numbers_preferences_once(db, person, word):
    with counted_queries() as statements:
        keyword(db, word, "SM1")

    lookups = [statement for statement in statements
               if statement.lstrip().upper().startswith("SELECT") and "FROM contact_preference" in statement]
    assert len(lookups) == 1, lookups


def test_a_stop_then_a_start_stop_and_restart_texts_for_the_number_and_its_people(db, person):
    found, _chosen = person

    answer_stop = keyword(db, "PARA", "SM1")
    stopped = db.scalar(select(ContactPreference.opted_out_at).where(ContactPreference.person_id == found.id))
    answer_start = keyword(db, "EMPEZAR", "SM2")
    db.expire_all()

    assert stopped is not None and "EMPEZAR" in answer_stop
    assert preference_of(db, found.id).opted_out_at is None and "PARA" in answer_start
    record = db.get(SmsOptOut, blind_index().phone(ON_RECORD))
    assert record.opted_out_at is None and record.opted_in_at is not None and record.keyword == "EMPEZAR"
