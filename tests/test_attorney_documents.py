"""Linking clients by document: a signed G-28 or EOIR-28 that staff accept or reject, and
client lists that staff match in bulk. Files are sniffed and size-limited, kept encrypted;
the attorney sees only their own uploads, and of a list only counts."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import uuid
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.models import (
    AuditEvent,
    ClientList,
    ClientListOutcome,
    ClientListRow,
    ClientListState,
    Representation,
    RepresentationForm,
    RepresentationFormType,
    RepresentationMethod,
    ReviewState,
    StaffRole,
    utcnow,
)
from portal.security.context import blind_index
from portal.services import attorney_documents
from portal.services.attorney_documents import UploadProblem, UploadRefused
from tests.attorney_pages import add_attorney, sign_in_attorney
from tests.conftest import LOG_COLLECTOR
from tests.factories import PERSON, add_person
from tests.pages import csrf_token, submit, text_of
from tests.personal_data import a_number_spellings, date_spellings, personal_values
from tests.staff_pages import add_staff_user, sign_in_staff, staff_csrf_token

DOCUMENTS = "/attorney/documents"
FORM_TYPE = "/attorney/documents/form"
FORM_A_NUMBER = "/attorney/documents/form/a-number"
FORM_BIRTH_DATE = "/attorney/documents/form/date-of-birth"
FORM_FILE = "/attorney/documents/form/file"
LIST_UPLOAD = "/attorney/documents/client-list"
STAFF_FORMS = "/staff/attorney-forms"
STAFF_LISTS = "/staff/client-lists"

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(48))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(48))
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(48)

SECOND = {"a_number": "201555002", "date_of_birth": date(1985, 7, 2), "last_name": "Ivanova",
          "first_name": "Svetlana", "phone": "+12135550187"}
UNKNOWN_A_NUMBER = "A-201-555-099"


@pytest.fixture
def person_id(db):
    person = add_person(db)
    db.commit()
    return person


@pytest.fixture
def attorney_client(app, db):
    client = app.test_client()
    client.attorney = sign_in_attorney(client, db, firm="Border Legal Aid")
    return client


@pytest.fixture
def staff_client(app, db):
    client = app.test_client()
    client.staff = sign_in_staff(client, db, StaffRole.CASEWORKER)
    return client


def upload_form(client, content: bytes, *, filename="g28.pdf", mimetype="application/pdf", form_type="g28",
                a_number=PERSON.a_number, born=PERSON.date_of_birth):
    """The four pages: which form, the A-number, the birth date, then the file."""
    assert submit(client, FORM_TYPE, {"form_type": form_type}).headers["Location"] == FORM_A_NUMBER
    assert submit(client, FORM_A_NUMBER, {"a_number": a_number}).headers["Location"] == FORM_BIRTH_DATE
    answer = {"day": str(born.day), "month": str(born.month), "year": str(born.year)}
    assert submit(client, FORM_BIRTH_DATE, answer).headers["Location"] == FORM_FILE
    token = csrf_token(text_of(client.get(FORM_FILE)))
    return post_multipart(client, FORM_FILE, {"document": (io.BytesIO(content), filename, mimetype),
                                              "csrf_token": token})


def upload_list(client, content: bytes, *, filename="clients.csv", confirm=True):
    token = csrf_token(text_of(client.get(LIST_UPLOAD)))
    data = {"client_list": (io.BytesIO(content), filename, "text/csv"), "csrf_token": token}
    if confirm:
        data["represents_all"] = "y"
    return post_multipart(client, LIST_UPLOAD, data)


def post_multipart(client, url: str, fields: dict):
    """A multipart POST encoded in memory: the test client would spool a large body to a
    temporary file it never closes."""
    files = {name: FileStorage(stream=value[0], filename=value[1], content_type=value[2])
             for name, value in fields.items() if isinstance(value, tuple)}
    boundary, body = encode_multipart({**fields, **files})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def csv_list(rows: list[list[str]], headings=("A-Number", "Date of Birth")) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headings)
    writer.writerows(rows)
    return text.getvalue().encode()


def stored_forms(db) -> list[RepresentationForm]:
    db.expire_all()
    return list(db.scalars(select(RepresentationForm)))


def staff_post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": staff_csrf_token(client)})


def uploaded_form_id(response) -> uuid.UUID:
    return uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])


def actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# Uploading a signed form


@pytest.mark.parametrize(("content", "sniffed", "filename", "claimed"), [
    (PDF, "application/pdf", "g28.pdf", "application/pdf"),
    (PNG, "image/png", "scan.pdf", "application/pdf"),  # the name and the browser's claim are ignored
    (JPEG, "image/jpeg", "photo", "application/octet-stream"),
])
def test_a_pdf_png_or_jpeg_form_is_kept_for_staff_with_its_sniffed_type(attorney_client, db, person_id, content,
                                                                        sniffed, filename, claimed):
    response = upload_form(attorney_client, content, filename=filename, mimetype=claimed)

    assert response.status_code == 303
    [record] = stored_forms(db)
    assert response.headers["Location"] == f"/attorney/documents/forms/{record.id}"
    assert (record.content_type, record.size_bytes, record.state) == (sniffed, len(content), ReviewState.SUBMITTED)
    assert (record.form_type, record.attorney_id) == (RepresentationFormType.G28, attorney_client.attorney.id)
    assert (record.a_number, record.date_of_birth) == (PERSON.a_number, PERSON.date_of_birth)
    assert record.document == content
    page = text_of(attorney_client.get(response.headers["Location"]))
    assert "The form is uploaded" in page and "Waiting for staff to check it" in page


def test_the_file_and_the_details_are_stored_encrypted(attorney_client, db, person_id):
    upload_form(attorney_client, PDF)
    raw = db.execute(select(RepresentationForm.__table__)).one()._mapping

    stored = b"".join(value for value in raw.values() if isinstance(value, bytes))
    assert b"%PDF" not in stored and base64.b64encode(PDF) not in stored and base64.b64encode(PDF)[:20] not in stored
    assert not [value for value in personal_values() if value.encode() in stored]
    assert raw["a_number_index"] == blind_index().a_number(PERSON.a_number)


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_kept(attorney_client, db, person_id):
    response = upload_form(attorney_client, EXECUTABLE, filename="g28.pdf", mimetype="application/pdf")

    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "The file must be a PDF, PNG or JPEG" in page
    assert stored_forms(db) == []


def test_a_file_over_the_configured_size_is_refused(app, attorney_client, db, person_id, monkeypatch):
    monkeypatch.setitem(app.config, "ATTORNEY_UPLOAD_MAX_BYTES", 1024 * 1024)

    response = upload_form(attorney_client, PDF + bytes(1024 * 1024))

    assert "The file is larger than 1 MB" in text_of(response)
    assert stored_forms(db) == []
    assert text_of(attorney_client.get(FORM_FILE)).count("at most 1 MB") == 1


def test_the_service_refuses_an_empty_oversize_or_unknown_file(db, person_id):
    attorney, _secret = add_attorney(db)
    details = {"form_type": RepresentationFormType.G28, "a_number": PERSON.a_number,
               "date_of_birth": PERSON.date_of_birth}
    for content, problem in ((b"", UploadProblem.EMPTY), (PDF + bytes(100), UploadProblem.TOO_LARGE),
                             (b"<html><script>", UploadProblem.UNKNOWN_TYPE), (b"GIF89a", UploadProblem.UNKNOWN_TYPE)):
        with pytest.raises(UploadRefused) as refused:
            attorney_documents.submit_representation_form(db, attorney, content=content, max_bytes=len(PDF),
                                                          **details)
        assert refused.value.problem is problem


def test_an_account_not_yet_verified_cannot_upload(app, db):
    client = app.test_client()
    attorney = sign_in_attorney(client, db, verified=False)

    assert client.get(DOCUMENTS).headers["Location"] == "/attorney/account"
    assert client.get(FORM_TYPE).headers["Location"] == "/attorney/account"
    with pytest.raises(attorney_documents.NotVerified):
        attorney_documents.submit_client_list(db, attorney, [(2, PERSON.a_number, PERSON.date_of_birth)])


def test_the_answers_between_pages_are_encrypted_in_the_cookie(app, attorney_client):
    submit(attorney_client, FORM_TYPE, {"form_type": "eoir28"})
    submit(attorney_client, FORM_A_NUMBER, {"a_number": PERSON.a_number})
    submit(attorney_client, FORM_BIRTH_DATE, {"day": "15", "month": "3", "year": "1990"})

    cookie = attorney_client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value
    stored = json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie), default=str)
    assert "attorney_form_upload" in stored
    assert not [value for value in a_number_spellings(PERSON.a_number) + date_spellings(PERSON.date_of_birth)
                if value in stored]
    page = text_of(attorney_client.get(FORM_FILE))  # shown back to the attorney who typed them
    assert "A-201-555-001" in page and "Form EOIR-28" in page


def test_the_file_page_without_the_earlier_answers_starts_again(attorney_client):
    assert attorney_client.get(FORM_FILE).headers["Location"] == FORM_TYPE
    assert attorney_client.get(FORM_BIRTH_DATE).headers["Location"] == FORM_A_NUMBER


def test_a_wrong_a_number_or_birth_date_is_asked_again_with_an_error(attorney_client):
    submit(attorney_client, FORM_TYPE, {"form_type": "g28"})

    page = text_of(submit(attorney_client, FORM_A_NUMBER, {"a_number": "12AB"}))
    assert "There is a problem" in page and "Enter an A-number with 8 or 9 digits" in page
    submit(attorney_client, FORM_A_NUMBER, {"a_number": PERSON.a_number})
    page = text_of(submit(attorney_client, FORM_BIRTH_DATE, {"day": "31", "month": "2", "year": "1990"}))
    assert "Enter your client's date of birth" in page


# Staff review of a form


def test_staff_accepting_a_form_links_the_attorney_by_that_form_and_by_whom(attorney_client, staff_client, db,
                                                                             person_id):
    form_id = uploaded_form_id(upload_form(attorney_client, PDF))

    queue = text_of(staff_client.get(STAFF_FORMS))
    assert f"/staff/attorney-forms/{form_id}" in queue and "Border Legal Aid" in queue
    review = text_of(staff_client.get(f"{STAFF_FORMS}/{form_id}"))
    assert "A-201-555-001" in review and "It matches" in review and f"/staff/people/{person_id}" in review
    response = staff_post(staff_client, f"{STAFF_FORMS}/{form_id}/accept")

    assert response.status_code == 303
    db.expire_all()
    link = db.scalar(select(Representation).where(Representation.person_id == person_id))
    assert (link.attorney_id, link.method, link.established_by_staff_id) == (
        attorney_client.attorney.id, RepresentationMethod.FORM_G28, staff_client.staff.id)
    record = db.get(RepresentationForm, form_id)
    assert (record.state, record.reviewed_by_id, record.representation_id) == (
        ReviewState.ACCEPTED, staff_client.staff.id, link.id)
    page = text_of(attorney_client.get(f"/attorney/documents/forms/{form_id}"))
    assert "Accepted: your client is linked to you" in page and f"/attorney/clients/{person_id}" in page
    assert attorney_client.get(f"/attorney/clients/{person_id}").status_code == 200
    assert str(form_id) not in text_of(staff_client.get(STAFF_FORMS))  # no longer waiting


def test_an_eoir28_form_links_by_that_method_and_revives_an_ended_link(db, person_id):
    attorney, _secret = add_attorney(db)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)
    ended = Representation(attorney_id=attorney.id, person_id=person_id, method=RepresentationMethod.SHARE_CODE,
                           revoked_at=utcnow(), revoked_by="client")
    db.add(ended)
    form = attorney_documents.submit_representation_form(
        db, attorney, form_type=RepresentationFormType.EOIR28, a_number=PERSON.a_number,
        date_of_birth=PERSON.date_of_birth, content=PDF, max_bytes=len(PDF))
    assert attorney_documents.form_match(db, form).link_ended_at is not None

    link = attorney_documents.accept_form(db, form, staff, now=utcnow())

    assert (link.id, link.method, link.revoked_at, link.established_by_staff_id) == (
        ended.id, RepresentationMethod.FORM_EOIR28, None, staff.id)


@pytest.mark.parametrize("typed", [
    {"a_number": UNKNOWN_A_NUMBER},
    {"born": date(1990, 3, 16)},
])
def test_a_form_whose_details_do_not_both_match_a_person_cannot_be_accepted(attorney_client, staff_client, db,
                                                                            person_id, typed):
    form_id = uploaded_form_id(upload_form(attorney_client, PDF, **typed))

    review = text_of(staff_client.get(f"{STAFF_FORMS}/{form_id}"))
    assert "This form cannot be accepted" in review and f"{STAFF_FORMS}/{form_id}/accept" not in review
    staff_post(staff_client, f"{STAFF_FORMS}/{form_id}/accept")

    assert "This form cannot be accepted" in text_of(staff_client.get(f"{STAFF_FORMS}/{form_id}"))
    assert db.scalar(select(Representation)) is None
    assert stored_forms(db)[0].state is ReviewState.SUBMITTED


def test_staff_reject_a_form_with_a_reason_the_attorney_reads(attorney_client, staff_client, db, person_id):
    form_id = uploaded_form_id(upload_form(attorney_client, PDF))
    reason = "The form is not signed by the client. Upload the signed page."

    refused = staff_post(staff_client, f"{STAFF_FORMS}/{form_id}/reject", reason="  ")
    assert "Write the reason the attorney will read" in text_of(refused)
    staff_post(staff_client, f"{STAFF_FORMS}/{form_id}/reject", reason=reason)

    record = stored_forms(db)[0]
    assert (record.state, record.rejection_reason, record.reviewed_by_id) == (
        ReviewState.REJECTED, reason, staff_client.staff.id)
    assert reason not in json.dumps([event.details for event in db.scalars(select(AuditEvent))])
    for url in (DOCUMENTS, f"/attorney/documents/forms/{form_id}"):
        page = text_of(attorney_client.get(url))
        assert "Not accepted" in page and reason in page
    assert db.scalar(select(Representation)) is None
    with pytest.raises(attorney_documents.NotWaiting):
        attorney_documents.accept_form(db, record, staff_client.staff, now=utcnow())


def test_the_document_is_a_download_of_its_sniffed_type_and_each_opening_is_audited(attorney_client, staff_client,
                                                                                    db, person_id):
    form_id = uploaded_form_id(upload_form(attorney_client, PNG, filename="Lucia.pdf"))

    response = staff_client.get(f"{STAFF_FORMS}/{form_id}/document")

    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == f'attachment; filename="g28-{str(form_id)[:8]}.png"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attorney_form.document_viewed"))
    assert (event.actor_id, event.subject_id) == (str(staff_client.staff.id), str(form_id))


def test_a_viewer_may_not_review_attorneys_uploads_or_see_the_queues(app, db, attorney_client, person_id):
    form_id = uploaded_form_id(upload_form(attorney_client, PDF))
    viewer = app.test_client()
    sign_in_staff(viewer, db, StaffRole.VIEWER)

    assert viewer.get(f"{STAFF_FORMS}/{form_id}/document").status_code == 403
    assert STAFF_FORMS not in text_of(viewer.get("/staff/queues"))


def test_the_queues_page_links_the_document_queues_with_their_sizes(staff_client, attorney_client, person_id):
    upload_form(attorney_client, PDF)

    page = text_of(staff_client.get("/staff/queues"))

    assert f'<a href="{STAFF_FORMS}">Signed G-28 and EOIR-28 forms</a>' in page
    assert f'<a href="{STAFF_LISTS}">' in page and "1 waiting" in page


# Client lists


def test_a_client_list_links_only_rows_whose_a_number_and_birth_date_both_match(attorney_client, staff_client,
                                                                                db, person_id):
    second_id = add_person(db, **SECOND)
    db.commit()
    content = csv_list([["A-201-555-001", "03/15/1990"], ["201555002", "1985-07-03"], [UNKNOWN_A_NUMBER, "1990-03-15"]])

    response = upload_list(attorney_client, content)

    assert response.status_code == 303
    list_id = uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])
    assert f"{STAFF_LISTS}/{list_id}" in text_of(staff_client.get(STAFF_LISTS))
    staff_post(staff_client, f"{STAFF_LISTS}/{list_id}/match")

    db.expire_all()
    [link] = db.scalars(select(Representation))
    assert (link.person_id, link.attorney_id, link.method, link.established_by_staff_id) == (
        person_id, attorney_client.attorney.id, RepresentationMethod.BULK_MATCH, staff_client.staff.id)
    record = db.get(ClientList, list_id)
    assert (record.state, record.row_count, record.matched_count, record.unmatched_count) == (
        ClientListState.MATCHED, 3, 1, 2)
    rows = db.scalars(select(ClientListRow).order_by(ClientListRow.row_number)).all()
    assert [(row.row_number, row.outcome, row.person_id) for row in rows] == [
        (2, ClientListOutcome.LINKED, person_id), (3, ClientListOutcome.BIRTH_DATE_DIFFERS, second_id),
        (4, ClientListOutcome.NOT_IN_LIST, None)]
    assert all(row.date_of_birth is None for row in rows)  # no longer needed once matched
    staff_page = text_of(staff_client.get(f"{STAFF_LISTS}/{list_id}"))
    assert "the date of birth does not match" in staff_page and "the A-number is not in the list" in staff_page
    attorney_page = text_of(attorney_client.get(f"/attorney/documents/client-lists/{list_id}"))
    assert "1 client on this list is linked to you." in attorney_page
    assert "2 rows could not be linked." in attorney_page


def test_the_attorney_cannot_tell_why_a_row_was_not_linked(attorney_client, staff_client, db, person_id):
    """A row not in the list and a row with the wrong birth date read the same to the attorney."""
    pages = []
    for row in (["201555002", "1985-07-02"], ["A-201-555-001", "1985-07-02"]):
        list_id = upload_list(attorney_client, csv_list([row])).headers["Location"].rsplit("/", 1)[1]
        staff_post(staff_client, f"{STAFF_LISTS}/{list_id}/match")
        page = text_of(attorney_client.get(f"/attorney/documents/client-lists/{list_id}"))
        main = page[page.index("<main"):page.index("</main>")]  # the header's CSRF token changes by the second
        pages.append(re.sub(r"\d{1,2}/\d{1,2}/\d{2,4},? [\d:]+\s?[AP]?M?", "TIME", main))
    assert "1 row could not be linked." in pages[0]
    assert pages[0] == pages[1]
    assert db.scalar(select(Representation)) is None


def test_a_link_the_client_ended_is_not_revived_by_a_list(db, person_id):
    attorney, _secret = add_attorney(db)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)
    ended = Representation(attorney_id=attorney.id, person_id=person_id, method=RepresentationMethod.SHARE_CODE,
                           revoked_at=utcnow(), revoked_by="client")
    db.add(ended)
    client_list = attorney_documents.submit_client_list(db, attorney, [(2, PERSON.a_number, PERSON.date_of_birth)])

    result = attorney_documents.match_client_list(db, client_list, staff, now=utcnow())

    assert (result.linked, result.unmatched, result.outcomes) == (0, 1, {ClientListOutcome.LINK_ENDED: 1})
    assert ended.revoked_at is not None
    with pytest.raises(attorney_documents.NotWaiting):
        attorney_documents.match_client_list(db, client_list, staff, now=utcnow())


def test_row_problems_are_listed_by_row_number_without_the_cells(attorney_client, db, person_id):
    content = csv_list([["A-201-555-001", "03/15/1990"], ["12AB-ZZ", "1990-03-15"], ["201555002", "yesterday"],
                        ["201555001", "1990-03-15"]])

    page = text_of(upload_list(attorney_client, content))

    assert "3 rows have a problem. Correct the file and upload it again" in page
    found = re.findall(r"<tr><td>(\d+)</td><td><bdi>([^<]+)</bdi></td><td>([^<]+)</td></tr>", page)
    assert found == [
        ("3", "A-Number", "is not an A-number (8 or 9 digits, with or without A)"),
        ("4", "Date of Birth", "is not a date we can read (use YYYY-MM-DD or MM/DD/YYYY)"),
        ("5", "A-Number", "repeats the A-number of an earlier row"),
    ]
    assert "12AB-ZZ" not in page and "yesterday" not in page
    assert attorney_client.get(DOCUMENTS).status_code == 200
    assert db.scalar(select(ClientList)) is None


def test_an_xlsx_list_is_read_by_its_content_not_its_name(attorney_client, db, person_id):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Client list, Border Legal Aid"])
    workbook.active.append(["A#", "DOB", "Notes"])
    workbook.active.append(["A201555001", date(1990, 3, 15), "detained"])
    content = io.BytesIO()
    workbook.save(content)

    response = upload_list(attorney_client, content.getvalue(), filename="clients.csv")

    assert response.status_code == 303
    row = db.scalar(select(ClientListRow))
    assert (row.row_number, row.date_of_birth) == (3, date(1990, 3, 15))


def test_a_workbook_that_would_unzip_too_large_is_refused_before_it_is_read(attorney_client, db, monkeypatch):
    workbook = openpyxl.Workbook()
    workbook.active.append(["A-Number", "Date of Birth"])
    content = io.BytesIO()
    workbook.save(content)
    monkeypatch.setattr(attorney_documents, "MAX_XLSX_EXPANDED_BYTES", len(content.getvalue()))

    page = text_of(upload_list(attorney_client, content.getvalue(), filename="clients.xlsx"))

    assert "The file is larger than" in page
    assert db.scalar(select(ClientList)) is None


@pytest.mark.parametrize(("content", "message"), [
    (csv_list([["201555001"]], headings=("A-Number", "Name")), "We could not read this file"),
    (csv_list([]), "The list has no clients under its heading row"),
    (PDF, "We could not read this file"),
    (PNG, "We could not read this file"),  # binary: not read as text
    (b"PK\x03\x04 not really a workbook", "We could not read this file"),
    (csv_list([["201555001", "1990-03-15"], ["201555002", "1985-07-02"], ["201555003", "1985-07-02"]]),
     "The list has more than 2 rows"),
])
def test_a_list_that_cannot_be_used_is_refused_with_a_reason(app, attorney_client, db, monkeypatch, content,
                                                             message):
    monkeypatch.setitem(app.config, "CLIENT_LIST_MAX_ROWS", 2)

    page = text_of(upload_list(attorney_client, content))

    assert "There is a problem" in page and message in page
    assert db.scalar(select(ClientList)) is None


def test_a_list_needs_the_attorney_to_confirm_they_represent_everyone_on_it(attorney_client, db):
    page = text_of(upload_list(attorney_client, csv_list([["201555001", "1990-03-15"]]), confirm=False))

    assert "Confirm that you represent every person on the list" in page
    assert db.scalar(select(ClientList)) is None


def test_staff_reject_a_list_with_a_reason_and_its_rows_are_deleted(attorney_client, staff_client, db):
    response = upload_list(attorney_client, csv_list([["201555001", "1990-03-15"]]))
    list_id = response.headers["Location"].rsplit("/", 1)[1]

    staff_post(staff_client, f"{STAFF_LISTS}/{list_id}/reject", reason="Upload lists from your firm account.")

    assert db.scalar(select(ClientListRow)) is None
    page = text_of(attorney_client.get(f"/attorney/documents/client-lists/{list_id}"))
    assert "Not accepted" in page and "Upload lists from your firm account." in page


# Access and the record


def test_another_attorney_gets_404_for_your_uploads_and_does_not_see_them(app, attorney_client, db, person_id):
    form_id = uploaded_form_id(upload_form(attorney_client, PDF))
    list_url = upload_list(attorney_client, csv_list([["201555001", "1990-03-15"]])).headers["Location"]
    other = app.test_client()
    other_attorney = sign_in_attorney(other, db, firm="Another Firm LLP")

    for url in (f"/attorney/documents/forms/{form_id}", list_url, f"/attorney/documents/forms/{uuid.uuid4()}"):
        assert other.get(url).status_code == 404
    index = text_of(other.get(DOCUMENTS))
    assert str(form_id) not in index and list_url not in index
    assert "You have not uploaded a signed form." in index
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == str(other_attorney.id),
                                                   AuditEvent.action == "attorney.page_viewed")).all()
    assert [event.details["outcome"] for event in refusals].count("not_found") == 3


def test_every_step_is_audited_with_ids_and_counts_only(attorney_client, staff_client, db, person_id):
    first_line = len(LOG_COLLECTOR.lines)
    form_id = uploaded_form_id(upload_form(attorney_client, PDF))
    staff_client.get(f"{STAFF_FORMS}/{form_id}")
    staff_client.get(f"{STAFF_FORMS}/{form_id}/document")
    staff_post(staff_client, f"{STAFF_FORMS}/{form_id}/accept")
    list_id = upload_list(attorney_client, csv_list([["201555001", "1990-03-15"], ["201555002", "1985-07-02"]])
                          ).headers["Location"].rsplit("/", 1)[1]
    staff_post(staff_client, f"{STAFF_LISTS}/{list_id}/match")
    staff_client.get(f"{STAFF_LISTS}/{list_id}")

    recorded = actions(db)
    for action in ("attorney_form.submitted", "attorney_form.viewed", "attorney_form.document_viewed",
                   "attorney_form.accepted", "representation.established", "client_list.submitted",
                   "client_list.matched", "client_list.viewed"):
        assert action in recorded, action
    matched = db.scalar(select(AuditEvent).where(AuditEvent.action == "client_list.matched"))
    assert matched.details == {"rows": 2, "linked": 1, "newly_linked": 0, "unmatched": 1}
    everything = json.dumps([(event.subject_id, event.details) for event in db.scalars(select(AuditEvent))])
    log = "\n".join(LOG_COLLECTOR.lines[first_line:])
    for value in personal_values() + a_number_spellings("201555002"):
        assert value not in everything and value not in log, value
