"""Staff sign-in and sessions: password, then a TOTP code, then a server-side session,
with the rules of portal.services.two_factor. A deactivated account cannot sign in, and its
sessions end at its next request."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import StaffUser
from portal.models.staff import StaffSession
from portal.services import two_factor

STAFF = two_factor.AccountKind(
    account_model=StaffUser, session_model=StaffSession, session_account=StaffSession.staff_user_id,
    actor_type="staff", subject_type="staff_user", is_active=lambda user: user.active,
)


def begin_sign_in(db: Session, *, email: str, password: str, now: datetime) -> str | None:
    """The password step: the token of a half session, or None (see two_factor.begin_sign_in)."""
    return two_factor.begin_sign_in(STAFF, db, email=email, password=password, now=now)


def finish_sign_in(db: Session, token: str | None, code: str, *, now: datetime) -> str | None:
    """The code step: the token of the signed-in session, or None (see two_factor.finish_sign_in)."""
    return two_factor.finish_sign_in(STAFF, db, token, code, now=now)


def resume_staff_session(db: Session, token: str | None, *, now: datetime,
                         passive: bool = False) -> StaffSession | None:
    """The live session of this token, marked seen unless `passive`; None if unknown or
    ended (see two_factor.resume_session)."""
    return two_factor.resume_session(STAFF, db, token, now=now, passive=passive)


def end_staff_session(db: Session, token: str | None, *, now: datetime, reason: str = "signed_out") -> None:
    """Sign out: the token stops working at once."""
    two_factor.end_session(STAFF, db, token, now=now, reason=reason)


def end_sessions_of(db: Session, staff_user_id: uuid.UUID, *, now: datetime, reason: str) -> int:
    """End every open session of one account (when it is deactivated); how many were open."""
    return two_factor.end_sessions_of(STAFF, db, staff_user_id, now=now, reason=reason)


def staff_account(db: Session, email: str) -> StaffUser | None:
    """The staff account with this email address (any spelling of its case), or None."""
    return two_factor.account_by_email(STAFF, db, email)
