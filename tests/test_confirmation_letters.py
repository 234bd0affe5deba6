"""Confirmation letters: a signed-in person downloads one; anyone can check a reference with
the A-number on the letter, and learns nothing else (in particular not who is in the file)."""

from __future__ import annotations

import io
import logging
import re

import pytest
from flask import current_app
from pypdf import PdfReader
from sqlalchemy import select

from portal.messaging.letters import LetterFontMissing, render_letter
from portal.models import AuditEvent, ConfirmationLetter, utcnow
from portal.services import confirmation_letters
from portal.services.confirmation_letters import check_letter, issue_letter, letter_contents, normalise_reference
from portal.web.public import letters as letter_views
from tests.factories import add_person
from tests.pages import csrf_token, submit, text_of
from tests.personal_data import personal_values
from tests.test_no_oracle import normalised
from tests.test_public_identify import person, sign_in_with_notice_code  # noqa: F401
from tests.test_public_pages import parts

REFERENCE_FORMAT = re.compile(r"CL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
OTHER_MEMBER_A_NUMBER = "A-201-555-002"
STRANGER_A_NUMBER = "A-987-654-321"
FORGED_REFERENCE = "CL-7K3M-Q9TX-2PB4"


def download(client):
    page = text_of(client.get("/you/letter"))
    issued = client.post("/you/letter", data={"csrf_token": csrf_token(page)})
    assert issued.status_code == 303
    return client.get(issued.headers["Location"])


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def only_letter(db) -> ConfirmationLetter:
    return db.scalars(select(ConfirmationLetter)).one()


def check(client, reference: str, a_number: str):
    return submit(client, "/letters/check", {"reference": reference, "a_number": a_number})


# Getting a letter


def test_a_signed_in_person_downloads_their_letter_as_a_pdf(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    response = download(client)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == 'attachment; filename="confirmation-letter.pdf"'
    assert response.headers["Cache-Control"] == "no-store"


def test_issuing_and_downloading_a_letter_are_on_the_record_with_ids_only(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)
    download(client)
    client.get("/you/letter/download")

    letter = only_letter(db)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("letter.%")).order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["letter.issued", "letter.downloaded", "letter.downloaded"]
    for event in events:
        assert (event.subject_type, event.subject_id) == ("person", str(person["id"]))
        assert event.details == {"letter": str(letter.id)}
        assert letter.reference not in str(event.details)


def test_the_letter_names_the_reference_the_person_the_incidents_and_the_remedies(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    text = pdf_text(download(client).data)

    assert only_letter(db).reference in text
    assert "Gutiérrez Morales" in text and "Lucía Fernanda" in text
    assert "A-201-555-001" in text
    assert "November 28, 2022" in text
    assert "the result of your fear interview" in text
    assert "December 7, 2022" not in text  # an incident this person was not in
    assert "Review of your detention: You can ask for this" in text
    assert "Help to come back" not in text  # a remedy that does not apply to them
    assert "/letters/check" in text


def test_each_letter_has_a_new_unguessable_reference(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)
    download(client)
    download(client)

    references = [letter.reference for letter in db.scalars(select(ConfirmationLetter))]
    assert len(set(references)) == 2
    assert all(REFERENCE_FORMAT.fullmatch(reference) for reference in references)


def test_the_letter_page_and_download_need_a_session(client, person):  # noqa: F811
    token = csrf_token(text_of(client.get("/letters/check")))

    assert client.get("/you/letter").headers["Location"] == "/signed-out"
    assert client.post("/you/letter", data={"csrf_token": token}).headers["Location"] == "/signed-out"
    assert client.get("/you/letter/download").headers["Location"] == "/signed-out"


def test_the_download_without_any_letter_goes_back_to_the_letter_page(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    assert client.get("/you/letter/download").headers["Location"] == "/you/letter"


def test_the_summary_page_links_to_the_letter(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    assert 'href="/you/letter"' in text_of(client.get("/you"))


# The PDF itself


@pytest.fixture
def contents(db):
    def build(**changes):
        person_id = add_person(db, **changes)
        letter = issue_letter(db, person_id, now=utcnow())
        return letter_contents(db, letter, now=utcnow())

    return build


def test_names_in_cyrillic_are_printed_as_written(db, contents):
    text = pdf_text(render_letter(contents(a_number="201555002", last_name="Иванова", first_name="Светлана"),
                                  locale="en"))

    assert "Иванова" in text and "Светлана" in text


def test_the_pdf_metadata_holds_a_title_and_nothing_personal(db, contents):
    data = render_letter(contents(), locale="en")

    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata.title == "Confirmation letter"
    assert set(metadata) <= {"/Title", "/CreationDate", "/Producer"}
    assert not [value for value in personal_values() if value in str(dict(metadata))]


def test_rendering_logs_no_glyphs_or_characters_of_the_name(db, contents, caplog):
    caplog.set_level(logging.DEBUG)

    render_letter(contents(last_name="Zhāng 張", first_name="Wěi 偉"), locale="en")

    assert [record.name for record in caplog.records if record.name.startswith(("fontTools", "fpdf"))] == []


def test_a_missing_font_is_a_clear_error(db, contents, monkeypatch, tmp_path):
    monkeypatch.setitem(current_app.config, "LETTER_FONT_DIR", str(tmp_path))

    with pytest.raises(LetterFontMissing, match="LETTER_FONT_DIR"):
        render_letter(contents(), locale="en")


# Checking a letter


@pytest.fixture
def issued(db, person):  # noqa: F811
    add_person(db, a_number="201555002", last_name="Ivanova", first_name="Svetlana")
    letter = issue_letter(db, person["id"], now=utcnow())
    db.commit()
    return letter


@pytest.mark.parametrize("a_number", ["A-201-555-001", "201555001", "a 201 555 001", "A201555001"])
def test_the_check_page_says_a_letter_is_genuine_for_its_reference_and_a_number(client, issued, a_number):
    response = check(client, issued.reference, a_number)

    page = text_of(response)
    assert response.status_code == 200
    assert "This letter is genuine." in page
    assert f"It was issued on {issued.issued_at:%B} {issued.issued_at.day}, {issued.issued_at.year}." in page
    assert f"<bdi>{issued.reference}</bdi>" in page


def test_a_reference_is_accepted_however_it_is_typed(client, issued):
    typed = issued.reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    assert "This letter is genuine." in text_of(check(client, typed, "A-201-555-001"))
    assert normalise_reference(issued.reference[3:].replace("-", "")) == issued.reference


def test_no_letter_matches_reads_the_same_whoever_the_a_number_belongs_to(app, issued):
    attempts = {
        "forged reference, member's A-number": (FORGED_REFERENCE, "A-201-555-001"),
        "real reference, another member's A-number": (issued.reference, OTHER_MEMBER_A_NUMBER),
        "real reference, A-number not in the file": (issued.reference, STRANGER_A_NUMBER),
        "forged reference, A-number not in the file": (FORGED_REFERENCE, STRANGER_A_NUMBER),
    }
    answers = {name: normalised(check(app.test_client(), *typed)) for name, typed in attempts.items()}

    reference = answers["forged reference, A-number not in the file"]
    assert "We could not find a letter with this reference for this A-number." in reference[2]
    for name, answer in answers.items():
        assert answer == reference, name


def test_the_service_runs_the_same_single_query_whatever_was_typed(db, issued, monkeypatch):
    queries = []
    execute = db.execute

    def recording(statement, *args, **kwargs):
        queries.append(str(statement))
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(db, "execute", recording)
    for reference, a_number in [(FORGED_REFERENCE, "A-201-555-001"), (issued.reference, OTHER_MEMBER_A_NUMBER),
                                (issued.reference, STRANGER_A_NUMBER), ("nonsense", "not an A-number")]:
        assert check_letter(db, reference, a_number) is None

    assert len(queries) == 4 and len(set(queries)) == 1
    assert check_letter(db, issued.reference, "201555001") == issued.issued_at


def test_after_too_many_failed_checks_even_a_genuine_letter_is_not_called_unknown(client, issued):
    for _ in range(10):
        check(client, FORGED_REFERENCE, "A-201-555-001")

    limited = text_of(check(client, issued.reference, "A-201-555-001"))

    assert "There have been too many checks." in limited
    assert "This letter is genuine." not in limited
    assert "We could not find" not in limited


def test_the_check_page_explains_what_is_wrong_and_keeps_what_was_typed(client, issued):
    response = check(client, "CL-12", "A-12")

    page = text_of(response)
    assert "Enter the reference number as it is printed on the letter" in page
    assert "Enter an A-number with 8 or 9 digits" in page
    assert 'value="CL-12"' in page and 'value="A-12"' in page
    assert "This letter is genuine." not in page


def test_the_check_page_labels_both_fields_and_needs_no_session(client):
    response = client.get("/letters/check")

    page = parts(text_of(response))
    assert response.status_code == 200
    assert {field["id"] for field in page.inputs} == {"reference", "a_number"} <= page.label_targets


def test_references_carry_60_random_bits():
    reference = confirmation_letters.generate_reference()

    assert REFERENCE_FORMAT.fullmatch(reference)
    assert len(reference.replace("-", "")[2:]) * 5 == 60
    assert normalise_reference("CL-1234-5678-9ABU") is None  # U is not in the alphabet
    assert letter_views.PDF_FILENAME == "confirmation-letter.pdf"
