"""A campaign's audience from an uploaded list of A-numbers: the check page that reports every
bad, unknown and repeated row by number (and never the A-number), the confirmation without
which nothing goes further, files refused for their kind or size, and a campaign that
reaches exactly the people on its list."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

import openpyxl
import pytest
from flask_babel import LazyString
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.models import AuditEvent, Campaign, CampaignState, Channel, Notification, StaffRole
from portal.services import audience_lists, campaigns
from tests.conftest import LOG_COLLECTOR
from tests.factories import PERSON, add_person
from tests.pages import csrf_token, text_of
from tests.personal_data import a_number_spellings
from tests.staff_pages import sign_in_staff
from tests.test_staff_campaigns import (
    SECOND_PERSON,
    campaign_count,
    campaign_id_from,
    new_campaign_fields,
    post,
    send_everything,
)

THIRD_PERSON = {"a_number": "201555003", "last_name": "Rojas", "first_name": "Mateo", "phone": "+16195550199",
                "preferred_language": "es"}
UNKNOWN_A_NUMBER = "987654321"
A_NUMBERS = [PERSON.a_number, SECOND_PERSON["a_number"], THIRD_PERSON["a_number"], UNKNOWN_A_NUMBER]


@pytest.fixture
def people(db) -> dict[str, uuid.UUID]:
    """Three people who chose text messages: A-number → id."""
    ids = {PERSON.a_number: add_person(db), SECOND_PERSON["a_number"]: add_person(db, **SECOND_PERSON),
           THIRD_PERSON["a_number"]: add_person(db, **THIRD_PERSON)}
    db.commit()
    return ids


def csv_file(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_file(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row, start=1):
            if value is not None:
                workbook.active.cell(row=row_number, column=column_number, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post_multipart(client, url: str, fields: dict[str, object], content: bytes, filename: str):
    """POST a form with a file as a browser does. Encoded here, in memory: the test client's
    own encoder leaves a temporary file open for bodies over 500 kB."""
    upload = FileStorage(io.BytesIO(content), filename=filename, content_type="application/octet-stream")
    boundary, body = encode_multipart({**fields, "a_number_list": upload})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def post_new_campaign_with_list(client, content: bytes, filename: str = "list.csv", **changes):
    token = csrf_token(text_of(client.get("/staff/campaigns/new")))
    return post_multipart(client, "/staff/campaigns/new", {**new_campaign_fields(**changes), "csrf_token": token},
                          content, filename)


def upload_another(client, campaign_id: uuid.UUID, content: bytes, filename: str = "list.csv"):
    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    return post_multipart(client, f"/staff/campaigns/{campaign_id}/a-number-list/upload",
                          {"csrf_token": csrf_token(page)}, content, filename)


def checked_campaign(client, content: bytes, filename: str = "list.csv", **changes) -> uuid.UUID:
    """A draft made with a list: the upload leads to the check page, nowhere else."""
    response = post_new_campaign_with_list(client, content, filename, **changes)
    assert response.status_code == 302, text_of(response)
    found = re.fullmatch(r"/staff/campaigns/([0-9a-f-]{36})/a-number-list", response.headers["Location"])
    assert found, response.headers["Location"]
    return uuid.UUID(found.group(1))


def problem_rows(page: str) -> list[tuple[str, str]]:
    """(row, reason) of each line of the check page's table of rows left out."""
    return [(row, re.sub(r"\s+", " ", reason).strip()) for row, reason in
            re.findall(r'<th scope="row" class="numeric">(.*?)</th>\s*<td>(.*?)</td>', page, re.DOTALL)]


def summary(page: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>(Rows read|People accepted|Rows left out)</dt><dd>([^<]*)</dd>", page))


def accepted_people(db, campaign_id: uuid.UUID) -> set[uuid.UUID]:
    campaign = db.get(Campaign, campaign_id)
    query = select(Notification.person_id).where(Notification.campaign_id == campaign.id)
    return set(db.scalars(query))


def assert_no_a_number_in(text: str) -> None:
    spellings = [spelling for digits in A_NUMBERS for spelling in a_number_spellings(digits)]
    assert [spelling for spelling in spellings if spelling in text] == []


def confirm(client, campaign_id: uuid.UUID, **fields):
    return post(client, f"/staff/campaigns/{campaign_id}/a-number-list/confirm", **fields)


# The check page


def test_the_check_page_lists_every_bad_unknown_and_repeated_row_by_number_and_never_the_a_number(
        client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    upload = csv_file("A-Number,Note",
                      "A-201-555-001,first",       # row 2: accepted
                      "not a number,bad",          # row 3
                      ",no number",                # row 4
                      UNKNOWN_A_NUMBER,            # row 5: nobody has it
                      "201555001",                 # row 6: row 2 again, spelt another way
                      "",                          # row 7: blank, skipped
                      "201 555 002")               # row 8: accepted

    campaign_id = checked_campaign(client, upload)

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert summary(page) == {"Rows read": "6", "People accepted": "2", "Rows left out": "4"}
    assert problem_rows(page) == [
        ("3", "Not an A-number: it needs 8 or 9 digits, with or without an A in front"),
        ("4", "No A-number in this row"),
        ("5", "Nobody in the affected list has this A-number"),
        ("6", "The same A-number as row 2: counted once"),
    ]
    assert_no_a_number_in(page)
    audience = db.get(Campaign, campaign_id).audience
    assert len(audience["a_number_indexes"]) == 2
    assert audience["a_number_list"]["confirmed"] is False
    assert_no_a_number_in(json.dumps(audience))


def test_an_xlsx_list_is_read_from_the_column_headed_like_an_a_number_with_spreadsheet_row_numbers(
        client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    upload = xlsx_file([["Name", "Alien Number"],
                        ["someone", 201555001],      # row 2: a number cell, not text
                        [None, None],                 # row 3: blank
                        ["someone else", "A201555003"],  # row 4
                        ["a third", 201555001.0],    # row 5: row 2 again, as Excel's float
                        ["a fourth", "12-34"]])      # row 6

    campaign_id = checked_campaign(client, upload, filename="People.XLSX")

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert summary(page) == {"Rows read": "4", "People accepted": "2", "Rows left out": "2"}
    assert problem_rows(page) == [
        ("5", "The same A-number as row 2: counted once"),
        ("6", "Not an A-number: it needs 8 or 9 digits, with or without an A in front"),
    ]


def test_without_an_a_number_heading_the_first_column_is_read_from_the_first_row(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    upload = xlsx_file([[201555002, "x"], ["A-201-555-003", "y"], ["Names", "z"]])

    campaign_id = checked_campaign(client, upload, filename="list.xlsx")

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert summary(page) == {"Rows read": "3", "People accepted": "2", "Rows left out": "1"}
    assert problem_rows(page) == [("3", "Not an A-number: it needs 8 or 9 digits, with or without an A in front")]


def test_a_repeated_person_counts_once_and_consecutive_rows_with_one_reason_share_a_line(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    upload = csv_file("201555001", "A201555001", "A-201-555-001", "wrong", "wrong", "wrong", "201555002")

    campaign_id = checked_campaign(client, upload)

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert summary(page) == {"Rows read": "7", "People accepted": "2", "Rows left out": "5"}
    assert problem_rows(page) == [
        ("2 to 3", "The same A-number as row 1: counted once"),
        ("4 to 6", "Not an A-number: it needs 8 or 9 digits, with or without an A in front"),
    ]


# Going further


def test_nothing_goes_further_until_the_notifier_confirms_the_rows_left_out(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file("A-Number", PERSON.a_number, "nonsense"))

    campaign_page = text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    assert "check the list of A-numbers it was given" in campaign_page
    assert f'action="/staff/campaigns/{campaign_id}/submit"' not in campaign_page
    refused = post(client, f"/staff/campaigns/{campaign_id}/submit")
    assert refused.status_code == 200
    assert "Check the list of A-numbers before you send the campaign for approval." in text_of(refused)

    unconfirmed = confirm(client, campaign_id)
    assert unconfirmed.status_code == 200
    assert "Confirm that the rows listed will be left out" in text_of(unconfirmed)
    db.expire_all()
    assert audience_lists.waiting_for_check(db.get(Campaign, campaign_id).audience)

    assert confirm(client, campaign_id, leave_out_problems="y").headers["Location"] == f"/staff/campaigns/{campaign_id}"
    assert "1 person accepted, 1 row left out" in text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 302
    db.expire_all()
    assert db.get(Campaign, campaign_id).state is CampaignState.SUBMITTED


def test_a_list_with_no_problem_needs_only_the_button(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file(PERSON.a_number, THIRD_PERSON["a_number"]))

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert "Every row was accepted." in page and 'name="leave_out_problems"' not in page

    assert confirm(client, campaign_id).status_code == 302
    db.expire_all()
    assert not audience_lists.waiting_for_check(db.get(Campaign, campaign_id).audience)


def test_a_list_where_every_row_is_bad_can_go_nowhere_and_reaches_nobody(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file("A-Number", UNKNOWN_A_NUMBER, "bad"))

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert "No row of this list can be used" in page
    assert "/a-number-list/confirm" not in page
    refused = confirm(client, campaign_id, leave_out_problems="y")
    assert "No row of the list can be used. Upload a corrected list." in text_of(refused)
    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 200
    db.expire_all()
    campaign = db.get(Campaign, campaign_id)
    assert campaign.state is CampaignState.DRAFT
    assert campaign.audience["a_number_indexes"] == []
    # An empty list is not "no filter": it must never turn into everybody.
    assert campaigns.audience_counts(db, campaign.audience, Channel.SMS) == {}
    campaign_page = text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    assert "Nobody in the audience can get a text message now." in campaign_page


def test_another_list_replaces_the_first_and_needs_its_own_check(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file(PERSON.a_number))
    assert confirm(client, campaign_id).status_code == 302

    replaced = upload_another(client, campaign_id, csv_file(SECOND_PERSON["a_number"], THIRD_PERSON["a_number"], "x"))

    assert replaced.headers["Location"] == f"/staff/campaigns/{campaign_id}/a-number-list"
    db.expire_all()
    audience = db.get(Campaign, campaign_id).audience
    assert len(audience["a_number_indexes"]) == 2
    assert audience_lists.waiting_for_check(audience)
    assert summary(text_of(client.get(f"/staff/campaigns/{campaign_id}/a-number-list")))["Rows left out"] == "1"


def test_a_draft_made_without_a_list_can_be_given_one(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    token = csrf_token(text_of(client.get("/staff/campaigns/new")))
    campaign_id = campaign_id_from(client.post("/staff/campaigns/new",
                                               data={**new_campaign_fields(), "csrf_token": token}))
    assert "Choose the people from a list of A-numbers" in text_of(client.get(f"/staff/campaigns/{campaign_id}"))

    assert upload_another(client, campaign_id, csv_file(PERSON.a_number)).status_code == 302

    db.expire_all()
    assert audience_lists.waiting_for_check(db.get(Campaign, campaign_id).audience)


def test_once_submitted_the_list_can_be_seen_but_not_changed(app, client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file(PERSON.a_number, "bad"))
    confirm(client, campaign_id, leave_out_problems="y")
    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 302

    refused = upload_another(client, campaign_id, csv_file(SECOND_PERSON["a_number"]))

    assert "This campaign can no longer be changed this way." in text_of(refused)
    db.expire_all()
    assert len(db.get(Campaign, campaign_id).audience["a_number_indexes"]) == 1
    approver = app.test_client()
    sign_in_staff(approver, db, StaffRole.APPROVER)
    seen = text_of(approver.get(f"/staff/campaigns/{campaign_id}/a-number-list"))
    assert summary(seen) == {"Rows read": "2", "People accepted": "1", "Rows left out": "1"}
    assert "/a-number-list/upload" not in seen and "/a-number-list/confirm" not in seen


# Files refused


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("list.txt", csv_file(PERSON.a_number), "Upload a .csv or .xlsx file"),
    ("list.xlsx", csv_file(PERSON.a_number), "Upload a .csv or .xlsx file"),  # text named .xlsx
    ("list.csv", xlsx_file([[PERSON.a_number]]), "Upload a .csv or .xlsx file"),  # a workbook named .csv
    ("list.csv", b"201555001\x00\x01\x02", "Upload a .csv or .xlsx file"),  # binary
    ("list.csv", "Señora,201555001\n".encode("latin-1"), "Save the .csv file as UTF-8 text and upload it again"),
    ("list.xlsx", b"PK\x03\x04 not really a workbook", "The file could not be read."),
    ("list.csv", b"", "The file is empty"),
    ("list.csv", b"A-Number\n\n,\n", "The file has no A-numbers in it"),
    ("list.csv", b"1" * (audience_lists.MAX_BYTES + 1), "The file must be 5 MB or smaller"),
    ("list.csv", csv_file(*["201555001"] * (audience_lists.MAX_ROWS + 1)), "The list must have 50,000 rows or fewer"),
])
def test_a_file_of_the_wrong_kind_or_size_is_refused_and_nothing_is_saved(client, db, people, filename, content,
                                                                         message):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign_with_list(client, content, filename)

    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert 'href="#a_number_list"' in page  # in the error summary, linked to the field
    assert campaign_count(db) == 0


def test_each_refusal_is_a_sentence_from_the_message_catalogue(app):
    refusals = [("list.txt", b"x"), ("list.csv", b""), ("list.csv", b"\xff\xfe"), ("list.xlsx", b"PK\x03\x04")]
    for filename, content in refusals:
        with app.test_request_context(), pytest.raises(audience_lists.UnreadableList) as refused:
            audience_lists.read_list(filename, io.BytesIO(content))
        assert isinstance(refused.value.reason, LazyString), filename


def test_a_refused_replacement_keeps_the_list_the_draft_had(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file(PERSON.a_number))
    before = db.get(Campaign, campaign_id).audience

    refused = upload_another(client, campaign_id, b"\x89PNG\r\n", filename="photo.png")
    missing = post(client, f"/staff/campaigns/{campaign_id}/a-number-list/upload")

    assert "Upload a .csv or .xlsx file" in text_of(refused)
    assert "Choose a .csv or .xlsx file to upload" in text_of(missing)
    db.expire_all()
    assert db.get(Campaign, campaign_id).audience == before


def test_a_workbook_that_unpacks_to_far_more_than_a_list_is_refused(client, db, people, monkeypatch):
    workbook = xlsx_file([[PERSON.a_number]])
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    monkeypatch.setattr(audience_lists, "MAX_UNPACKED_BYTES", unpacked - 1)
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign_with_list(client, workbook, "list.xlsx")

    assert "The file could not be read." in text_of(response)
    assert campaign_count(db) == 0
    monkeypatch.setattr(audience_lists, "MAX_UNPACKED_BYTES", unpacked)
    assert post_new_campaign_with_list(client, workbook, "list.xlsx").status_code == 302


def test_when_another_answer_is_refused_the_notifier_is_told_to_choose_the_file_again(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign_with_list(client, csv_file(PERSON.a_number), text_en="")

    page = text_of(response)
    assert "Write the English text" in page
    assert "Choose the list of A-numbers again" in page
    assert campaign_count(db) == 0


# The people it reaches


def test_live_counts_follow_the_list_combined_with_the_other_filters(client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    listed = csv_file(PERSON.a_number, THIRD_PERSON["a_number"])

    everyone_listed = checked_campaign(client, listed)
    spanish_listed = checked_campaign(client, listed, languages=["es"])

    page = text_of(client.get(f"/staff/campaigns/{everyone_listed}"))
    assert re.search(r"English</th>\s*<td class=\"numeric\">1</td>", page)
    assert re.search(r"Spanish</th>\s*<td class=\"numeric\">1</td>", page)  # the second person is not listed
    page = text_of(client.get(f"/staff/campaigns/{spanish_listed}"))
    assert "English</th>" not in page
    assert re.search(r"Spanish</th>\s*<td class=\"numeric\">1</td>", page)


def test_an_approved_campaign_writes_notifications_only_for_the_people_on_its_list(app, client, db, people):
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file("A-Number", PERSON.a_number, THIRD_PERSON["a_number"],
                                                    UNKNOWN_A_NUMBER))
    assert confirm(client, campaign_id, leave_out_problems="y").status_code == 302
    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 302
    approver = app.test_client()
    sign_in_staff(approver, db, StaffRole.APPROVER)
    assert post(approver, f"/staff/campaigns/{campaign_id}/decision", decision="approve").status_code == 302

    send_everything(db)

    assert accepted_people(db, campaign_id) == {people[PERSON.a_number], people[THIRD_PERSON["a_number"]]}
    assert db.scalar(select(func.count()).select_from(Notification)) == 2


# Personal data


def test_the_upload_is_audited_with_counts_and_no_a_number_reaches_the_audit_log_or_the_log(client, db, people):
    first_line = len(LOG_COLLECTOR.lines)
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign_id = checked_campaign(client, csv_file(PERSON.a_number, "A-201-555-002", UNKNOWN_A_NUMBER, "x",
                                                    PERSON.a_number))
    confirm(client, campaign_id, leave_out_problems="y")
    upload_another(client, campaign_id, b"junk", filename="list.xlsx")

    events = db.scalars(select(AuditEvent).where(AuditEvent.subject_id == str(campaign_id))
                        .order_by(AuditEvent.id)).all()
    by_action = {event.action: event.details for event in events}
    assert by_action["campaign.a_number_list_checked"] == {
        "file_type": "csv", "rows_read": 5, "accepted": 2, "missing": 0, "invalid": 1, "unknown": 1, "duplicate": 1}
    assert by_action["campaign.a_number_list_confirmed"] == {"accepted": 2, "rows_left_out": 3}
    assert_no_a_number_in(json.dumps([event.details for event in events]))
    assert_no_a_number_in("\n".join(LOG_COLLECTOR.lines[first_line:]))

