"""Attorney accounts for tests, signed in through the real pages.

    attorney = sign_in_attorney(client, db)                 # verified, password then TOTP code
    attorney = sign_in_attorney(client, db, verified=False) # pending
    link(db, attorney, person_id)                           # a live representation
    token = attorney_csrf_token(client)                     # to POST an attorney form

Each call creates a new attorney (a fresh email), so one test can sign several in."""

from __future__ import annotations

import uuid

from portal.models import Attorney, Representation, RepresentationMethod, utcnow
from portal.services.attorneys import authenticator_secret, create_attorney, verify_attorney
from tests.pages import csrf_token, text_of
from tests.staff_pages import add_staff_user, totp_code

ATTORNEY_PASSWORD = "a long and lawyerly passphrase"
SIGN_IN = "/attorney/sign-in"
SIGN_IN_CODE = "/attorney/sign-in/code"
HOME = "/attorney"


def add_attorney(db, *, verified: bool = True, confirmed: bool = True, **details) -> tuple[Attorney, str]:
    """A committed attorney account with ATTORNEY_PASSWORD and its TOTP secret; verified by a
    new staff member unless `verified` is False; its authenticator confirmed unless
    `confirmed` is False (registration stopped after the password)."""
    details.setdefault("email", f"lawyer-{uuid.uuid4().hex[:10]}@firm.example")
    details.setdefault("full_name", "Jo Counsel")
    attorney = create_attorney(db, password=ATTORNEY_PASSWORD, **details)
    secret = authenticator_secret(db, attorney)
    if confirmed:
        attorney.totp_confirmed_at = utcnow()
    if verified:
        staff, _secret = add_staff_user(db, "caseworker")
        verify_attorney(db, attorney, staff)
    db.commit()
    return attorney, secret


def enter_password(client, email: str, password: str = ATTORNEY_PASSWORD):
    token = csrf_token(text_of(client.get(SIGN_IN)))
    return client.post(SIGN_IN, data={"email": email, "password": password, "csrf_token": token})


def enter_code(client, code: str):
    page = client.get(SIGN_IN_CODE)
    token = csrf_token(text_of(page)) if page.status_code == 200 else attorney_csrf_token(client)
    return client.post(SIGN_IN_CODE, data={"code": code, "csrf_token": token})


def sign_in_attorney(client, db, **account) -> Attorney:
    """Create an attorney (see add_attorney) and sign them in with both factors."""
    attorney, secret = add_attorney(db, **account)
    sign_in_as(client, attorney, secret)
    return attorney


def sign_in_as(client, attorney: Attorney, secret: str) -> None:
    """Sign this attorney in with the password and the current code."""
    assert enter_password(client, attorney.email).headers["Location"] == SIGN_IN_CODE
    assert enter_code(client, totp_code(secret)).headers["Location"] == HOME


def attorney_csrf_token(client) -> str:
    """A CSRF token of the client's current session, from a page every visitor can open."""
    return csrf_token(text_of(client.get("/check/a-number")))


def link(db, attorney: Attorney, person_id: uuid.UUID,
         method: RepresentationMethod = RepresentationMethod.SHARE_CODE) -> Representation:
    """A live link from the attorney to the person, committed."""
    representation = Representation(attorney_id=attorney.id, person_id=person_id, method=method)
    db.add(representation)
    db.commit()
    return representation
