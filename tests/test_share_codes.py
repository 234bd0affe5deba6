"""Share codes: a verified person makes a code, their lawyer links with it, the person can end
the link. A wrong try is refused the same way whatever was wrong, after the same work."""

from __future__ import annotations

import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text

from portal.db import database, session
from portal.models import (
    Attorney,
    AttorneyStatus,
    AuditEvent,
    ContactChannel,
    Representation,
    RepresentationMethod,
    ShareCode,
    utcnow,
)
from portal.security.codes import normalise_notice_code
from portal.services import contact, share_codes
from tests.conftest import LOG_COLLECTOR
from tests.factories import add_person
from tests.test_storage_leaks import raw_storage, search_forms

A_NUMBER = "A-201-555-001"
OTHER_A_NUMBER = "A-201-555-002"
BORN = date(1990, 3, 15)


def add_attorney(db, status=AttorneyStatus.VERIFIED, email="lawyer@example.org", firm="Legal Aid Society"):
    attorney = Attorney(email=email, full_name="Ana Abogada", firm=firm, password_hash="x", status=status)
    db.add(attorney)
    db.flush()
    return attorney


@pytest.fixture
def person_id(db):
    return add_person(db)


@pytest.fixture
def attorney(db):
    return add_attorney(db)


def redeem(db, attorney, code, *, a_number=A_NUMBER, birth_date=BORN, now=None):
    return share_codes.redeem_share_code(db, attorney, code=code, a_number=a_number, birth_date=birth_date,
                                         now=now or utcnow())


def representations(db, person_id):
    db.expire_all()
    return list(db.scalars(select(Representation).where(Representation.person_id == person_id)))


def test_a_lawyer_links_with_the_code_the_person_made_and_the_persons_details(db, person_id, attorney):
    code = share_codes.create_share_code(db, person_id, now=utcnow())

    representation = redeem(db, attorney, code)

    assert representation is not None
    assert (representation.attorney_id, representation.person_id) == (attorney.id, person_id)
    assert representation.method is RepresentationMethod.SHARE_CODE
    assert representation.revoked_at is None
    assert contact.has_attorney(db, person_id)
    used = db.scalar(select(ShareCode).where(ShareCode.person_id == person_id))
    assert used.used_at is not None and used.used_by_attorney_id == attorney.id
    assert [(each.name, each.firm, each.method) for each in share_codes.linked_attorneys(db, person_id)] == [
        ("Ana Abogada", "Legal Aid Society", RepresentationMethod.SHARE_CODE)]


def test_a_code_looks_like_a_notice_code_and_is_accepted_however_it_is_typed(db, person_id, attorney):
    code = share_codes.create_share_code(db, person_id, now=utcnow())

    assert len(code) == 11 and code[5] == "-" and normalise_notice_code(code) == code.replace("-", "")
    assert redeem(db, attorney, f" {code.lower().replace('-', ' ')} ", a_number="201555001") is not None


def test_a_code_works_until_seven_days_have_passed(db, person_id, attorney):
    made = utcnow()
    code = share_codes.create_share_code(db, person_id, now=made)

    assert redeem(db, attorney, code, now=made + timedelta(days=7, seconds=-1)) is not None


REFUSALS = {
    "wrong code": {"code": "K7QM4-TX2PB"},
    "another person's A-number": {"a_number": OTHER_A_NUMBER},
    "an A-number in nobody's file": {"a_number": "A-999-999-999"},
    "not an A-number at all": {"a_number": "hello"},
    "wrong birth date": {"birth_date": date(1990, 3, 16)},
    "expired after 8 days": {"days_later": 8},
    "pending attorney": {"status": AttorneyStatus.PENDING},
    "rejected attorney": {"status": AttorneyStatus.REJECTED},
}


@pytest.fixture
def other_person(db):
    """Someone else in the file, with a live code of their own."""
    other = add_person(db, a_number="201555002", date_of_birth=BORN)
    share_codes.create_share_code(db, other, now=utcnow())
    return other


@pytest.mark.parametrize("wrong", REFUSALS.values(), ids=REFUSALS.keys())
def test_anything_wrong_is_refused_and_links_nobody(db, person_id, other_person, wrong):
    lawyer = add_attorney(db, status=wrong.get("status", AttorneyStatus.VERIFIED))
    made = utcnow()
    code = share_codes.create_share_code(db, person_id, now=made)

    result = redeem(db, lawyer, wrong.get("code", code), a_number=wrong.get("a_number", A_NUMBER),
                    birth_date=wrong.get("birth_date", BORN), now=made + timedelta(days=wrong.get("days_later", 0)))

    assert result is None
    assert representations(db, person_id) == representations(db, other_person) == []
    assert db.scalar(select(func.count()).select_from(ShareCode).where(ShareCode.used_at.is_not(None))) == 0
    assert refusals(db) == [lawyer.id]


def refusals(db):
    return [uuid.UUID(event.actor_id) for event in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "attorney.share_code_refused"))]


@dataclass
class Work:
    statements: list[str] = field(default_factory=list)
    argon2_checks: int = 0


@contextmanager
def counted_work(db):
    """The SQL statements and Argon2id checks made inside the block."""
    work, connection, verify = Work(), db.connection(), share_codes.verify_secret

    def checked(stored, secret):
        work.argon2_checks += 1
        return verify(stored, secret)

    def executed(_connection, _cursor, statement, *_args):
        work.statements.append(statement)

    event.listen(connection, "before_cursor_execute", executed)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(share_codes, "verify_secret", checked)
            yield work
    finally:
        event.remove(connection, "before_cursor_execute", executed)


@pytest.mark.parametrize("wrong", REFUSALS.values(), ids=REFUSALS.keys())
def test_every_refusal_takes_the_same_work_as_a_wrong_code(db, person_id, other_person, wrong):
    lawyer = add_attorney(db, status=wrong.get("status", AttorneyStatus.VERIFIED))
    made = utcnow()
    code = share_codes.create_share_code(db, person_id, now=made)
    with counted_work(db) as wrong_code:
        redeem(db, lawyer, "K7QM4-TX2PB", now=made)

    with counted_work(db) as work:
        redeem(db, lawyer, wrong.get("code", code), a_number=wrong.get("a_number", A_NUMBER),
               birth_date=wrong.get("birth_date", BORN), now=made + timedelta(days=wrong.get("days_later", 0)))

    assert work.argon2_checks == wrong_code.argon2_checks == 1
    assert work.statements == wrong_code.statements


def test_a_code_is_used_only_once(db, person_id, attorney):
    code = share_codes.create_share_code(db, person_id, now=utcnow())
    assert redeem(db, attorney, code) is not None
    second = add_attorney(db, email="second@example.org")

    assert redeem(db, second, code) is None
    assert redeem(db, attorney, code) is None
    assert [each.attorney_id for each in representations(db, person_id)] == [attorney.id]


def test_a_new_code_replaces_the_old_one(db, person_id, attorney):
    old = share_codes.create_share_code(db, person_id, now=utcnow())
    new = share_codes.create_share_code(db, person_id, now=utcnow())

    assert db.scalar(select(func.count()).select_from(ShareCode).where(ShareCode.person_id == person_id)) == 1
    assert redeem(db, attorney, old) is None
    assert redeem(db, attorney, new) is not None


def test_the_live_code_is_shown_by_its_expiry_until_it_is_used(db, person_id, attorney):
    made = utcnow()
    code = share_codes.create_share_code(db, person_id, now=made)

    assert share_codes.live_share_code(db, person_id, now=made).expires_at == made + timedelta(days=7)
    assert share_codes.live_share_code(db, person_id, now=made + timedelta(days=8)) is None
    redeem(db, attorney, code, now=made)
    assert share_codes.live_share_code(db, person_id, now=made) is None


def test_the_person_revokes_a_link_and_the_lawyer_loses_access_at_once(db, person_id, attorney):
    representation = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))
    assert contact.has_attorney(db, person_id)

    assert share_codes.revoke_representation(db, person_id, representation.id, now=utcnow())

    db.expire_all()
    assert representation.revoked_at is not None and representation.revoked_by == "client"
    assert share_codes.linked_attorneys(db, person_id) == []
    assert not contact.has_attorney(db, person_id)
    revoked = db.scalar(select(AuditEvent).where(AuditEvent.action == "representation.revoked"))
    assert (revoked.actor_type, revoked.actor_id) == ("person", str(person_id))
    assert revoked.details == {"representation_id": str(representation.id), "attorney_id": str(attorney.id)}


def test_a_person_cannot_revoke_someone_elses_link_and_revoking_twice_changes_nothing(db, person_id, other_person,
                                                                                      attorney):
    representation = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))

    assert not share_codes.revoke_representation(db, other_person, representation.id, now=utcnow())
    assert representations(db, person_id)[0].revoked_at is None
    assert share_codes.revoke_representation(db, person_id, representation.id, now=utcnow())
    assert not share_codes.revoke_representation(db, person_id, representation.id, now=utcnow())
    assert db.scalar(select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "representation.revoked")) == 1


ADDRESS = "1450 Wilshire Blvd\nLos Angeles CA 90017"


@pytest.mark.parametrize(("phone", "texts_stopped", "address", "now_by"), [
    ("+16195550142", False, None, ContactChannel.SMS),
    ("+16195550142", True, ADDRESS, ContactChannel.LETTER),
    (None, False, ADDRESS, ContactChannel.LETTER),
    (None, False, None, ContactChannel.NONE),
])
def test_messages_that_went_to_the_only_lawyer_go_to_the_person_once_they_stop_the_lawyer(
    db, attorney, phone, texts_stopped, address, now_by,
):
    person = add_person(db, phone=phone, postal_address=address)
    representation = redeem(db, attorney, share_codes.create_share_code(db, person, now=utcnow()))
    contact.choose_attorney(db, person, now=utcnow())
    if texts_stopped:
        contact.stop_sms(db, person, now=utcnow())

    revocation = share_codes.revoke_representation(db, person, representation.id, now=utcnow())

    assert revocation.messages_now_by is now_by
    assert contact.contact_summary(db, person).channel is now_by
    ended = db.scalar(select(AuditEvent).where(AuditEvent.action == "contact.attorney_channel_ended"))
    assert ended.details == {"channel": now_by.value}


def test_messages_stay_with_the_lawyers_while_one_is_still_linked(db, person_id, attorney):
    first = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))
    redeem(db, add_attorney(db, email="second@example.org"), share_codes.create_share_code(db, person_id, now=utcnow()))
    contact.choose_attorney(db, person_id, now=utcnow())

    revocation = share_codes.revoke_representation(db, person_id, first.id, now=utcnow())

    assert revocation.messages_now_by is None
    assert contact.contact_summary(db, person_id).channel is ContactChannel.ATTORNEY


def test_a_new_code_brings_a_revoked_lawyer_back(db, person_id, attorney):
    first = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))
    share_codes.revoke_representation(db, person_id, first.id, now=utcnow())

    again = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))

    assert again.id == first.id
    assert (again.revoked_at, again.revoked_by, again.method) == (None, None, RepresentationMethod.SHARE_CODE)
    assert contact.has_attorney(db, person_id)


def test_a_lawyer_already_linked_another_way_keeps_that_link(db, person_id, attorney):
    existing = Representation(attorney_id=attorney.id, person_id=person_id, method=RepresentationMethod.FORM_G28)
    db.add(existing)
    db.flush()

    linked = redeem(db, attorney, share_codes.create_share_code(db, person_id, now=utcnow()))

    assert linked.id == existing.id and linked.method is RepresentationMethod.FORM_G28


def test_neither_the_code_nor_the_a_number_reaches_the_audit_log_or_the_application_log(db, person_id, attorney):
    lines_before = len(LOG_COLLECTOR.lines)
    code = share_codes.create_share_code(db, person_id, now=utcnow())
    redeem(db, attorney, "K7QM4-TX2PB")
    redeem(db, attorney, code)

    events = [event for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert [event.action for event in events][-3:] == [
        "share_code.created", "attorney.share_code_refused", "attorney.linked_by_share_code"]
    written = " ".join(str(event.details) + str(event.subject_id) + str(event.actor_id) for event in events)
    written += "\n".join(LOG_COLLECTOR.lines[lines_before:])
    for secret in (code, code.replace("-", ""), "201555001", BORN.isoformat(), "K7QM4"):
        assert secret not in written


def test_the_code_is_stored_only_as_an_argon2id_hash(committed_app, backend, tmp_path):
    if backend == "postgresql" and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to inspect the PostgreSQL database (apt-get install postgresql-client)")
    with committed_app.app_context():
        db = session()
        person_id = add_person(db)
        code = share_codes.create_share_code(db, person_id, now=utcnow())
        db.commit()
        stored = db.scalar(text("SELECT code_hash FROM share_code"))
        db.close()  # its connection back in the pool, which dispose() then closes
        database().engine.dispose()

    raw = raw_storage(committed_app, backend, tmp_path)

    assert stored.startswith("$argon2id$") and stored.encode() in raw
    for form in (code, code.replace("-", ""), code.lower()):
        assert not any(needle in raw for needle in search_forms(form, backend))
