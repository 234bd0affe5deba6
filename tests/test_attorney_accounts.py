"""Attorney registration, the authenticator app, sign-in and the account status page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from portal.models import Attorney, AttorneyStatus, AuditEvent, utcnow
from portal.models.attorney import AttorneySession
from portal.services.attorneys import reject_attorney
from portal.services.two_factor import IDLE_TIMEOUT, MAX_FAILED_SIGN_INS
from tests.attorney_pages import (
    ATTORNEY_PASSWORD,
    HOME,
    SIGN_IN,
    add_attorney,
    attorney_csrf_token,
    enter_code,
    enter_password,
    sign_in_attorney,
)
from tests.pages import csrf_token, text_of
from tests.schema_differences import schema_differences
from tests.staff_pages import add_staff_user, totp_code

REGISTER = "/attorney/register"
SET_UP = "/attorney/set-up"
DETAILS = {"full_name": "Ana Abogada", "email": "ana@legal-aid.example", "firm": "Legal Aid of the Border",
           "eoir_id": "ZZ987654", "bar_number": "", "bar_jurisdiction": "", "password": "twelve chars at least"}


def register(client, **changes):
    token = csrf_token(text_of(client.get(REGISTER)))
    return client.post(REGISTER, data={**DETAILS, **changes, "csrf_token": token})


def events(db, action: str | None = None) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(db.scalars(query.where(AuditEvent.action == action) if action else query))


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid now, nor a step before or after."""
    valid = {totp_code(secret, steps_later=step) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in (f"{n:06d}" for n in range(100000, 1000000, 7919)) if code not in valid)


def shown_secret(page: str) -> str:
    return re.search(r'id="totp-secret" type="text" value="([A-Z2-7]+)"', page).group(1)


def test_registering_creates_a_pending_account_and_leads_to_the_authenticator_set_up(client, db):
    response = register(client)

    assert response.headers["Location"] == SET_UP
    attorney = db.scalar(select(Attorney).where(Attorney.email == DETAILS["email"]))
    assert (attorney.status, attorney.firm, attorney.totp_confirmed_at) == (AttorneyStatus.PENDING,
                                                                             DETAILS["firm"], None)
    page = text_of(client.get(SET_UP))
    db.refresh(attorney)
    assert "otpauth://totp/" in page and shown_secret(page) == attorney.totp_secret


def test_the_first_code_confirms_the_app_and_a_pending_account_sees_the_waiting_page(client, db):
    register(client)
    secret = shown_secret(text_of(client.get(SET_UP)))
    token = csrf_token(text_of(client.get(SET_UP)))

    response = client.post(SET_UP, data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})

    assert response.headers["Location"] == HOME
    assert client.get(HOME).headers["Location"] == "/attorney/account"
    assert "waiting for verification" in text_of(client.get("/attorney/account"))


def test_a_mistyped_first_code_can_be_typed_again_on_the_same_page(client, db):
    register(client)
    secret = shown_secret(text_of(client.get(SET_UP)))
    token = csrf_token(text_of(client.get(SET_UP)))

    wrong = client.post(SET_UP, data={"code": wrong_code(secret), "csrf_token": token})

    assert wrong.status_code == 200 and "That code is not right" in text_of(wrong)
    right = client.post(SET_UP, data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert right.headers["Location"] == HOME


@pytest.mark.parametrize(("changes", "message"), [
    ({"eoir_id": "", "bar_number": ""}, "Enter your EOIR ID, or your bar number and the state"),
    ({"eoir_id": "", "bar_number": "287654", "bar_jurisdiction": ""}, "Enter the state or territory whose bar"),
    ({"eoir_id": "<script>"}, "Use only letters, digits, spaces and hyphens"),
    ({"password": "too short"}, "Use at least 12 characters"),
    ({"email": "not an address"}, "Enter an email address"),
])
def test_registration_explains_what_is_missing_and_keeps_what_was_typed(client, db, changes, message):
    response = register(client, **changes)

    page = text_of(response)
    assert response.status_code == 200 and message in page
    assert 'value="Legal Aid of the Border"' in page
    assert db.scalar(select(Attorney).where(Attorney.full_name == DETAILS["full_name"])) is None


def test_a_bar_number_with_its_state_is_enough_without_an_eoir_id(client, db):
    response = register(client, eoir_id="", bar_number="287 654", bar_jurisdiction="California")

    assert response.headers["Location"] == SET_UP
    attorney = db.scalar(select(Attorney).where(Attorney.email == DETAILS["email"]))
    assert (attorney.eoir_id, attorney.bar_number, attorney.bar_jurisdiction) == (None, "287 654", "California")


def test_an_email_already_registered_is_refused_on_the_form(client, db):
    add_attorney(db, email=DETAILS["email"])

    response = register(client)

    assert response.status_code == 200 and "exists already" in text_of(response)


def test_an_account_that_stopped_before_the_app_is_led_back_to_set_it_up_after_the_password(client, db):
    attorney, secret = add_attorney(db, verified=False, confirmed=False)

    assert enter_password(client, attorney.email).headers["Location"] == "/attorney/sign-in/code"
    assert client.get("/attorney/sign-in/code").headers["Location"] == SET_UP
    assert shown_secret(text_of(client.get(SET_UP))) == secret


def test_a_confirmed_app_is_never_shown_again(client, db):
    attorney, secret = add_attorney(db)
    enter_password(client, attorney.email)

    response = client.get(SET_UP)

    assert response.headers["Location"] == "/attorney/sign-in/code"
    assert secret not in text_of(client.get("/attorney/sign-in/code"))


# Signing in


def test_signing_in_takes_the_password_then_the_code(client, db):
    attorney, secret = add_attorney(db)

    assert enter_password(client, attorney.email).headers["Location"] == "/attorney/sign-in/code"
    assert enter_code(client, totp_code(secret)).headers["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert [event.action for event in events(db, "attorney.signed_in")] == ["attorney.signed_in"]


@pytest.mark.parametrize("wrong", ["email", "password"])
def test_a_wrong_email_or_password_gets_one_answer(client, db, wrong):
    attorney, _secret = add_attorney(db)
    email = "nobody@firm.example" if wrong == "email" else attorney.email

    response = enter_password(client, email, "not the password at all" if wrong == "password" else ATTORNEY_PASSWORD)

    assert response.headers["Location"] == SIGN_IN
    assert "The email or password is not right" in text_of(client.get(SIGN_IN))


def test_a_wrong_code_starts_again_from_the_password(client, db):
    attorney, secret = add_attorney(db)
    enter_password(client, attorney.email)

    response = enter_code(client, wrong_code(secret))

    assert response.headers["Location"] == SIGN_IN
    assert client.get(HOME).headers["Location"] == SIGN_IN


def test_five_failures_lock_the_account_for_a_while(client, db):
    attorney, _secret = add_attorney(db)
    for _ in range(MAX_FAILED_SIGN_INS):
        enter_password(client, attorney.email, "not the password at all")

    enter_password(client, attorney.email)  # the right password, but locked
    assert client.get("/attorney/sign-in/code").headers["Location"] == SIGN_IN
    db.expire_all()
    assert db.get(Attorney, attorney.id).locked_until is not None
    assert [event.subject_id for event in events(db, "attorney.locked")] == [str(attorney.id)]


def test_a_session_idle_too_long_ends_and_says_so(client, db):
    attorney = sign_in_attorney(client, db)
    db.execute(update(AttorneySession).where(AttorneySession.attorney_id == attorney.id)
               .values(last_seen_at=utcnow() - IDLE_TIMEOUT - timedelta(minutes=1)))
    db.commit()

    assert client.get(HOME).headers["Location"] == "/attorney/signed-out"
    assert client.get(HOME).headers["Location"] == SIGN_IN


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client, db):
    sign_in_attorney(client, db)
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value)

    response = client.post("/attorney/sign-out", data={"csrf_token": attorney_csrf_token(client)})

    assert response.headers["Location"] == "/attorney/signed-out"
    assert copy.get(HOME).status_code == 302


def test_the_audit_log_names_attorneys_by_id_only(client, db):
    attorney, _secret = add_attorney(db)
    enter_password(client, attorney.email, "not the password at all")
    sign_in_attorney(client, db)

    logged = json.dumps([[event.actor_id, event.subject_id, event.details] for event in events(db)])
    assert "@firm.example" not in logged and "not the password" not in logged


# What the account shows while staff check it


def test_a_pending_account_sees_the_waiting_page_and_no_client_link(client, db):
    sign_in_attorney(client, db, verified=False)

    page = text_of(client.get("/attorney/account"))

    assert "waiting for verification" in page
    assert "/attorney/clients" not in page


def test_a_rejected_account_sees_the_reason(client, db):
    attorney = sign_in_attorney(client, db, verified=False)
    staff, _secret = add_staff_user(db, "caseworker")
    reject_attorney(db, db.get(Attorney, attorney.id), staff, reason="The bar number is not in the California roll.")
    db.commit()

    page = text_of(client.get("/attorney/account"))

    assert "We could not verify your account" in page
    assert "The bar number is not in the California roll." in page


def test_a_verified_account_goes_from_the_status_page_to_its_clients(client, db):
    sign_in_attorney(client, db)

    assert client.get("/attorney/account").headers["Location"] == HOME


def test_the_migration_creates_what_the_models_describe(db):
    """Migration 0012 and the models agree on the attorney columns and the session table."""
    differences = schema_differences(db, {"attorney", "attorney_session"})

    assert differences == []

