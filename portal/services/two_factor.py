"""Sign-in with a password and a TOTP code, and the server-side sessions it opens: one
mechanism for every kind of account that has both (staff and attorneys, see
portal.services.staff_sessions and portal.services.attorney_sessions).

The password step opens a "half" session that reaches nothing but the code page; the code
step ends it and opens the real one. Sessions end on sign-out, after 15 minutes idle, 12
hours after sign-in, or when the account is deactivated, for good, even if the cookie was
copied (see portal.security.tokens).

The password step answers the same for an unknown email, a wrong password, a locked or a
deactivated account, after the same Argon2id work. Five consecutive failures (password or
code) lock the account for 15 minutes; only a complete sign-in resets the count. Every
sign-in, failure, lockout and sign-out goes to the audit log, by id, never by email."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.security.hashing import verify_secret
from portal.security.tokens import new_session_token, token_digest
from portal.services.accounts import InvalidAccountDetails, normalise_email
from portal.services.audit import record_event

IDLE_TIMEOUT = timedelta(minutes=15)
# How stale "last seen" may be before a request writes it again: the idle timeout is then
# exact to within this, for one write a minute instead of one a request.
SEEN_EVERY = timedelta(seconds=60)
ABSOLUTE_LIMIT = timedelta(hours=12)
CODE_STEP_LIMIT = timedelta(minutes=10)  # from the password step to the code
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
TOTP_VALID_WINDOW = 1  # the code of the previous or next 30 seconds is accepted too (clock drift)
CODE_LENGTH = 6


def _always_active(_account: Any) -> bool:
    return True


@dataclass(frozen=True)
class AccountKind:
    """Who signs in. The account model has email, password_hash, totp_secret,
    failed_sign_ins, locked_until, last_totp_step and last_sign_in_at; the session model has
    token_hash, created_at, last_seen_at, second_factor_at, ended_at and the account's id
    in `session_account`.

    `actor_type` is the audit actor type and the prefix of the audit actions ("staff" gives
    "staff.signed_in"); `subject_type` is the audit subject type of the account. With
    `confirms_app_at_first_code`, an account whose authenticator app is not confirmed yet
    (`totp_confirmed_at` empty) confirms it with its first right code, and may retry a
    mistyped one without starting again from the password."""

    account_model: Any
    session_model: Any
    session_account: InstrumentedAttribute[uuid.UUID]
    actor_type: str
    subject_type: str
    is_active: Callable[[Any], bool] = _always_active
    confirms_app_at_first_code: bool = False


def account_by_email(kind: AccountKind, db: Session, email: str) -> Any | None:
    """The account with this email address (any spelling of its case), or None."""
    try:
        address = normalise_email(email)
    except InvalidAccountDetails:
        return None
    return db.scalar(select(kind.account_model).where(kind.account_model.email == address))


def begin_sign_in(kind: AccountKind, db: Session, *, email: str, password: str, now: datetime) -> str | None:
    """The password step. Returns the token of a half session (second factor still to come),
    or None: for an unknown email, a wrong password, a locked or a deactivated account alike,
    each after one Argon2id check. A wrong password counts towards the lockout."""
    account = account_by_email(kind, db, email)
    password_right = verify_secret(account.password_hash if account else None, password)
    if account is None:
        _record_refusal(kind, db, None, step="password", reason="unknown_account")
        return None
    reason = _account_refusal(kind, account, now) or (None if password_right else "password")
    if reason is not None:
        _record_refusal(kind, db, account, step="password", reason=reason, now=now)
        return None
    token, _record = open_session(kind, db, account.id, now=now, second_factor=False)
    return token


def finish_sign_in(kind: AccountKind, db: Session, token: str | None, code: str, *, now: datetime) -> str | None:
    """The code step, for the half session of `token`. Returns the token of the signed-in
    session, or None. The half session ends either way (after a wrong code the sign-in starts
    again from the password), except for a mistyped code while confirming the authenticator
    app (see AccountKind). A code is accepted only once (its time step is kept); a wrong or
    reused code counts towards the lockout."""
    half = resume_session(kind, db, token, now=now)
    if half is None or half.second_factor_at is not None:
        return None
    account = db.get(kind.account_model, _account_id(kind, half))
    setting_up = kind.confirms_app_at_first_code and account is not None and account.totp_confirmed_at is None
    reason = _account_refusal(kind, account, now) or _code_refusal(kind, db, account, code, now=now)
    if not (setting_up and reason in {"code", "code_reused"}):
        half.ended_at = now
    if reason is not None:
        _record_refusal(kind, db, account, step="code", reason=reason, now=now)
        return None
    if setting_up:
        account.totp_confirmed_at = now
        _record(kind, db, account.id, "second_factor_set_up")
    account.failed_sign_ins = 0
    account.locked_until = None
    account.last_sign_in_at = now
    new_token, record = open_session(kind, db, account.id, now=now, second_factor=True)
    _record(kind, db, account.id, "signed_in", {"session": str(record.id)})
    return new_token


def open_session(kind: AccountKind, db: Session, account_id: uuid.UUID, *, now: datetime,
                 second_factor: bool) -> tuple[str, Any]:
    """A new session for this account: its cookie token and its row. A half one
    (`second_factor` False) opens only the code page."""
    token, digest = new_session_token()
    record = kind.session_model(token_hash=digest, created_at=now, last_seen_at=now,
                                second_factor_at=now if second_factor else None,
                                **{kind.session_account.key: account_id})
    db.add(record)
    db.flush()
    return token, record


def resume_session(kind: AccountKind, db: Session, token: str | None, *, now: datetime,
                   passive: bool = False) -> Any | None:
    """The live session of this token, marked seen; None if unknown or ended. A session
    past its idle timeout or time limit, or of a deactivated account, is ended here. Check
    `second_factor_at` to tell a signed-in session from a half one.

    A `passive` request (a page refreshing itself, not a person at work) is checked the same
    way but does not count as activity: an unattended screen still times out. "Seen" is
    written at most once every SEEN_EVERY, so most requests write nothing."""
    record = _session_of(kind, db, token)
    if record is None or record.ended_at is not None:
        return None
    reason = _expiry(kind, record, db.get(kind.account_model, _account_id(kind, record)), now)
    if reason is not None:
        _end(kind, db, record, now=now, reason=reason)
        return None
    if not passive and now - record.last_seen_at > SEEN_EVERY:
        record.last_seen_at = now
    return record


def end_session(kind: AccountKind, db: Session, token: str | None, *, now: datetime,
                reason: str = "signed_out") -> None:
    """Sign out: the token stops working at once."""
    record = _session_of(kind, db, token)
    if record is not None and record.ended_at is None:
        _end(kind, db, record, now=now, reason=reason)


def end_sessions_of(kind: AccountKind, db: Session, account_id: uuid.UUID, *, now: datetime, reason: str) -> int:
    """End every open session of one account (when it is deactivated); how many were open."""
    records = db.scalars(
        select(kind.session_model).where(kind.session_account == account_id, kind.session_model.ended_at.is_(None))
    ).all()
    for record in records:
        _end(kind, db, record, now=now, reason=reason)
    return len(records)


def _account_id(kind: AccountKind, record: Any) -> uuid.UUID:
    return getattr(record, kind.session_account.key)


def _session_of(kind: AccountKind, db: Session, token: str | None) -> Any | None:
    if not token or not isinstance(token, str):
        return None
    return db.scalar(select(kind.session_model).where(kind.session_model.token_hash == token_digest(token)))


def _account_refusal(kind: AccountKind, account: Any | None, now: datetime) -> str | None:
    """Why this account may not sign in now, whatever was typed; None if it may."""
    if account is None or not kind.is_active(account):
        return "inactive"
    if account.locked_until is not None and account.locked_until > now:
        return "locked"
    return None


def _code_refusal(kind: AccountKind, db: Session, account: Any, code: str, *, now: datetime) -> str | None:
    """None when the code is right and not used before (its time step is then taken, in one
    conditional UPDATE, so two requests racing with one code cannot both succeed)."""
    digits = _code_digits(code)
    if digits is None or not account.totp_secret:
        return "code"
    try:
        step = pyotp.TOTP(account.totp_secret).verify_and_get_timecode(digits, for_time=now,
                                                                       valid_window=TOTP_VALID_WINDOW)
    except OTPVerificationError:
        return "code"
    model = kind.account_model
    taken = db.execute(
        update(model)
        .where(model.id == account.id, or_(model.last_totp_step.is_(None), model.last_totp_step < step))
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    db.expire(account, ["last_totp_step"])
    return None if taken.rowcount == 1 else "code_reused"


def _code_digits(code: str) -> str | None:
    """The six digits typed, as ASCII (digits of any script, spaces and hyphens allowed)."""
    kept = [char for char in code if not char.isspace() and char != "-"]
    if len(kept) != CODE_LENGTH or not all(char.isdecimal() for char in kept):
        return None
    return "".join(str(int(char)) for char in kept)


_COUNTED = {"password", "code", "code_reused"}  # what the person typed was wrong: towards the lockout


def _record_refusal(kind: AccountKind, db: Session, account: Any | None, *, step: str, reason: str,
                    now: datetime | None = None) -> None:
    subject_id = str(account.id) if account is not None else None
    record_event(db, actor_type="public", actor_id=None, action=f"{kind.actor_type}.sign_in_failed",
                 subject_type=kind.subject_type if account is not None else None, subject_id=subject_id,
                 details={"step": step, "reason": reason})
    if account is None or reason not in _COUNTED or now is None:
        return
    # Counted in SQL, so that failures arriving together are all counted.
    account.failed_sign_ins = kind.account_model.failed_sign_ins + 1
    db.flush()
    if account.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        account.failed_sign_ins = 0
        account.locked_until = now + LOCKOUT
        record_event(db, actor_type="system", actor_id=None, action=f"{kind.actor_type}.locked",
                     subject_type=kind.subject_type, subject_id=subject_id,
                     details={"failed_sign_ins": MAX_FAILED_SIGN_INS, "minutes": int(LOCKOUT.total_seconds() // 60)})


def _expiry(kind: AccountKind, record: Any, account: Any | None, now: datetime) -> str | None:
    if account is None or not kind.is_active(account):
        return "deactivated"
    if record.second_factor_at is None and now - record.created_at > CODE_STEP_LIMIT:
        return "code_step_expired"
    if now - record.last_seen_at > IDLE_TIMEOUT:
        return "idle"
    if now - record.created_at > ABSOLUTE_LIMIT:
        return "time_limit"
    return None


def _end(kind: AccountKind, db: Session, record: Any, *, now: datetime, reason: str) -> None:
    record.ended_at = now
    if record.second_factor_at is not None:  # a half session was never signed in
        _record(kind, db, _account_id(kind, record), "signed_out", {"session": str(record.id), "reason": reason})


def _record(kind: AccountKind, db: Session, account_id: uuid.UUID, what: str,
            details: dict[str, str] | None = None) -> None:
    """An event the account did itself (it is both actor and subject)."""
    record_event(db, actor_type=kind.actor_type, actor_id=str(account_id), action=f"{kind.actor_type}.{what}",
                 subject_type=kind.subject_type, subject_id=str(account_id), details=details)
