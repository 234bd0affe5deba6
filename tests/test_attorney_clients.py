"""A verified attorney's dashboard and client pages: the live clients at a glance (A-numbers
masked but for the last three digits), filters that work as a plain GET form, pages; and,
for one client, what the client sees and does, each action recorded with the attorney as
the actor and the person as the subject."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import (
    AuditEvent,
    ContactChannel,
    ContactPreference,
    CustodyStatus,
    PersonRemedy,
    Remedy,
    RemedyEvent,
    RemedyStatus,
    Representation,
    utcnow,
)
from portal.security.a_numbers import masked_a_number
from portal.services.attorney_clients import ClientFilters, client_page
from portal.services.audit import verify_chain
from tests.attorney_pages import HOME, add_attorney, attorney_csrf_token, link, sign_in_attorney
from tests.factories import PERSON, add_person
from tests.pages import csrf_token, text_of


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": attorney_csrf_token(client)})


def attorney_events(db, attorney, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                    AuditEvent.actor_id == str(attorney.id))))


def remedy_status(db, person_id, code: str) -> RemedyStatus:
    db.expire_all()
    return db.scalar(select(PersonRemedy.status).join(Remedy).where(PersonRemedy.person_id == person_id,
                                                                    Remedy.code == code))


def set_remedy(db, person_id, code: str, status: RemedyStatus) -> None:
    record = db.scalar(select(PersonRemedy).join(Remedy).where(PersonRemedy.person_id == person_id,
                                                               Remedy.code == code))
    record.status = status
    db.commit()


# The dashboard


def test_mask_a_number_shows_only_the_last_three_digits():
    assert masked_a_number("201555001") == "A-•••-•••-001"
    assert masked_a_number("20155500") == "A-•••-•••-500"


def test_the_dashboard_lists_live_clients_with_exposure_and_remedies_and_masked_a_numbers(client, db):
    attorney = sign_in_attorney(client, db)
    mine = add_person(db)
    link(db, attorney, mine)
    revoked = link(db, attorney, add_person(db, a_number="201555777", last_name="Revokedname"))
    revoked.revoked_at = utcnow()
    other, _secret = add_attorney(db)
    link(db, other, add_person(db, a_number="201555888", last_name="Othername"))
    db.commit()

    page = text_of(client.get(HOME))

    assert PERSON.last_name in page and "A-•••-•••-001" in page
    assert "201555001" not in page and "201-555-001" not in page
    assert "Revokedname" not in page and "Othername" not in page
    assert "In custody" in page and "Review of your detention" in page and "Can ask" in page
    assert "Fear interview result" in page  # what the 2022 posting showed
    assert "1 client." in page


def test_the_filters_are_a_plain_get_form_that_narrows_the_list(client, db):
    attorney = sign_in_attorney(client, db)
    held = add_person(db, a_number="201555301", last_name="Heldname")
    released = add_person(db, a_number="201555302", last_name="Releasedname", custody_status=CustodyStatus.RELEASED)
    for person_id in (held, released):
        link(db, attorney, person_id)
    set_remedy(db, held, "release_review", RemedyStatus.REQUESTED)

    page = text_of(client.get(HOME))
    assert '<form method="get" action="/attorney"' in page and 'name="custody"' in page

    def names(**filters) -> set[str]:
        listed = text_of(client.get(HOME, query_string=filters))
        return {name for name in ("Heldname", "Releasedname") if name in listed}

    assert names(custody="released") == {"Releasedname"}
    assert names(remedy_status="requested") == {"Heldname"}
    assert names(requested="yes") == {"Heldname"}
    assert names(requested="no") == {"Releasedname"}
    assert names(remedy_status="requested", custody="released") == set()
    assert names(custody="not-a-status") == {"Heldname", "Releasedname"}  # an unknown value means "any"


def test_the_list_comes_a_page_at_a_time_newest_link_first(db):
    attorney, _secret = add_attorney(db)
    people = [add_person(db, a_number=f"20155540{n}") for n in range(5)]
    for person_id in people:
        link(db, attorney, person_id)

    first = client_page(db, attorney, ClientFilters(), page=1, per_page=2)
    last = client_page(db, attorney, ClientFilters(), page=3, per_page=2)
    beyond = client_page(db, attorney, ClientFilters(), page=99, per_page=2)

    assert (first.total, first.pages, len(first.clients), len(last.clients)) == (5, 3, 2, 1)
    assert [client.person.id for client in first.clients] == people[:-3:-1]
    assert beyond.page == 3


def test_the_next_page_link_keeps_the_filters(client, db, monkeypatch):
    monkeypatch.setattr("portal.services.attorney_clients.CLIENTS_PER_PAGE", 1)
    attorney = sign_in_attorney(client, db)
    for n in range(2):
        link(db, attorney, add_person(db, a_number=f"20155550{n}"))

    page = text_of(client.get(HOME, query_string={"custody": "in_custody"}))

    assert "Page 1 of 2." in page
    assert 'href="/attorney?custody=in_custody&amp;page=2"' in page


def test_an_unverified_account_lists_nobody_even_if_linked(db):
    attorney, _secret = add_attorney(db, verified=False)
    link(db, attorney, add_person(db))

    assert client_page(db, attorney, ClientFilters()).total == 0


# One client


def client_url(person_id, path: str = "") -> str:
    return f"/attorney/clients/{person_id}{path}"


def signed_in_with_client(client, db):
    attorney = sign_in_attorney(client, db)
    person_id = add_person(db)
    link(db, attorney, person_id)
    return attorney, person_id


def test_the_client_page_shows_what_was_made_public_and_every_remedy(client, db):
    _attorney, person_id = signed_in_with_client(client, db)

    page = text_of(client.get(client_url(person_id)))

    assert PERSON.first_name in page and "A-•••-•••-001" in page and "201555001" not in page
    assert "the agency put a file on its website by mistake" in page
    assert "Place of detention" in page and "Fear interview result" in page
    assert "Review of your detention" in page and "Help to come back" in page and "Does not apply" in page


def test_an_attorney_asks_for_a_remedy_for_their_client_and_it_is_on_the_record_as_theirs(client, db):
    attorney, person_id = signed_in_with_client(client, db)
    url = client_url(person_id, "/remedies/release_review")
    assert "Ask for this for your client" in text_of(client.get(url))

    response = client.post(url, data={"csrf_token": csrf_token(text_of(client.get(url)))})

    assert (response.status_code, response.headers["Location"]) == (303, url)
    assert remedy_status(db, person_id, "release_review") is RemedyStatus.REQUESTED
    step = db.scalar(select(RemedyEvent).where(RemedyEvent.status == RemedyStatus.REQUESTED))
    assert (step.actor_type, step.actor_id) == ("attorney", str(attorney.id))
    [event] = attorney_events(db, attorney, "remedy.requested")
    assert (event.actor_type, event.subject_type, event.subject_id) == ("attorney", "person", str(person_id))
    assert "Requested" in text_of(client.get(url)) and "Ask for this for your client" not in text_of(client.get(url))


def test_asking_twice_or_for_a_remedy_that_does_not_apply_changes_nothing(client, db):
    attorney, person_id = signed_in_with_client(client, db)
    post(client, client_url(person_id, "/remedies/release_review"))

    post(client, client_url(person_id, "/remedies/release_review"))
    post(client, client_url(person_id, "/remedies/return_assistance"))

    assert len(attorney_events(db, attorney, "remedy.requested")) == 1
    assert client.get(client_url(person_id, "/remedies/no-such-remedy")).status_code == 404


def test_an_attorney_has_notices_sent_through_them(client, db):
    attorney, person_id = signed_in_with_client(client, db)

    response = post(client, client_url(person_id, "/contact/through-me"))

    assert response.headers["Location"] == client_url(person_id, "/contact")
    db.expire_all()
    preference = db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))
    assert preference.channel is ContactChannel.ATTORNEY
    [event] = attorney_events(db, attorney, "attorney.contact_changed")
    assert (event.subject_id, event.details) == (str(person_id), {"change": "channel", "channel": "attorney"})
    [change] = attorney_events(db, attorney, "contact.attorney_chosen")  # on record as the attorney's act
    assert change.actor_type == "attorney"
    assert "Through their lawyer" in text_of(client.get(client_url(person_id, "/contact")))


def test_an_attorney_changes_the_language_and_stops_texts(client, db):
    attorney, person_id = signed_in_with_client(client, db)

    post(client, client_url(person_id, "/contact/language"), language="es")
    post(client, client_url(person_id, "/contact/stop-texts"))

    db.expire_all()
    preference = db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))
    assert (preference.language, preference.opted_out_at is not None) == ("es", True)
    assert [event.details["change"] for event in attorney_events(db, attorney, "attorney.contact_changed")] == [
        "language", "sms_stopped"]


def test_a_language_that_is_not_offered_is_refused_on_the_page(client, db):
    _attorney, person_id = signed_in_with_client(client, db)

    response = post(client, client_url(person_id, "/contact/language"), language="xx")

    assert response.status_code == 200 and "Choose one of the options" in text_of(response)


def test_an_attorney_gets_a_confirmation_letter_for_court_as_a_pdf(client, db):
    attorney, person_id = signed_in_with_client(client, db)

    response = post(client, client_url(person_id, "/letter"))
    download = client.get(response.headers["Location"])

    assert response.headers["Location"] == client_url(person_id, "/letter/download")
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "no-store"
    [issued] = attorney_events(db, attorney, "letter.issued")
    [downloaded] = attorney_events(db, attorney, "letter.downloaded")
    assert issued.subject_id == downloaded.subject_id == str(person_id)


def test_the_letter_download_without_a_letter_goes_to_the_letter_page(client, db):
    _attorney, person_id = signed_in_with_client(client, db)

    assert client.get(client_url(person_id, "/letter/download")).headers["Location"] == client_url(person_id,
                                                                                                  "/letter")


def test_actions_need_the_forms_token(client, db):
    _attorney, person_id = signed_in_with_client(client, db)

    response = client.post(client_url(person_id, "/remedies/release_review"), data={})

    assert response.status_code in (200, 400)
    assert remedy_status(db, person_id, "release_review") is RemedyStatus.ELIGIBLE


def test_after_the_actions_flask_audit_verify_passes(client, db, runner):
    attorney, person_id = signed_in_with_client(client, db)
    post(client, client_url(person_id, "/remedies/release_review"))
    post(client, client_url(person_id, "/contact/through-me"))
    post(client, client_url(person_id, "/letter"))

    assert verify_chain(db).ok
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert db.scalar(select(Representation.attorney_id).where(Representation.person_id == person_id)) == attorney.id
