"""People in the staff console: finding a person by their whole A-number only, through a POST
(never in an address), and reading their record; every search and view audited."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import (
    AuditEvent,
    Campaign,
    CampaignState,
    Channel,
    Notification,
    NotificationState,
    StaffRole,
    utcnow,
)
from portal.services.remedies import request_remedy
from tests.conftest import LOG_COLLECTOR
from tests.factories import add_person
from tests.pages import text_of
from tests.staff_pages import add_staff_user, enter_code, enter_password, sign_in_staff, staff_csrf_token, totp_code

SEARCH = "/staff/people"
NOT_FOUND = "/staff/people/not-found"
A_NUMBER_DIGITS = "201555001"


def sign_in_staff_step(client, _person=None) -> None:
    """A viewer signed in with both factors, for journey tables whose steps get (client,
    person) and no database (see test_hostile_input)."""
    from portal.db import session

    with client.application.app_context():
        user, secret = add_staff_user(session())
    enter_password(client, user.email)
    assert enter_code(client, totp_code(secret)).headers["Location"] == "/staff"


def search(client, a_number: str):
    return client.post(SEARCH, data={"a_number": a_number, "csrf_token": staff_csrf_token(client)})


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


@pytest.fixture
def person_id(db):
    found = add_person(db, preferred_language="es")
    request_remedy(db, found, "release_review", actor_type="person", actor_id=str(found), now=utcnow())
    db.commit()
    return found


@pytest.mark.parametrize("typed", ["A-201-555-001", "201555001", "a 201 555 001", "A201555001"])
def test_the_whole_a_number_in_any_spelling_opens_the_persons_page_by_its_id(client, db, person_id, typed):
    sign_in_staff(client, db, StaffRole.VIEWER)

    response = search(client, typed)

    assert (response.status_code, response.headers["Location"]) == (303, f"/staff/people/{person_id}")


@pytest.mark.parametrize("typed", ["A-201-555-00", "20155500", "A-201-555-002", "A-999-999-999", "101555001"])
def test_a_partial_or_wrong_a_number_finds_no_one_and_gets_the_same_page(client, db, person_id, typed):
    sign_in_staff(client, db, StaffRole.VIEWER)

    response = search(client, typed)

    assert (response.status_code, response.headers["Location"]) == (303, NOT_FOUND)
    page = text_of(client.get(NOT_FOUND))
    assert "No one in the list has this A-number" in page
    assert str(person_id) not in page and "Gutiérrez" not in page
    assert without_token(page) == without_token(text_of(client.get(NOT_FOUND)))


@pytest.mark.parametrize("typed", ["201555", "A-201", "", "Gutiérrez Morales", "2015550011"])
def test_text_that_is_not_a_whole_a_number_is_refused_and_searches_nothing(client, db, person_id, typed):
    sign_in_staff(client, db, StaffRole.VIEWER)

    response = search(client, typed)

    page = text_of(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert str(person_id) not in page
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "staff.person_searched")).all() == []


def test_the_search_form_posts_and_the_a_number_never_reaches_an_address_or_the_log(client, db, person_id):
    sign_in_staff(client, db, StaffRole.VIEWER)
    lines_before = len(LOG_COLLECTOR.lines)

    form = text_of(client.get(SEARCH))
    found, missing = search(client, "A-201-555-001"), search(client, "A-201-555-009")
    client.get(found.headers["Location"])

    assert '<form method="post" action="/staff/people"' in form
    for response in (found, missing):
        assert not re.search(r"\d{3}.?\d{3}.?\d{2,3}", response.headers["Location"].replace(str(person_id), ""))
    new_lines = "\n".join(LOG_COLLECTOR.lines[lines_before:])
    for spelling in (A_NUMBER_DIGITS, "201-555-001", "201555009"):
        assert spelling not in new_lines


def test_every_search_and_every_view_is_audited_with_ids_only(client, db, person_id):
    staff = sign_in_staff(client, db, StaffRole.VIEWER)

    search(client, "A-201-555-001")
    search(client, "A-201-555-009")
    client.get(f"/staff/people/{person_id}")

    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("staff.person_%")).order_by(AuditEvent.id))
    found = [(event.action, event.actor_type, event.actor_id, event.subject_id, event.details) for event in events]
    assert found == [
        ("staff.person_searched", "staff", str(staff.id), str(person_id), {"found": True}),
        ("staff.person_searched", "staff", str(staff.id), None, {"found": False}),
        ("staff.person_viewed", "staff", str(staff.id), str(person_id), {}),
    ]
    every_detail = json.dumps([event[4] for event in found])
    assert A_NUMBER_DIGITS not in every_detail and "201555009" not in every_detail


def add_notice(db, person_id, *, name: str, state: NotificationState, error_code: str | None = None) -> None:
    creator = add_staff_user(db, StaffRole.NOTIFIER)[0]
    campaign = Campaign(name=name, channel=Channel.SMS, templates={"en": "x"}, audience={},
                        state=CampaignState.SENDING, created_by_id=creator.id)
    db.add(campaign)
    db.flush()
    sent = utcnow() - timedelta(hours=1)
    db.add(Notification(campaign_id=campaign.id, person_id=person_id, channel=Channel.SMS, locale="es", state=state,
                        sent_at=sent, delivered_at=sent if state is NotificationState.DELIVERED else None,
                        error_code=error_code))
    db.commit()


def test_the_person_page_shows_their_whole_record_with_the_phone_masked(client, db, person_id):
    add_notice(db, person_id, name="First notice", state=NotificationState.DELIVERED)
    add_notice(db, person_id, name="Reminder", state=NotificationState.UNDELIVERABLE, error_code="30003")
    sign_in_staff(client, db, StaffRole.VIEWER)

    page = text_of(client.get(f"/staff/people/{person_id}"))

    for expected in ("Lucía Fernanda Gutiérrez Morales", "A-201-555-001", "In custody",  # who
                     "2022-11-posting", "Date of birth", "Place of detention", "Fear interview result",  # exposure
                     "Review of your detention", "Requested",  # remedies and history
                     "Text message", "Español", "••••••••••42", "Not stopped",  # contact
                     "First notice", "Delivered", "Reminder", "Cannot be delivered", "30003"):  # notices
        assert expected in page, expected
    # Stored values are shown in words, never as they are kept.
    assert "<td>Delivered</td>" in page and "<td>Text message</td>" in page
    assert ">delivered<" not in page and "undeliverable" not in page and ">sms<" not in page
    assert "+16195550142" not in page and "6195550142" not in page
    assert "2022-12-disclosure" not in page  # an incident they were not in
    assert "Work on this request" not in page  # a viewer reads only
    assert "See this request" in page


def test_a_caseworker_is_offered_the_remedy_request_to_work_on(client, db, person_id):
    sign_in_staff(client, db, StaffRole.CASEWORKER)

    page = text_of(client.get(f"/staff/people/{person_id}"))

    assert "Work on this request" in page


def test_an_unknown_person_is_not_found_and_nothing_is_audited(client, db):
    sign_in_staff(client, db, StaffRole.VIEWER)

    assert client.get(f"/staff/people/{uuid.uuid4()}").status_code == 404
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "staff.person_viewed")).all() == []


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_role_may_search_for_people(client, db, person_id, role):
    sign_in_staff(client, db, role)

    assert search(client, "A-201-555-001").headers["Location"] == f"/staff/people/{person_id}"
