"""Staff sign-in and sessions: password, then a TOTP code, then a server-side session.

The password step opens a "half" session that reaches nothing but the code page; the code
step ends it and opens the real one. Sessions end on sign-out, after 15 minutes idle, 12
hours after sign-in, or when the account is deactivated, for good, even if the cookie was
copied: the cookie holds only a random token, the database only its SHA-256 (a 256-bit
random token needs no slow hash).

The password step answers the same for an unknown email, a wrong password, a locked or a
deactivated account, after the same Argon2id work. Five consecutive failures (password or
code) lock the account for 15 minutes; only a complete sign-in resets the count. Every
sign-in, failure, lockout and sign-out goes to the audit log, by id, never by email."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import pyotp
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal.models import StaffUser
from portal.models.staff import StaffSession
from portal.security.hashing import verify_secret
from portal.services.accounts import InvalidAccountDetails, normalise_email
from portal.services.audit import record_event

IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_LIMIT = timedelta(hours=12)
CODE_STEP_LIMIT = timedelta(minutes=10)  # from the password step to the code
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
TOTP_VALID_WINDOW = 1  # the code of the previous or next 30 seconds is accepted too (clock drift)
CODE_LENGTH = 6


def begin_sign_in(db: Session, *, email: str, password: str, now: datetime) -> str | None:
    """The password step. Returns the token of a half session (second factor still to come),
    or None: for an unknown email, a wrong password, a locked or a deactivated account alike,
    each after one Argon2id check. A wrong password counts towards the lockout."""
    user = _account(db, email)
    password_right = verify_secret(user.password_hash if user else None, password)
    if user is None:
        _record_refusal(db, None, step="password", reason="unknown_account")
        return None
    reason = _account_refusal(user, now) or (None if password_right else "password")
    if reason is not None:
        _record_refusal(db, user, step="password", reason=reason, now=now)
        return None
    token, _record = _open_session(db, user.id, now=now, second_factor=False)
    return token


def finish_sign_in(db: Session, token: str | None, code: str, *, now: datetime) -> str | None:
    """The code step, for the half session of `token`. Returns the token of the signed-in
    session, or None. The half session ends either way: after a wrong code the sign-in
    starts again from the password. A code is accepted only once (its time step is kept);
    a wrong or reused code counts towards the lockout."""
    half = resume_staff_session(db, token, now=now)
    if half is None or half.second_factor_at is not None:
        return None
    half.ended_at = now
    user = db.get(StaffUser, half.staff_user_id)
    reason = _account_refusal(user, now) or _code_refusal(db, user, code, now=now)
    if reason is not None:
        _record_refusal(db, user, step="code", reason=reason, now=now)
        return None
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    new_token, record = _open_session(db, user.id, now=now, second_factor=True)
    record_event(db, actor_type="staff", actor_id=str(user.id), action="staff.signed_in",
                 subject_type="staff_user", subject_id=str(user.id), details={"session": str(record.id)})
    return new_token


def resume_staff_session(db: Session, token: str | None, *, now: datetime) -> StaffSession | None:
    """The live session of this token, marked seen; None if unknown or ended. A session
    past its idle timeout or time limit, or of a deactivated account, is ended here. Check
    `second_factor_at` to tell a signed-in session from a half one."""
    record = _session_of(db, token)
    if record is None or record.ended_at is not None:
        return None
    reason = _expiry(record, db.get(StaffUser, record.staff_user_id), now)
    if reason is not None:
        _end(db, record, now=now, reason=reason)
        return None
    record.last_seen_at = now
    return record


def end_staff_session(db: Session, token: str | None, *, now: datetime, reason: str = "signed_out") -> None:
    """Sign out: the token stops working at once."""
    record = _session_of(db, token)
    if record is not None and record.ended_at is None:
        _end(db, record, now=now, reason=reason)


def end_sessions_of(db: Session, staff_user_id: uuid.UUID, *, now: datetime, reason: str) -> int:
    """End every open session of one account (when it is deactivated); how many were open."""
    records = db.scalars(
        select(StaffSession).where(StaffSession.staff_user_id == staff_user_id, StaffSession.ended_at.is_(None))
    ).all()
    for record in records:
        _end(db, record, now=now, reason=reason)
    return len(records)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _session_of(db: Session, token: str | None) -> StaffSession | None:
    if not token or not isinstance(token, str):
        return None
    return db.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))


def _open_session(db: Session, staff_user_id: uuid.UUID, *, now: datetime,
                  second_factor: bool) -> tuple[str, StaffSession]:
    token = secrets.token_urlsafe(32)
    record = StaffSession(token_hash=_digest(token), staff_user_id=staff_user_id, created_at=now, last_seen_at=now,
                          second_factor_at=now if second_factor else None)
    db.add(record)
    db.flush()
    return token, record


def _account(db: Session, email: str) -> StaffUser | None:
    try:
        address = normalise_email(email)
    except InvalidAccountDetails:
        return None
    return db.scalar(select(StaffUser).where(StaffUser.email == address))


def _account_refusal(user: StaffUser | None, now: datetime) -> str | None:
    """Why this account may not sign in now, whatever was typed; None if it may."""
    if user is None or not user.active:
        return "inactive"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return None


def _code_refusal(db: Session, user: StaffUser, code: str, *, now: datetime) -> str | None:
    """None when the code is right and not used before (its time step is then taken, in one
    conditional UPDATE, so two requests racing with one code cannot both succeed)."""
    digits = _code_digits(code)
    if digits is None or not user.totp_secret:
        return "code"
    try:
        step = pyotp.TOTP(user.totp_secret).verify_and_get_timecode(digits, for_time=now,
                                                                     valid_window=TOTP_VALID_WINDOW)
    except OTPVerificationError:
        return "code"
    taken = db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, or_(StaffUser.last_totp_step.is_(None), StaffUser.last_totp_step < step))
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    db.expire(user, ["last_totp_step"])
    return None if taken.rowcount == 1 else "code_reused"


def _code_digits(code: str) -> str | None:
    """The six digits typed, as ASCII (digits of any script, spaces and hyphens allowed)."""
    kept = [char for char in code if not char.isspace() and char != "-"]
    if len(kept) != CODE_LENGTH or not all(char.isdecimal() for char in kept):
        return None
    return "".join(str(int(char)) for char in kept)


_COUNTED = {"password", "code", "code_reused"}  # what the person typed was wrong: towards the lockout


def _record_refusal(db: Session, user: StaffUser | None, *, step: str, reason: str,
                    now: datetime | None = None) -> None:
    subject_id = str(user.id) if user is not None else None
    record_event(db, actor_type="public", actor_id=None, action="staff.sign_in_failed",
                 subject_type="staff_user" if user is not None else None, subject_id=subject_id,
                 details={"step": step, "reason": reason})
    if user is None or reason not in _COUNTED or now is None:
        return
    # Counted in SQL, so that failures arriving together are all counted.
    user.failed_sign_ins = StaffUser.failed_sign_ins + 1
    db.flush()
    if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        user.failed_sign_ins = 0
        user.locked_until = now + LOCKOUT
        record_event(db, actor_type="system", actor_id=None, action="staff.locked", subject_type="staff_user",
                     subject_id=subject_id, details={"failed_sign_ins": MAX_FAILED_SIGN_INS,
                                                     "minutes": int(LOCKOUT.total_seconds() // 60)})


def _expiry(record: StaffSession, user: StaffUser | None, now: datetime) -> str | None:
    if user is None or not user.active:
        return "deactivated"
    if record.second_factor_at is None and now - record.created_at > CODE_STEP_LIMIT:
        return "code_step_expired"
    if now - record.last_seen_at > IDLE_TIMEOUT:
        return "idle"
    if now - record.created_at > ABSOLUTE_LIMIT:
        return "time_limit"
    return None


def _end(db: Session, record: StaffSession, *, now: datetime, reason: str) -> None:
    record.ended_at = now
    if record.second_factor_at is not None:  # a half session was never signed in
        record_event(db, actor_type="staff", actor_id=str(record.staff_user_id), action="staff.signed_out",
                     subject_type="staff_user", subject_id=str(record.staff_user_id),
                     details={"session": str(record.id), "reason": reason})
