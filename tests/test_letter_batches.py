"""Letter batches: who gets a notice by post, the second person who approves it, the one
print-ready PDF (a letter per person, each in its language and on fresh sheets, each with a
notice code that works), marking it posted, and an audit trail without personal data."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.messaging.notice_letters import NoticeLetter, render_batch
from portal.models import (
    AffectedPerson,
    AuditEvent,
    Channel,
    ContactChannel,
    ContactPreference,
    LetterBatch,
    LetterBatchLetter,
    LetterBatchState,
    LetterRequest,
    NoticeCode,
    Notification,
    NotificationState,
    StaffRole,
    utcnow,
)
from portal.security.hashing import verify_secret
from portal.services import letter_batches
from portal.services.letter_batches import LetterBatchRefused
from portal.services.verification import IdentityClaim, request_letter, verify_notice_code
from tests.campaigns import add_approved_campaign, add_staff
from tests.factories import add_person
from tests.pages import text_of
from tests.queries import counted_queries
from tests.staff_pages import sign_in_staff, staff_csrf_token
from tests.test_letter_languages import comparable

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
BORN = date(1988, 4, 9)


def add_letter_person(db, a_number: str, *, first: str, last: str, language: str = "en", phone: str | None = None,
                      address: str | None = "12 Orchard Lane\nSpringfield, IL 62701"):
    """A person from the list: without a phone, letters are their channel."""
    return add_person(db, a_number=a_number, first_name=first, last_name=last, date_of_birth=BORN, phone=phone,
                      postal_address=address, preferred_language=language)


def fail_sms_to(db, person_id) -> None:
    campaign = add_approved_campaign(db)
    db.add(Notification(campaign_id=campaign.id, person_id=person_id, channel=Channel.SMS, locale="en",
                        state=NotificationState.UNDELIVERABLE, final_at=utcnow()))
    db.flush()


@pytest.fixture
def people(db):
    """Who should get a letter, and who should not, by the reason."""
    ids = {
        "letter": add_letter_person(db, "301000001", first="Marta", last="Quispe", language="es"),
        "arabic": add_letter_person(db, "301000002", first="ليلى", last="حداد", language="ar",
                                    address="٢٤ شارع النخيل\nAmman 11118\nJordan"),
        "failed_sms": add_letter_person(db, "301000003", first="Tomas", last="Ferreira", phone="+13125550101"),
        "sms_only": add_letter_person(db, "301000004", first="Irene", last="Kovacs", phone="+13125550102"),
        "asked": add_letter_person(db, "301000005", first="Amadou", last="Diallo", phone="+13125550103"),
        "control": add_letter_person(db, "301000006", first="Petra", last="Novak",
                                     address="Main St 5\x07\nSpringfield"),
    }
    fail_sms_to(db, ids["failed_sms"])
    request_letter(db, IdentityClaim("301000005", BORN))
    request_letter(db, IdentityClaim("301999999", BORN))  # a stranger's details: nobody to write to
    db.commit()
    return ids


@pytest.fixture
def notifier(db):
    return add_staff(db, StaffRole.NOTIFIER)


@pytest.fixture
def approver(db):
    return add_staff(db, StaffRole.APPROVER)


def approved_batch(db, notifier, approver) -> LetterBatch:
    batch = letter_batches.create_batch(db, notifier, now=utcnow())
    letter_batches.approve_batch(db, batch, approver, now=utcnow())
    db.commit()
    return batch


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# Who gets a letter


def test_letters_go_to_the_letter_channel_failed_texts_with_an_address_and_letter_requests(db, people):
    selection = letter_batches.select_recipients(db)

    chosen = {recipient.person_id for recipient in selection.recipients}
    assert chosen == {people["letter"], people["arabic"], people["failed_sms"], people["asked"]}
    assert people["sms_only"] not in chosen
    assert selection.languages() == {"es": 1, "ar": 1, "en": 2}
    assert len(selection.request_ids) == 2 and selection.unmatched_requests == 1


def test_an_address_with_control_characters_is_left_out_and_reported_by_internal_id(db, people):
    selection = letter_batches.select_recipients(db)

    assert [(skipped.person_id, skipped.reason) for skipped in selection.skipped] == [
        (people["control"], "control_characters")]
    assert letter_batches.has_control_characters("Calle 1\u202eevil")
    assert not letter_batches.has_control_characters("Calle 1\nLa Habana")


def test_the_address_the_person_chose_comes_before_the_one_on_the_list(db, people):
    preference = db.scalar(select(ContactPreference).where(ContactPreference.person_id == people["letter"]))
    preference.postal_address = "Apartado 7\r\nCusco\r\n"

    person = db.get(AffectedPerson, people["letter"])
    assert letter_batches.postal_address(person, preference) == "Apartado 7\nCusco"


def test_a_person_in_a_live_batch_is_not_written_to_again(db, people, notifier):
    letter_batches.create_batch(db, notifier, now=utcnow())

    selection = letter_batches.select_recipients(db)

    assert selection.recipients == () and selection.request_ids == ()


# Approval


def test_nobody_approves_a_batch_they_created(db, people):
    admin = add_staff(db, StaffRole.ADMIN)
    batch = letter_batches.create_batch(db, admin, now=utcnow())

    with pytest.raises(LetterBatchRefused):
        letter_batches.approve_batch(db, batch, admin, now=utcnow())
    with pytest.raises(LetterBatchRefused):
        letter_batches.reject_batch(db, batch, admin, now=utcnow(), reason="no")
    assert batch.state is LetterBatchState.SUBMITTED


def test_the_database_refuses_a_batch_decided_by_its_creator(db, people, notifier):
    batch = letter_batches.create_batch(db, notifier, now=utcnow())
    db.commit()

    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(update(LetterBatch).where(LetterBatch.id == batch.id).values(decided_by_id=notifier.id))


def test_each_step_needs_its_role(db, people, notifier, approver):
    with pytest.raises(LetterBatchRefused):
        letter_batches.create_batch(db, approver, now=utcnow())
    batch = letter_batches.create_batch(db, notifier, now=utcnow())
    with pytest.raises(LetterBatchRefused):
        letter_batches.approve_batch(db, batch, add_staff(db, StaffRole.NOTIFIER), now=utcnow())
    letter_batches.approve_batch(db, batch, approver, now=utcnow())
    with pytest.raises(LetterBatchRefused):
        letter_batches.print_batch(db, batch, approver, now=utcnow())


# The print-ready PDF


def test_the_pdf_has_one_letter_per_person_on_fresh_sheets_each_with_a_working_code(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)

    pdf = letter_batches.print_batch(db, batch, notifier, now=utcnow())
    db.commit()

    pages = pages_of(pdf)
    rows = db.scalars(select(LetterBatchLetter).where(LetterBatchLetter.batch_id == batch.id)
                      .order_by(LetterBatchLetter.position)).all()
    assert len(rows) == 4 and len(pages) == batch.page_count == 8
    # Each of these letters fits on one page, backed by a blank one: every letter starts a new sheet.
    assert [index for index, text in enumerate(pages) if text.strip()] == [0, 2, 4, 6]
    letters = pages[0::2]
    names = {people["letter"]: "Quispe", people["arabic"]: "حداد", people["failed_sms"]: "Ferreira",
             people["asked"]: "Diallo"}
    a_numbers = {people["letter"]: "301000001", people["arabic"]: "301000002", people["failed_sms"]: "301000003",
                 people["asked"]: "301000005"}
    for row, text in zip(rows, letters, strict=True):
        assert comparable(names[row.person_id], row.locale) in comparable(text, row.locale)
        codes = CODE.findall(text)
        assert len(codes) == 1
        stored = db.get(NoticeCode, row.notice_code_id)
        assert stored.person_id == row.person_id and verify_secret(stored.code_hash, codes[0].replace("-", ""))
        claim = IdentityClaim(a_numbers[row.person_id], BORN)
        assert verify_notice_code(db, claim, codes[0], now=utcnow()) == row.person_id


def remove_address(db, person_id) -> None:
    """The person's address goes, from the list and from their own choice."""
    db.get(AffectedPerson, person_id).postal_address = None
    db.execute(update(ContactPreference).where(ContactPreference.person_id == person_id)
               .values(postal_address_encrypted=None))
    db.commit()


def live_codes(db) -> dict:
    """Person id → how many unrevoked notice codes they hold."""
    held: dict = {}
    for person_id in db.scalars(select(NoticeCode.person_id).where(NoticeCode.revoked_at.is_(None))):
        held[person_id] = held.get(person_id, 0) + 1
    return held


def test_codes_are_issued_only_for_the_letters_in_the_pdf(db, people, notifier, approver):
    no_address = add_letter_person(db, "301000007", first="Nadia", last="Sin Casa", phone="+13125550104",
                                   address=None)
    fail_sms_to(db, no_address)  # should get a letter, but there is no address to print
    db.commit()
    batch = approved_batch(db, notifier, approver)
    remove_address(db, people["failed_sms"])  # gone after approval: no letter, so no code either

    pdf = letter_batches.print_batch(db, batch, notifier, now=utcnow())
    db.commit()

    printed = {people["letter"], people["arabic"], people["asked"]}
    assert live_codes(db) == {person_id: 1 for person_id in printed}
    assert len(CODE.findall("\n".join(pages_of(pdf)))) == 3
    rows = {row.person_id: row for row in db.scalars(select(LetterBatchLetter)
                                                     .where(LetterBatchLetter.batch_id == batch.id))}
    assert rows[people["failed_sms"]].notice_code_id is None
    assert no_address not in rows and people["control"] not in rows
    downloaded = db.scalar(select(AuditEvent).where(AuditEvent.action == "letter_batch.downloaded"))
    assert downloaded.details["letters"] == 3


def test_a_letter_dropped_from_a_later_download_loses_the_code_of_the_earlier_one(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)
    letter_batches.print_batch(db, batch, notifier, now=utcnow())
    remove_address(db, people["failed_sms"])

    letter_batches.print_batch(db, batch, notifier, now=utcnow())
    db.commit()

    assert people["failed_sms"] not in live_codes(db)
    assert len(live_codes(db)) == 3


def test_people_beyond_the_batch_limit_get_no_code_until_their_batch(db, people, notifier, approver):
    batch = letter_batches.create_batch(db, notifier, now=utcnow(), limit=2)
    letter_batches.approve_batch(db, batch, approver, now=utcnow())

    letter_batches.print_batch(db, batch, notifier, now=utcnow())
    db.commit()

    in_batch = set(db.scalars(select(LetterBatchLetter.person_id).where(LetterBatchLetter.batch_id == batch.id)))
    assert len(in_batch) == 2 and set(live_codes(db)) == in_batch


def batch_for(db, notifier, approver, a_numbers: range) -> LetterBatch:
    for number in a_numbers:
        add_letter_person(db, str(number), first="Ana", last=f"Example {number}")
    db.commit()
    return approved_batch(db, notifier, approver)


def queries_to_print(db, batch, notifier) -> tuple[int, bytes]:
    db.expire_all()
    with counted_queries() as statements:
        pdf = letter_batches.print_batch(db, batch, notifier, now=utcnow())
        db.flush()
    db.commit()
    return len(statements), pdf


def test_printing_a_batch_takes_the_same_few_queries_however_many_letters(db, notifier, approver):
    small = batch_for(db, notifier, approver, range(302000001, 302000003))
    small_count, _ = queries_to_print(db, small, notifier)
    large = batch_for(db, notifier, approver, range(302000101, 302000109))

    large_count, pdf = queries_to_print(db, large, notifier)

    assert large.letter_count == 8
    assert large_count == small_count <= 20
    # Loaded in bulk, each letter still says what was exposed and which help applies to its reader.
    letters = [text for text in pages_of(pdf) if text.strip()]
    assert all("November 28, 2022" in text and "Review of your detention" in text for text in letters)


def test_approving_a_batch_takes_the_same_few_queries_however_many_letters(db, notifier, approver):
    counts = []
    for a_numbers in (range(302000201, 302000203), range(302000301, 302000309)):
        for number in a_numbers:
            add_letter_person(db, str(number), first="Ana", last=f"Example {number}")
        db.commit()
        batch = letter_batches.create_batch(db, notifier, now=utcnow())
        db.commit()
        db.expire_all()
        with counted_queries() as statements:
            letter_batches.approve_batch(db, batch, approver, now=utcnow())
            db.flush()
        db.commit()
        counts.append(len(statements))

    assert counts[0] == counts[1]


def test_a_new_download_revokes_the_codes_of_the_last_one(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)
    first = set(CODE.findall("\n".join(pages_of(letter_batches.print_batch(db, batch, notifier, now=utcnow())))))
    first_ids = set(db.scalars(select(LetterBatchLetter.notice_code_id).where(LetterBatchLetter.batch_id == batch.id)))

    second = set(CODE.findall("\n".join(pages_of(letter_batches.print_batch(db, batch, notifier, now=utcnow())))))

    assert first.isdisjoint(second) and len(second) == 4
    revoked = db.scalars(select(NoticeCode.revoked_at).where(NoticeCode.id.in_(first_ids))).all()
    assert len(revoked) == 4 and all(revoked)


def test_spanish_and_arabic_letters_in_one_batch_are_each_in_their_language(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)

    text = "\n".join(pages_of(letter_batches.print_batch(db, batch, notifier, now=utcnow())))

    for locale in ("es", "ar"):
        with force_locale(locale):
            heading = gettext("What was made public")
        assert heading != "What was made public"
        assert comparable(heading, locale) in comparable(text, locale), locale
    assert "شارع" in comparable(text, "ar")  # the Arabic address, too


# Posting


def test_marking_a_batch_posted_resolves_the_letter_requests_it_answers(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)
    with pytest.raises(LetterBatchRefused):
        letter_batches.mark_posted(db, batch, notifier, now=utcnow())  # not printed yet
    letter_batches.print_batch(db, batch, notifier, now=utcnow())

    resolved = letter_batches.mark_posted(db, batch, notifier, now=utcnow())
    db.commit()

    assert resolved == 2
    assert db.scalars(select(LetterRequest).where(LetterRequest.resolved_at.is_(None))).all() == []
    assert batch.state is LetterBatchState.POSTED and batch.posted_at is not None
    with pytest.raises(LetterBatchRefused):
        letter_batches.print_batch(db, batch, notifier, now=utcnow())


def test_a_rejected_batch_leaves_its_people_and_requests_for_the_next(db, people, notifier, approver):
    batch = letter_batches.create_batch(db, notifier, now=utcnow())
    letter_batches.reject_batch(db, batch, approver, now=utcnow(), reason="Wrong week")

    selection = letter_batches.select_recipients(db)

    assert len(selection.recipients) == 4 and len(selection.request_ids) == 2


def test_every_step_is_audited_with_ids_and_counts_only(db, people, notifier, approver):
    batch = approved_batch(db, notifier, approver)
    pdf = letter_batches.print_batch(db, batch, notifier, now=utcnow())
    letter_batches.mark_posted(db, batch, notifier, now=utcnow())
    db.commit()

    events = db.scalars(select(AuditEvent).where(AuditEvent.subject_type == "letter_batch")
                        .order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == [
        "letter_batch.created", "letter_batch.approved", "letter_batch.downloaded", "letter_batch.posted"]
    recorded = json.dumps([[event.actor_id, event.subject_id, event.details] for event in events], ensure_ascii=False)
    personal = ["Quispe", "Marta", "حداد", "Diallo", "Orchard", "Springfield", "301000001", "1988-04-09",
                *CODE.findall("\n".join(pages_of(pdf)))]
    assert [value for value in personal if value in recorded] == []
    assert events[2].details == {"state": "approved", "letters": 4, "pages": batch.page_count, "download": 1}


# The pages


def test_the_pages_take_a_batch_from_creation_to_posted(app, db, people):
    notifier_client, approver_client = app.test_client(), app.test_client()
    sign_in_staff(notifier_client, db, StaffRole.NOTIFIER)
    sign_in_staff(approver_client, db, StaffRole.APPROVER)

    page = text_of(notifier_client.get("/staff/letters/new"))
    assert "This batch will have 4 letters." in page and "Spanish" in page and "Arabic" in page
    assert str(people["control"]) in page and "Petra" not in page
    created = notifier_client.post("/staff/letters/new", data={"csrf_token": staff_csrf_token(notifier_client)})
    batch_url = created.headers["Location"]
    batch_id = batch_url.rsplit("/", 1)[1]
    assert "must approve this batch before it can be printed" in text_of(notifier_client.get(batch_url))

    decided = approver_client.post(f"{batch_url}/decision", data={
        "csrf_token": staff_csrf_token(approver_client), "decision": "approve"})
    assert decided.status_code == 302
    assert "Pages to print" in text_of(approver_client.get(batch_url))

    download = notifier_client.post(f"{batch_url}/download", data={"csrf_token": staff_csrf_token(notifier_client)})
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    posted = notifier_client.post(f"{batch_url}/posted", data={"csrf_token": staff_csrf_token(notifier_client)})
    assert posted.status_code == 302
    db.expire_all()
    assert db.get(LetterBatch, uuid.UUID(batch_id)).state is LetterBatchState.POSTED


def test_the_creator_cannot_approve_through_the_page_either(app, db, people):
    client = app.test_client()
    sign_in_staff(client, db, StaffRole.ADMIN)
    batch_url = client.post("/staff/letters/new", data={"csrf_token": staff_csrf_token(client)}).headers["Location"]

    response = client.post(f"{batch_url}/decision", data={"csrf_token": staff_csrf_token(client),
                                                            "decision": "approve"})

    assert response.status_code == 200
    assert "Nobody may approve or reject a letter batch they created." in text_of(response)
    db.expire_all()
    assert db.scalar(select(LetterBatch.state)) is LetterBatchState.SUBMITTED


@pytest.mark.parametrize(("role", "status"), [(StaffRole.APPROVER, 403), (StaffRole.VIEWER, 403),
                                              (StaffRole.NOTIFIER, 200)])
def test_only_staff_who_send_letters_may_create_a_batch(client, db, people, role, status):
    sign_in_staff(client, db, role)

    assert client.get("/staff/letters/new").status_code == status
    assert client.get("/staff/letters").status_code == 200


def test_a_language_the_portal_does_not_have_gets_an_english_letter(db, people):
    db.execute(update(ContactPreference).where(ContactPreference.person_id == people["letter"])
               .values(channel=ContactChannel.LETTER, language="xx"))

    chosen = {recipient.person_id: recipient.locale for recipient in letter_batches.select_recipients(db).recipients}

    assert chosen[people["letter"]] == "en"  # an unsupported language falls back to English


def test_a_two_page_letter_gets_no_blank_page_and_a_one_page_letter_does(app):
    def letter(address_lines: int) -> NoticeLetter:
        return NoticeLetter(locale="en", full_name="Ana Example", address="\n".join(["Street 1"] * address_lines),
                            notice_code="K7QM4-TX2PB", incidents=(), remedies=(), written_on=utcnow())

    with app.test_request_context():
        pdf, count = render_batch([letter(40), letter(1)])

    pages = pages_of(pdf)
    assert count == len(pages) == 4
    assert [bool(text.strip()) for text in pages] == [True, True, True, False]
