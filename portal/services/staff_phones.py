"""A staff member's own mobile phone: the number campaign test messages go to.

A number is kept on the account only once a 6-digit code texted to it has been typed back:
the same code, lifetime and tries as people's one-time codes (`portal.services.verification`),
and the same SMS text. Unlike people's codes, a staff code is sent at once, inside the
request: staff are signed in with two factors, so there is nothing to hide about whether a
code went out. The number being confirmed lives only in the encrypted code row, never in the
session or a URL, and no number reaches the audit log or the application log."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.messaging.sms import SmsSender
from portal.messaging.twilio_sms import SmsSendError
from portal.models import StaffPhoneCode, StaffUser
from portal.security.codes import generate_one_time_code
from portal.security.hashing import hash_secret
from portal.services.audit import record_event
from portal.services.code_delivery import one_time_code_message
from portal.services.verification import ONE_TIME_CODE_LIFETIME, ONE_TIME_CODE_TRIES, check_one_time_code

PHONE_CODES_PER_HOUR = 3
log = logging.getLogger(__name__)


class CodeRequest(StrEnum):
    SENT = "sent"
    TOO_MANY = "too_many"  # PHONE_CODES_PER_HOUR already asked for in the last hour
    NOT_SENT = "not_sent"  # the SMS provider did not take the message


def verified_phone(staff: StaffUser) -> str | None:
    """The staff member's confirmed mobile number (E.164), or None."""
    return staff.phone if staff.phone_verified_at is not None else None


def request_phone_code(
    db: Session, staff: StaffUser, phone_e164: str, sender: SmsSender, *, locale: str, now: datetime
) -> CodeRequest:
    """Text a new 6-digit code to the number the staff member typed (already normalised to
    E.164). The code works for ONE_TIME_CODE_LIFETIME, and only the newest one counts. Flushes,
    does not commit; commit whatever the answer, so that refused sends still count."""
    if _codes_requested_since(db, staff, now - timedelta(hours=1)) >= PHONE_CODES_PER_HOUR:
        return CodeRequest.TOO_MANY
    code = generate_one_time_code()
    record = StaffPhoneCode(staff_user_id=staff.id, code_hash=hash_secret(code), created_at=now,
                            expires_at=now + ONE_TIME_CODE_LIFETIME)
    record.phone = phone_e164
    db.add(record)
    try:
        sender.send(phone_e164, one_time_code_message(code, locale))
    except SmsSendError as error:
        # Never the exception itself: a provider's message names the recipient (DESIGN.md §7).
        log.warning("staff phone code not sent: provider code %s, HTTP status %s", error.code, error.status)
        record.used_at = now  # nobody has this code; it must not be offered on the code page
        db.flush()
        return CodeRequest.NOT_SENT
    _audit(db, staff, "staff.phone_code_sent")
    return CodeRequest.SENT


def phone_awaiting_confirmation(db: Session, staff: StaffUser, *, now: datetime) -> str | None:
    """The number (E.164) the staff member's newest usable code was sent to, or None when no
    code is waiting (none asked for, used, expired, or out of tries)."""
    record = _newest_code(db, staff, now=now)
    return record.phone if record and record.failed_attempts < ONE_TIME_CODE_TRIES else None


def confirm_phone(db: Session, staff: StaffUser, typed_code: str, *, now: datetime) -> bool:
    """Check the typed code against the newest code (ONE_TIME_CODE_TRIES tries); if it matches, the number it was
    sent to becomes the staff member's phone. A wrong code uses up one of its tries, so
    commit either way. Flushes, does not commit."""
    record = _newest_code(db, staff, now=now)
    # StaffPhoneCode has the fields check_one_time_code reads and writes (code_hash,
    # failed_attempts, used_at): one rule for tries and for marking a code used.
    if not check_one_time_code(record, typed_code, now=now):  # type: ignore[arg-type]
        log.info("staff phone code refused")
        db.flush()
        return False
    staff.phone = record.phone  # type: ignore[union-attr]
    staff.phone_verified_at = now
    _audit(db, staff, "staff.phone_confirmed")
    return True


def _newest_code(db: Session, staff: StaffUser, *, now: datetime) -> StaffPhoneCode | None:
    """The newest unused, unexpired code: asking for a new code retires the ones before it."""
    return db.scalar(
        select(StaffPhoneCode)
        .where(StaffPhoneCode.staff_user_id == staff.id, StaffPhoneCode.used_at.is_(None),
               StaffPhoneCode.expires_at > now)
        .order_by(StaffPhoneCode.created_at.desc()).limit(1)
    )


def _codes_requested_since(db: Session, staff: StaffUser, since: datetime) -> int:
    return db.scalar(select(func.count()).select_from(StaffPhoneCode)
                     .where(StaffPhoneCode.staff_user_id == staff.id, StaffPhoneCode.created_at > since)) or 0


def _audit(db: Session, staff: StaffUser, action: str) -> None:
    """Who did it and to which account: ids only, never the number."""
    record_event(db, actor_type="staff", actor_id=str(staff.id), action=action,
                 subject_type="staff_user", subject_id=str(staff.id))
