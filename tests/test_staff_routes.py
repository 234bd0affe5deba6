"""Every route of the staff console, found in the app's URL map (so routes added later are
checked too), refuses whoever may not use it: visitors not signed in, sessions past the
password step only, and every role without the capability the view declares. Only the
sign-in pages are open. The navigation offers only sections that exist and would open."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import FloatConverter, IntegerConverter, Rule, UUIDConverter
from werkzeug.routing.converters import AnyConverter

import portal.web.staff as staff_console
from portal.models import StaffRole
from portal.services.staff import CAPABILITIES, UnknownCapability, can
from portal.web.staff import Section, sections_for
from portal.web.staff.auth import StaffAccess, staff_access_of, staff_required
from tests.pages import text_of
from tests.staff_pages import HOME, SIGN_IN, SIGN_IN_CODE, sign_in_staff, staff_csrf_token, staff_password_step

OPEN_ROUTES = {"staff.sign_in", "staff.sign_out", "staff.signed_out"}  # the only ones anyone may use
CODE_STEP_ROUTES = {"staff.sign_in_code"}
URL_ARGUMENTS: dict[str, object] = {}  # a value for a route argument the placeholders do not fit
REFUSED_ROLE = "You cannot use this page"


def placeholder(rule: Rule, name: str) -> object:
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


def staff_requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every method of every staff route, URL arguments filled in."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.endpoint.startswith("staff."):
            continue
        url = rule.build({name: placeholder(rule, name) for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert adapter.match(url, method=method)[0] == rule.endpoint, f"add {rule.rule} to URL_ARGUMENTS"
            found.append((rule.endpoint, method, url))
    return found


def access(app: Flask, endpoint: str) -> StaffAccess:
    declared = staff_access_of(app.view_functions[endpoint])
    assert declared is not None, f"{endpoint}: decorate the view with @staff_required(...)"
    return declared


def guarded_requests(app: Flask) -> list[tuple[str, str, str]]:
    return [request for request in staff_requests(app) if access(app, request[0]).kind == "signed_in"]


def send(client, method: str, url: str):
    """The request a browser would make: a POST carries the session's CSRF token, so that
    what refuses it is the staff check and not the CSRF check."""
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": staff_csrf_token(client)})


def test_the_routes_are_found_and_include_the_console_itself(app):
    endpoints = {endpoint for endpoint, _, _ in staff_requests(app)}

    assert OPEN_ROUTES | CODE_STEP_ROUTES | {"staff.home"} <= endpoints
    assert all(url.startswith("/staff") for _, _, url in staff_requests(app))


def test_every_staff_route_declares_who_may_use_it(app):
    undeclared = sorted({endpoint for endpoint, _, _ in staff_requests(app)
                         if staff_access_of(app.view_functions[endpoint]) is None})

    assert undeclared == [], "decorate these views with @staff_required(...)"


def test_the_sign_in_pages_are_the_only_staff_routes_open(app):
    kinds = {endpoint: access(app, endpoint).kind for endpoint, _, _ in staff_requests(app)}

    assert {endpoint for endpoint, kind in kinds.items() if kind == "open"} == OPEN_ROUTES
    assert {endpoint for endpoint, kind in kinds.items() if kind == "code_step"} == CODE_STEP_ROUTES
    assert {kind for endpoint, kind in kinds.items() if endpoint not in OPEN_ROUTES | CODE_STEP_ROUTES} == {
        "signed_in"}


def test_every_declared_capability_is_in_the_table(app):
    declared = {access(app, endpoint).capability for endpoint, _, _ in staff_requests(app)}

    assert declared - {None} <= set(CAPABILITIES)


def test_every_route_refuses_visitors_who_have_not_signed_in(app, client):
    refused = [(method, url, send(client, method, url)) for endpoint, method, url in staff_requests(app)
               if endpoint not in OPEN_ROUTES]

    assert refused
    for method, url, response in refused:
        assert (response.status_code, response.headers.get("Location")) == (302, SIGN_IN), f"{method} {url}"


def test_the_open_pages_answer_without_a_session(client):
    assert client.get(SIGN_IN).status_code == 200
    assert client.get("/staff/signed-out").status_code == 200
    response = client.post("/staff/sign-out", data={"csrf_token": staff_csrf_token(client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/signed-out")


def test_every_route_refuses_a_session_past_the_password_step_only(app, client):
    staff_password_step(client)

    for _, method, url in guarded_requests(app):
        response = send(client, method, url)
        assert (response.status_code, response.headers.get("Location")) == (302, SIGN_IN_CODE), f"{method} {url}"
    assert client.get(SIGN_IN_CODE).status_code == 200  # still waiting for its code


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_route_refuses_each_role_without_its_capability(app, client, db, role):
    sign_in_staff(client, db, role)

    for endpoint, method, url in guarded_requests(app):
        capability = access(app, endpoint).capability
        if capability is None or can(role, capability):
            continue
        response = send(client, method, url)
        assert response.status_code == 403, f"{role}: {method} {url}"
        assert REFUSED_ROLE in text_of(response)
    assert client.get(HOME).status_code == 200  # refusals do not end the session


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_index_page_a_role_may_use_opens_for_it(app, client, db, role):
    sign_in_staff(client, db, role)
    index_pages = [(endpoint, url) for endpoint, method, url in guarded_requests(app)
                   if method == "GET" and not next(app.url_map.iter_rules(endpoint)).arguments]

    for endpoint, url in index_pages:
        if access(app, endpoint).allows(role):
            assert client.get(url).status_code == 200, f"{role}: {url}"
    assert ("staff.home", HOME) in index_pages


@pytest.mark.parametrize("role", list(StaffRole))
def test_a_view_needing_a_capability_refuses_every_role_without_it(app, client, db, monkeypatch, role):
    @staff_required("manage_staff")
    def manage():
        return "managing staff"

    monkeypatch.setitem(app.view_functions, "staff.home", manage)
    sign_in_staff(client, db, role)

    response = client.get(HOME)

    if role is StaffRole.ADMIN:
        assert (response.status_code, text_of(response)) == (200, "managing staff")
    else:
        assert response.status_code == 403
        page = text_of(response)
        assert REFUSED_ROLE in page and "<title>You cannot use this page" in page
        assert "manage_staff" not in page


def test_a_misspelt_capability_fails_when_the_view_is_declared():
    with pytest.raises(UnknownCapability):
        staff_required("manage_stuff")


def test_a_staff_view_without_a_declaration_opens_for_no_one(app, client, db, monkeypatch):
    monkeypatch.setitem(app.view_functions, "staff.home", lambda: "forgot the decorator")
    sign_in_staff(client, db, StaffRole.ADMIN)

    assert client.get(HOME).status_code == 403


def test_the_capabilities_table_gives_each_role_what_its_work_needs():
    table = {capability: {role.value for role in roles} for capability, roles in CAPABILITIES.items()}

    assert table == {
        "view_people": {"viewer", "caseworker", "notifier", "approver", "admin"},
        "work_requests": {"caseworker", "admin"},
        "write_campaigns": {"notifier", "admin"},
        "approve_campaigns": {"approver", "admin"},
        "send_letters": {"notifier", "admin"},
        "manage_staff": {"admin"},
    }


# The navigation


def test_a_section_shows_only_when_its_endpoint_exists_and_its_view_would_open(app, db, monkeypatch):
    monkeypatch.setitem(app.view_functions, "staff.admin_only", staff_required("manage_staff")(lambda: ""))
    monkeypatch.setitem(app.view_functions, "staff.anyone", staff_required()(lambda: ""))
    monkeypatch.setattr(staff_console, "SECTIONS", [
        Section("staff.home", _l("Home"), _l("Home")),
        Section("staff.not_built_yet", _l("Later"), _l("Later")),
        Section("staff.admin_only", _l("Staff"), _l("Staff")),
        Section("staff.anyone", _l("Anyone"), _l("Anyone")),
        Section("staff.sign_in", _l("Sign in"), _l("Sign in")),  # open pages are not sections
    ])
    from tests.staff_pages import add_staff_user

    viewer, _ = add_staff_user(db, StaffRole.VIEWER)
    admin, _ = add_staff_user(db, StaffRole.ADMIN)

    with app.test_request_context():
        assert [section.endpoint for section in sections_for(viewer)] == ["staff.home", "staff.anyone"]
        assert [section.endpoint for section in sections_for(admin)] == ["staff.home", "staff.admin_only",
                                                                        "staff.anyone"]
        assert sections_for(None) == []


def test_every_section_listed_is_an_index_page_of_the_console(app):
    for section in staff_console.SECTIONS:
        rules = list(app.url_map.iter_rules(section.endpoint)) if section.endpoint in app.view_functions else []
        assert all(not rule.arguments for rule in rules), f"{section.endpoint} needs URL arguments"


def test_the_header_names_the_person_and_role_and_offers_sign_out(client, db):
    sign_in_staff(client, db, StaffRole.APPROVER, full_name="Ana Approver")

    page = text_of(client.get(HOME))

    assert "<bdi>Ana Approver</bdi>, Approver" in page
    assert 'action="/staff/sign-out"' in page
    assert '<a href="/staff" aria-current="page">Home</a>' in page
    assert 'class="language-switcher"' in page
    assert "quick-exit" not in page  # staff pages have no quick-exit bar


def test_no_page_before_sign_in_shows_a_name_or_the_sections(client):
    for url in (SIGN_IN, "/staff/signed-out"):
        page = text_of(client.get(url))
        assert "staff-nav" not in page and "staff-account" not in page
