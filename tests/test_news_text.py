"""The "there is news in the portal" text after a remedy decision: made inside the decision's
transaction from the person and their contact preference alone, and sent only once that
transaction is committed; and the one way a remedy's status changes."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import portal.services.staff_people as staff_people
from portal.messaging.twilio_sms import SmsSendError
from portal.models import (
    ContactChannel,
    ContactPreference,
    PersonRemedy,
    QueueKind,
    RemedyEvent,
    RemedyStatus,
    SmsOptOut,
    StaffRole,
    utcnow,
)
from portal.security.context import blind_index
from portal.services.remedies import change_status, request_remedy
from portal.services.staff_people import NewsText, deliver_news_text, news_text_for
from tests.factories import add_person
from tests.queries import counted_queries
from tests.staff_pages import sign_in_staff, staff_csrf_token

ON_RECORD = "+16195550142"
CONFIRMED = "+16195550177"


class RecordingSender:
    def __init__(self, *, refuse: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def send(self, recipient: str, body: str) -> str:
        if self.refuse:
            raise SmsSendError(code="21211", status=400, retryable=False)
        self.sent.append((recipient, body))
        return f"SM{len(self.sent)}"


@pytest.fixture
def sender(monkeypatch) -> RecordingSender:
    recording = RecordingSender()
    monkeypatch.setattr(staff_people, "sms_sender", lambda db: recording)
    return recording


def preference(db, person_id) -> ContactPreference:
    return db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))


def test_making_the_text_sends_nothing_so_a_rolled_back_decision_tells_nobody(db, sender):
    person_id = add_person(db, preferred_language="es")
    db.commit()

    text = news_text_for(db, person_id)
    db.rollback()

    assert text is not None and text.phone == ON_RECORD
    assert sender.sent == []


def test_the_text_is_made_from_the_person_and_their_preference_alone(db, sender):
    person_id = add_person(db, preferred_language="es")
    request_remedy(db, person_id, "release_review", actor_type="person", actor_id=str(person_id), now=utcnow())
    db.commit()
    db.expire_all()

    with counted_queries() as statements:
        news_text_for(db, person_id)

    # The person, their preference, and whether the number said STOP: no exposure, remedies or notices.
    assert len(statements) == 3, statements
    assert not any(table in statement for statement in statements
                   for table in ("exposure", "person_remedy", "notification", "incident"))


def test_the_text_goes_to_the_confirmed_number_in_the_persons_language(db, sender):
    person_id = add_person(db, preferred_language="es")
    chosen = preference(db, person_id)
    chosen.phone, chosen.phone_verified_at, chosen.language = CONFIRMED, utcnow(), "fr"
    db.commit()

    text = news_text_for(db, person_id)

    assert text.phone == CONFIRMED
    assert text.body == staff_people.news_text("fr")
    assert deliver_news_text(db, text) is NewsText.SENT
    assert sender.sent == [(CONFIRMED, text.body)]


@pytest.mark.parametrize("change", ["letter", "stopped", "number_said_stop", "no_number"])
def test_no_text_is_made_for_someone_who_does_not_get_texts(db, change):
    person_id = add_person(db, phone=None if change == "no_number" else ON_RECORD)
    chosen = preference(db, person_id)
    chosen.channel = ContactChannel.SMS
    if change == "letter":
        chosen.channel = ContactChannel.LETTER
    elif change == "stopped":
        chosen.opted_out_at = utcnow()
    elif change == "number_said_stop":
        db.add(SmsOptOut(phone_index=blind_index().phone(ON_RECORD), opted_out_at=utcnow(), keyword="PARA"))
    db.commit()

    assert news_text_for(db, person_id) is None


def test_a_text_the_provider_refuses_is_reported_as_failed(db, monkeypatch):
    person_id = add_person(db)
    db.commit()
    monkeypatch.setattr(staff_people, "sms_sender", lambda db: RecordingSender(refuse=True))

    assert deliver_news_text(db, news_text_for(db, person_id)) is NewsText.FAILED


def test_a_decision_that_is_not_committed_sends_no_text(client, db, sender):
    person_id = add_person(db, preferred_language="es")
    record = request_remedy(db, person_id, "release_review", actor_type="person", actor_id=str(person_id),
                            now=utcnow())
    db.commit()
    sign_in_staff(client, db, StaffRole.CASEWORKER)
    token = staff_csrf_token(client)

    def fail_the_decision(session: Session) -> None:
        decided = [item for item in session.identity_map.values()
                   if isinstance(item, PersonRemedy) and item.status is RemedyStatus.GRANTED]
        if decided:
            raise RuntimeError("the database went away")

    event.listen(Session, "before_commit", fail_the_decision)
    try:
        with pytest.raises(RuntimeError):
            client.post(f"/staff/queues/{QueueKind.REMEDIES.value}/{record.id}/decide",
                        data={"decision": "granted", "notify": "y", "csrf_token": token})
    finally:
        event.remove(Session, "before_commit", fail_the_decision)

    assert sender.sent == []


def test_every_status_change_is_a_dated_step_with_its_note_kept_encrypted(db):
    person_id = add_person(db)
    record = request_remedy(db, person_id, "release_review", actor_type="person", actor_id=str(person_id),
                            now=utcnow())
    db.flush()

    step = change_status(db, record, RemedyStatus.GRANTED, actor_type="staff", actor_id="s-1", now=utcnow(),
                         note="  Approved by the field office  ")
    db.commit()

    db.expire_all()
    stored = db.get(PersonRemedy, record.id)
    assert stored.status is RemedyStatus.GRANTED
    assert [event.status for event in stored.history] == [RemedyStatus.REQUESTED, RemedyStatus.GRANTED]
    assert db.get(RemedyEvent, step.id).note == "Approved by the field office"
    assert b"field office" not in db.scalar(select(RemedyEvent.note_encrypted).where(RemedyEvent.id == step.id))
