"""Staff verify or reject an attorney from the queue. Verifying links the attorney, at once, to
every person the agency's list names them for as attorney of record (by EOIR ID or bar
number), recorded as established by the verifying staff member; rejecting needs a reason,
which the attorney reads. Both are on the record."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from portal.models import (
    Attorney,
    AttorneyStatus,
    AuditEvent,
    QueueKind,
    Representation,
    RepresentationMethod,
    StaffRole,
)
from portal.services.attorneys import NotPending, ReasonMissing, reject_attorney, verify_attorney
from portal.services.audit import verify_chain
from portal.services.queues import queue_entries
from tests.attorney_pages import HOME, add_attorney, link, sign_in_as
from tests.factories import PERSON, add_person
from tests.pages import text_of
from tests.staff_pages import add_staff_user, sign_in_staff, staff_csrf_token

EOIR_ID = "ZZ-765432"
BAR_NUMBER = "287654"


def representations(db, attorney) -> list[Representation]:
    db.expire_all()
    return list(db.scalars(select(Representation).where(Representation.attorney_id == attorney.id)
                           .order_by(Representation.established_at)))


def people_of_record(db) -> dict[str, uuid.UUID]:
    """Four people: named for the EOIR ID (spelt differently), for the bar number, for
    someone else, and for no one."""
    return {
        "by_eoir_id": add_person(db, a_number="201555101", attorney_identifier="zz765432"),
        "by_bar_number": add_person(db, a_number="201555102", attorney_identifier="287 654"),
        "someone_else": add_person(db, a_number="201555103", attorney_identifier="XY000001"),
        "no_one": add_person(db, a_number="201555104"),
    }


def pending(db, **identifiers) -> Attorney:
    attorney, _secret = add_attorney(db, verified=False, **identifiers)
    return attorney


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": staff_csrf_token(client)})


# The service


def test_verifying_links_the_people_the_list_names_by_eoir_id_or_bar_number(db):
    people = people_of_record(db)
    attorney = pending(db, eoir_id=EOIR_ID, bar_jurisdiction="California", bar_number=BAR_NUMBER)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)

    linked = verify_attorney(db, attorney, staff)

    found = representations(db, attorney)
    assert linked == 2
    assert {rep.person_id for rep in found} == {people["by_eoir_id"], people["by_bar_number"]}
    assert {(rep.method, rep.established_by_staff_id, rep.revoked_at) for rep in found} == {
        (RepresentationMethod.ATTORNEY_OF_RECORD, staff.id, None)}


def test_each_automatic_link_is_recorded_with_the_staff_member_and_ids_only(db):
    people = people_of_record(db)
    attorney = pending(db, eoir_id=EOIR_ID)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)

    verify_attorney(db, attorney, staff)

    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "representation.established")))
    assert [(event.actor_type, event.actor_id, event.subject_id, event.details) for event in events] == [
        ("staff", str(staff.id), str(people["by_eoir_id"]),
         {"attorney": str(attorney.id), "method": "attorney_of_record"})]


def test_an_attorney_without_identifiers_is_linked_to_no_one(db):
    people_of_record(db)
    attorney = pending(db)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)

    assert verify_attorney(db, attorney, staff) == 0
    assert representations(db, attorney) == []


def test_a_client_who_revoked_the_link_is_not_linked_again(db):
    people = people_of_record(db)
    attorney = pending(db, eoir_id=EOIR_ID)
    revoked = link(db, attorney, people["by_eoir_id"])
    revoked.revoked_at, revoked.revoked_by = revoked.established_at, "client"
    db.commit()
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)

    assert verify_attorney(db, attorney, staff) == 0
    assert [rep.revoked_at is not None for rep in representations(db, attorney)] == [True]


def test_rejecting_needs_a_reason_and_only_a_pending_account(db):
    attorney = pending(db, eoir_id=EOIR_ID)
    staff, _secret = add_staff_user(db, StaffRole.CASEWORKER)

    with pytest.raises(ReasonMissing):
        reject_attorney(db, attorney, staff, reason="   ")
    reject_attorney(db, attorney, staff, reason=" The EOIR ID is another attorney's. ")
    assert (attorney.status, attorney.status_reason) == (AttorneyStatus.REJECTED, "The EOIR ID is another attorney's.")
    with pytest.raises(NotPending):
        reject_attorney(db, attorney, staff, reason="again")


# The queue


def test_the_queue_item_shows_how_many_people_verifying_would_link(client, db):
    people_of_record(db)
    attorney = pending(db, eoir_id=EOIR_ID, bar_jurisdiction="California", bar_number=BAR_NUMBER, firm="Border Law")
    sign_in_staff(client, db, StaffRole.VIEWER)

    page = text_of(client.get(f"/staff/queues/attorneys/{attorney.id}"))

    assert "1 people by EOIR ID, 1 by bar number" in page
    assert "Border Law" in page
    assert PERSON.last_name not in page


def test_a_caseworker_verifies_from_the_queue_and_the_attorney_sees_their_clients(app, client, db):
    people = people_of_record(db)
    attorney, secret = add_attorney(db, verified=False, eoir_id=EOIR_ID)
    staff = sign_in_staff(client, db, StaffRole.CASEWORKER)

    response = post(client, f"/staff/queues/attorneys/{attorney.id}/verify")

    assert response.status_code == 303
    assert "1 person in the list is now linked" in text_of(client.get(response.headers["Location"]))
    [representation] = representations(db, attorney)
    assert (representation.person_id, representation.established_by_staff_id) == (people["by_eoir_id"], staff.id)
    lawyer = app.test_client()
    sign_in_as(lawyer, attorney, secret)
    dashboard = text_of(lawyer.get(HOME))
    assert PERSON.first_name in dashboard and "A-•••-•••-101" in dashboard
    assert verify_chain(db).ok


def test_a_caseworker_rejects_with_a_reason_the_attorney_reads(app, client, db):
    attorney, secret = add_attorney(db, verified=False, eoir_id=EOIR_ID)
    sign_in_staff(client, db, StaffRole.CASEWORKER)

    post(client, f"/staff/queues/attorneys/{attorney.id}/reject", reason="The EOIR ID belongs to another attorney.")

    db.expire_all()
    assert db.get(Attorney, attorney.id).status is AttorneyStatus.REJECTED
    assert queue_entries(db, QueueKind.ATTORNEYS) == []
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "attorney.rejected"))
    assert event.subject_id == str(attorney.id) and "another attorney" not in str(event.details)
    lawyer = app.test_client()
    sign_in_as(lawyer, attorney, secret)
    assert "The EOIR ID belongs to another attorney." in text_of(lawyer.get("/attorney/account"))


def test_a_rejection_without_a_reason_is_refused_and_explained(client, db):
    attorney = pending(db, eoir_id=EOIR_ID)
    sign_in_staff(client, db, StaffRole.CASEWORKER)

    response = post(client, f"/staff/queues/attorneys/{attorney.id}/reject", reason=" ")

    assert response.status_code == 200 and "Give a reason the attorney can read" in text_of(response)
    db.expire_all()
    assert db.get(Attorney, attorney.id).status is AttorneyStatus.PENDING


def test_a_viewer_can_neither_verify_nor_reject(client, db):
    attorney = pending(db, eoir_id=EOIR_ID)
    sign_in_staff(client, db, StaffRole.VIEWER)

    assert post(client, f"/staff/queues/attorneys/{attorney.id}/verify").status_code == 403
    assert post(client, f"/staff/queues/attorneys/{attorney.id}/reject", reason="no").status_code == 403
    db.expire_all()
    assert db.get(Attorney, attorney.id).status is AttorneyStatus.PENDING


def test_a_pending_attorney_sees_no_client_until_verified(app, client, db):
    people = people_of_record(db)
    attorney, secret = add_attorney(db, verified=False, eoir_id=EOIR_ID)
    lawyer = app.test_client()
    sign_in_as(lawyer, attorney, secret)

    assert lawyer.get(HOME).headers["Location"] == "/attorney/account"
    assert lawyer.get(f"/attorney/clients/{people['by_eoir_id']}").headers["Location"] == "/attorney/account"

    sign_in_staff(client, db, StaffRole.CASEWORKER)
    post(client, f"/staff/queues/attorneys/{attorney.id}/verify")

    assert lawyer.get(f"/attorney/clients/{people['by_eoir_id']}").status_code == 200
