"""Attorney sign-in and sessions: password, then a TOTP code, then a server-side session,
with the rules of portal.services.two_factor (the same as for staff).

Two differences. An account whose authenticator app was never confirmed (registration
stopped after the password) is led from the password step to the set-up page, where the
first code both confirms the app and signs in, and a mistyped one may be tried again. And a
pending or rejected account signs in like any other: what it may see is decided by the
views (a pending account sees no client)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import Attorney
from portal.models.attorney import AttorneySession
from portal.services import two_factor

ATTORNEY = two_factor.AccountKind(
    account_model=Attorney, session_model=AttorneySession, session_account=AttorneySession.attorney_id,
    actor_type="attorney", subject_type="attorney", confirms_app_at_first_code=True,
)


def begin_sign_in(db: Session, *, email: str, password: str, now: datetime) -> str | None:
    """The password step: the token of a half session, or None (see two_factor.begin_sign_in)."""
    return two_factor.begin_sign_in(ATTORNEY, db, email=email, password=password, now=now)


def finish_sign_in(db: Session, token: str | None, code: str, *, now: datetime) -> str | None:
    """The code step, which also confirms the authenticator app at registration: the token
    of the signed-in session, or None (see two_factor.finish_sign_in)."""
    return two_factor.finish_sign_in(ATTORNEY, db, token, code, now=now)


def open_set_up_session(db: Session, attorney_id: uuid.UUID, *, now: datetime) -> str:
    """A half session for a newly registered attorney (the set-up page is its only page): its token."""
    token, _record = two_factor.open_session(ATTORNEY, db, attorney_id, now=now, second_factor=False)
    return token


def resume_attorney_session(db: Session, token: str | None, *, now: datetime) -> AttorneySession | None:
    """The live session of this token, marked seen; None if unknown or ended (see
    two_factor.resume_session)."""
    return two_factor.resume_session(ATTORNEY, db, token, now=now)


def end_attorney_session(db: Session, token: str | None, *, now: datetime, reason: str = "signed_out") -> None:
    """Sign out: the token stops working at once."""
    two_factor.end_session(ATTORNEY, db, token, now=now, reason=reason)
