"""Every route of the attorney pages, found in the app's URL map (so routes added later are
checked too): none opens without both factors; an account staff have not verified reaches
no client; a person who is not the attorney's live client is "not found" (404, never 403)
on every route that takes a person's id, whoever they are linked to, and at once after the
client revokes the link; and every view a signed-in attorney opens is in the audit log."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import FloatConverter, IntegerConverter, Rule, UUIDConverter
from werkzeug.routing.converters import AnyConverter

from portal.logging_setup import REQUEST_ID_HEADER
from portal.models import AuditEvent, Representation, utcnow
from portal.services.audit import verify_chain
from portal.web.attorney.auth import AttorneyAccess, attorney_access_of
from tests.attorney_pages import (
    HOME,
    SIGN_IN,
    SIGN_IN_CODE,
    add_attorney,
    attorney_csrf_token,
    enter_password,
    link,
    sign_in_attorney,
)
from tests.factories import PERSON, add_person
from tests.pages import text_of

OPEN_ROUTES = {"attorney.register", "attorney.sign_in", "attorney.sign_out", "attorney.signed_out"}
CODE_STEP_ROUTES = {"attorney.sign_in_code", "attorney.set_up"}
UNVERIFIED_ROUTES = {"attorney.account_status"}  # the only pages a pending or rejected account opens
URL_ARGUMENTS: dict[str, object] = {"code": "release_review"}  # a remedy every test person has
ACCOUNT_STATUS = "/attorney/account"
NOBODY = uuid.UUID(int=2)  # the person id of routes checked without a real person


def placeholder(rule: Rule, name: str, person_id: uuid.UUID) -> object:
    if name == "person_id":
        return person_id
    if name in URL_ARGUMENTS:
        return URL_ARGUMENTS[name]
    converter = rule._converters[name]
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, IntegerConverter | FloatConverter):
        return max(1, converter.min or 1)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "example"


def attorney_requests(app: Flask, person_id: uuid.UUID = NOBODY) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every method of every attorney route, arguments filled in."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.endpoint.startswith("attorney."):
            continue
        url = rule.build({name: placeholder(rule, name, person_id) for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert adapter.match(url, method=method)[0] == rule.endpoint, f"add {rule.rule} to URL_ARGUMENTS"
            found.append((rule.endpoint, method, url))
    return found


def person_requests(app: Flask, person_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """The requests of every route that takes a person's id, for this person."""
    with_person = {rule.endpoint for rule in app.url_map.iter_rules() if "person_id" in rule.arguments}
    return [request for request in attorney_requests(app, person_id) if request[0] in with_person]


def access(app: Flask, endpoint: str) -> AttorneyAccess:
    declared = attorney_access_of(app.view_functions[endpoint])
    assert declared is not None, f"{endpoint}: decorate the view with @attorney_required"
    return declared


def send(client, method: str, url: str):
    """What a browser would send: a POST carries the session's CSRF token (and nothing
    else), so what refuses it is the attorney check, not the CSRF check."""
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": attorney_csrf_token(client)})


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != REQUEST_ID_HEADER}


def linked_to_another_attorney(db) -> uuid.UUID:
    other, _secret = add_attorney(db)
    person_id = add_person(db, a_number="201555909")
    link(db, other, person_id)
    return person_id


# What each route declares


def test_the_routes_are_found_and_include_the_client_pages(app):
    endpoints = {endpoint for endpoint, _, _ in attorney_requests(app)}

    assert OPEN_ROUTES | CODE_STEP_ROUTES | UNVERIFIED_ROUTES | {"attorney.home", "attorney.client"} <= endpoints
    assert all(url.startswith("/attorney") for _, _, url in attorney_requests(app))
    assert len(person_requests(app, uuid.uuid4())) >= 9


def test_every_attorney_route_declares_who_may_use_it(app):
    undeclared = sorted({endpoint for endpoint, _, _ in attorney_requests(app)
                         if attorney_access_of(app.view_functions[endpoint]) is None})

    assert undeclared == [], "decorate these views with @attorney_required"


def test_only_the_sign_in_pages_are_open_and_only_the_status_page_opens_unverified(app):
    kinds = {endpoint: access(app, endpoint) for endpoint, _, _ in attorney_requests(app)}

    assert {endpoint for endpoint, kind in kinds.items() if kind.kind == "open"} == OPEN_ROUTES
    assert {endpoint for endpoint, kind in kinds.items() if kind.kind == "code_step"} == CODE_STEP_ROUTES
    signed_in = {endpoint: kind for endpoint, kind in kinds.items() if kind.kind == "signed_in"}
    assert set(signed_in) == set(kinds) - OPEN_ROUTES - CODE_STEP_ROUTES
    assert {endpoint for endpoint, kind in signed_in.items() if not kind.verified} == UNVERIFIED_ROUTES


def test_an_attorney_view_without_a_declaration_opens_for_no_one(app, client, db, monkeypatch):
    monkeypatch.setitem(app.view_functions, "attorney.home", lambda: "forgot the decorator")
    sign_in_attorney(client, db)

    assert client.get(HOME).status_code == 403


# Signed out, half signed in, not verified


def test_every_route_refuses_visitors_who_have_not_signed_in(app, client):
    refused = [(method, url, send(client, method, url)) for endpoint, method, url in attorney_requests(app)
               if endpoint not in OPEN_ROUTES]

    assert refused
    for method, url, response in refused:
        assert (response.status_code, response.headers.get("Location")) == (302, SIGN_IN), f"{method} {url}"


def test_every_route_refuses_a_session_past_the_password_step_only(app, client, db):
    attorney, _secret = add_attorney(db)
    assert enter_password(client, attorney.email).headers["Location"] == SIGN_IN_CODE

    for endpoint, method, url in attorney_requests(app):
        if access(app, endpoint).kind != "signed_in":
            continue
        response = send(client, method, url)
        assert (response.status_code, response.headers.get("Location")) == (302, SIGN_IN_CODE), f"{method} {url}"
    assert client.get(SIGN_IN_CODE).status_code == 200  # still waiting for its code


@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_an_account_staff_have_not_verified_reaches_no_client_even_if_linked(app, client, db, state):
    attorney = sign_in_attorney(client, db, verified=False)
    if state == "rejected":
        attorney.status, attorney.status_reason = "rejected", "The EOIR ID belongs to someone else."
        db.commit()
    person_id = add_person(db)
    link(db, attorney, person_id)

    for endpoint, method, url in attorney_requests(app, person_id):
        if access(app, endpoint).kind != "signed_in" or endpoint in UNVERIFIED_ROUTES:
            continue
        response = send(client, method, url)
        assert (response.status_code, response.headers.get("Location")) == (302, ACCOUNT_STATUS), f"{method} {url}"
    status_page = text_of(client.get(ACCOUNT_STATUS))
    assert PERSON.last_name not in status_page and str(person_id) not in status_page


# Another attorney's client, nobody's client, a revoked client


def test_every_route_with_a_person_finds_nothing_for_another_attorneys_client(app, client, db):
    sign_in_attorney(client, db)
    someone_elses = linked_to_another_attorney(db)

    for _, method, url in person_requests(app, someone_elses):
        response = send(client, method, url)
        assert response.status_code == 404, f"{method} {url}"
        assert PERSON.last_name not in text_of(response)


def test_every_route_with_a_person_finds_nothing_for_a_person_linked_to_no_one_or_not_in_the_list(app, client, db):
    sign_in_attorney(client, db)
    unlinked = add_person(db)

    for person_id in (unlinked, uuid.uuid4()):
        for _, method, url in person_requests(app, person_id):
            assert send(client, method, url).status_code == 404, f"{method} {url}"


def test_the_not_found_page_is_the_same_for_a_real_person_and_a_made_up_id(app, client, db):
    sign_in_attorney(client, db)
    someone_elses = linked_to_another_attorney(db)

    made_up_id = uuid.uuid4()
    real = client.get(f"/attorney/clients/{someone_elses}")
    made_up = client.get(f"/attorney/clients/{made_up_id}")

    # The pages differ only by the address asked for (the language links return to it), and
    # each response by its own request id.
    assert (real.status_code, headers(real)) == (made_up.status_code, headers(made_up))
    assert text_of(real).replace(str(someone_elses), "ID") == text_of(made_up).replace(str(made_up_id), "ID")


def test_every_route_with_a_person_opens_for_the_attorneys_own_client(app, client, db):
    attorney = sign_in_attorney(client, db)
    person_id = add_person(db)
    link(db, attorney, person_id)

    for _, method, url in person_requests(app, person_id):
        response = send(client, method, url)
        assert response.status_code in (200, 302, 303), f"{method} {url}: {response.status_code}"


def test_revoking_the_link_closes_every_route_at_once(app, client, db):
    attorney = sign_in_attorney(client, db)
    person_id = add_person(db)
    representation = link(db, attorney, person_id)
    assert client.get(f"/attorney/clients/{person_id}").status_code == 200

    db.get(Representation, representation.id).revoked_at = utcnow()
    db.commit()

    for _, method, url in person_requests(app, person_id):
        assert send(client, method, url).status_code == 404, f"{method} {url}"
    assert PERSON.last_name not in text_of(client.get(HOME))


# The audit log


def page_views(db, attorney) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "attorney.page_viewed",
                                                    AuditEvent.actor_id == str(attorney.id))
                           .order_by(AuditEvent.id)))


def test_every_view_a_signed_in_attorney_opens_is_audited_with_the_person_as_subject(app, client, db):
    attorney = sign_in_attorney(client, db)
    person_id = add_person(db)
    link(db, attorney, person_id)
    opened = [(endpoint, method, url) for endpoint, method, url in attorney_requests(app, person_id)
              if access(app, endpoint).kind == "signed_in"]

    for endpoint, method, url in opened:
        before = len(page_views(db, attorney))
        send(client, method, url)
        events = page_views(db, attorney)
        assert len(events) == before + 1, f"{method} {url} was not audited"
        event = events[-1]
        assert (event.actor_type, event.details["endpoint"], event.details["method"]) == (
            "attorney", endpoint, method)
        if "/clients/" in url and str(person_id) in url:
            assert (event.subject_type, event.subject_id) == ("person", str(person_id))
    assert verify_chain(db).ok


def test_a_refused_look_at_someone_elses_client_is_audited_as_not_found(client, db):
    attorney = sign_in_attorney(client, db)
    someone_elses = linked_to_another_attorney(db)

    client.get(f"/attorney/clients/{someone_elses}")

    event = page_views(db, attorney)[-1]
    assert (event.subject_id, event.details["outcome"]) == (str(someone_elses), "not_found")
