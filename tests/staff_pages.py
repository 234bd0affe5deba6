"""Signing staff in through the real pages, for every test of the staff console.

    user = sign_in_staff(client, db, StaffRole.CASEWORKER)    # password, then the current TOTP code
    token = staff_csrf_token(client)                           # to POST a staff form

Each call creates a new staff member (a fresh email), so one test can sign several in."""

from __future__ import annotations

import uuid
from datetime import datetime

import pyotp

from portal.models import StaffRole, StaffUser, utcnow
from portal.services.staff import create_staff_user
from tests.pages import csrf_token, text_of

STAFF_PASSWORD = "correct horse battery staple"
SIGN_IN = "/staff/sign-in"
SIGN_IN_CODE = "/staff/sign-in/code"
HOME = "/staff"


def add_staff_user(db, role: StaffRole | str = StaffRole.VIEWER, *, email: str | None = None,
                   full_name: str = "Sam Staff") -> tuple[StaffUser, str]:
    """A committed staff account with STAFF_PASSWORD; returns it and its TOTP secret."""
    email = email or f"staff-{uuid.uuid4().hex[:10]}@agency.example"
    user, secret = create_staff_user(db, email=email, full_name=full_name, role=StaffRole(role),
                                     password=STAFF_PASSWORD)
    db.commit()
    return user, secret


def totp_code(secret: str, *, at: datetime | None = None, steps_later: int = 0) -> str:
    """The authenticator app's code now (or at `at`), or `steps_later` 30-second steps on."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(at or utcnow()) + steps_later)


def staff_csrf_token(client) -> str:
    """A CSRF token of the client's current session, from a page every visitor can open."""
    return csrf_token(text_of(client.get("/check/a-number")))


def enter_password(client, email: str, password: str = STAFF_PASSWORD):
    """The password step: GET the sign-in page, POST its form. Returns the POST's response."""
    token = csrf_token(text_of(client.get(SIGN_IN)))
    return client.post(SIGN_IN, data={"email": email, "password": password, "csrf_token": token})


def enter_code(client, code: str):
    """The code step: GET the code page, POST its form. Returns the POST's response."""
    page = client.get(SIGN_IN_CODE)
    token = csrf_token(text_of(page)) if page.status_code == 200 else staff_csrf_token(client)
    return client.post(SIGN_IN_CODE, data={"code": code, "csrf_token": token})


def sign_in_staff(client, db, role: StaffRole | str = StaffRole.VIEWER, **account) -> StaffUser:
    """Create a staff member with `role` and sign them in with the password and the current
    TOTP code. Asserts each step went where it should."""
    user, secret = add_staff_user(db, role, **account)
    assert enter_password(client, user.email).headers["Location"] == SIGN_IN_CODE
    assert enter_code(client, totp_code(secret)).headers["Location"] == HOME
    return user


def staff_password_step(client, _person=None) -> None:
    """Only the password step of a new viewer: the session waits for its code. For journey
    tables whose steps get (client, person) and no database."""
    from portal.db import session

    with client.application.app_context():
        email = add_staff_user(session())[0].email
    assert enter_password(client, email).headers["Location"] == SIGN_IN_CODE
