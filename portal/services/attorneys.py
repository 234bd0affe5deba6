"""Attorney accounts: registration, the authenticator app, and verification by staff.

A verified attorney is linked at once to every person the agency's list names them for as
attorney of record (by the blind index of their EOIR ID or bar number); a rejected one is
told why. Both are recorded in the audit log, by id."""

from __future__ import annotations

import uuid

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    Representation,
    RepresentationMethod,
    StaffUser,
    utcnow,
)
from portal.security.context import blind_index
from portal.security.hashing import hash_secret
from portal.services.accounts import checked_account_details
from portal.services.audit import record_event
from portal.services.staff import totp_provisioning_uri

REASON_LIMIT = 500  # the column's size


class NotPending(Exception):
    """The attorney was already verified or rejected."""


class ReasonMissing(ValueError):
    """A rejection needs a reason the attorney can read."""


def create_attorney(
    db: Session,
    *,
    email: str,
    full_name: str,
    password: str,
    firm: str | None = None,
    eoir_id: str | None = None,
    bar_jurisdiction: str | None = None,
    bar_number: str | None = None,
) -> Attorney:
    """Register an attorney, pending verification by staff.

    The EOIR ID and bar number are also kept as blind indexes, so a verified attorney can be
    matched to the people the agency's list names them for without scanning encrypted rows.
    Raises EmailTaken, PasswordTooShort or InvalidAccountDetails. Flushes, does not commit."""
    address = checked_account_details(db, Attorney, email=email, full_name=full_name, password=password)
    attorney = Attorney(
        email=address,
        full_name=full_name.strip(),
        firm=_clean(firm),
        password_hash=hash_secret(password),
        eoir_id=_clean(eoir_id),
        bar_jurisdiction=_clean(bar_jurisdiction),
        bar_number=_clean(bar_number),
        eoir_id_index=_identifier_index(eoir_id),
        bar_number_index=_identifier_index(bar_number),
        status=AttorneyStatus.PENDING,
    )
    db.add(attorney)
    db.flush()
    return attorney


def authenticator_secret(db: Session, attorney: Attorney) -> str:
    """The TOTP secret to show on the set-up page, created on first use. Only an account
    whose authenticator is not confirmed yet may be shown it: once the first code is
    accepted, the secret is never shown again. Flushes, does not commit."""
    if attorney.totp_confirmed_at is not None:
        raise PermissionError("the authenticator app of this account is already set up")
    if not attorney.totp_secret:
        attorney.totp_secret = pyotp.random_base32()
        db.flush()
    return attorney.totp_secret


def authenticator_uri(attorney: Attorney, secret: str) -> str:
    """The otpauth:// URI for the authenticator app (to paste, or to read as a QR code)."""
    return totp_provisioning_uri(attorney.email, secret)


def verify_attorney(db: Session, attorney: Attorney, staff_user: StaffUser) -> int:
    """Mark the attorney verified by this staff member, from now, and link them to the
    people the list names them for as attorney of record. Returns how many were linked.
    Flushes, does not commit."""
    attorney.status = AttorneyStatus.VERIFIED
    attorney.status_reason = None
    attorney.verified_at = utcnow()
    attorney.verified_by_id = staff_user.id
    db.flush()
    return _link_clients_of_record(db, attorney, staff_user)


def reject_attorney(db: Session, attorney: Attorney, staff_user: StaffUser, *, reason: str) -> None:
    """Refuse a pending attorney, with a reason shown to them when they sign in. Raises
    NotPending or ReasonMissing. Not recorded here: the verification queue records the
    decision (without the reason, which may name people). Flushes, does not commit."""
    if attorney.status is not AttorneyStatus.PENDING:
        raise NotPending(str(attorney.id))
    cleaned = reason.strip()
    if not cleaned:
        raise ReasonMissing("a rejection needs a reason")
    attorney.status = AttorneyStatus.REJECTED
    attorney.status_reason = cleaned[:REASON_LIMIT]
    db.flush()


def _people_of_record(db: Session, attorney: Attorney) -> list[uuid.UUID]:
    """The ids of the people the agency's list names this attorney for (by the blind index
    of their EOIR ID or bar number)."""
    indexes = [index for index in (attorney.eoir_id_index, attorney.bar_number_index) if index]
    if not indexes:
        return []
    return list(db.scalars(select(AffectedPerson.id).where(AffectedPerson.attorney_of_record_index.in_(indexes))))


def _link_clients_of_record(db: Session, attorney: Attorney, staff_user: StaffUser) -> int:
    """Link the attorney to each person the list names them for, established by the staff
    member who verified them; one audit event per link. A person already linked to this
    attorney, or who revoked a link to them, is left as they are: a client's "no" stands.
    Returns how many were linked. Flushes, does not commit."""
    already = set(db.scalars(select(Representation.person_id).where(Representation.attorney_id == attorney.id)))
    now = utcnow()
    linked = 0
    for person_id in _people_of_record(db, attorney):
        if person_id in already:
            continue
        db.add(Representation(attorney_id=attorney.id, person_id=person_id,
                              method=RepresentationMethod.ATTORNEY_OF_RECORD, established_at=now,
                              established_by_staff_id=staff_user.id))
        record_event(db, actor_type="staff", actor_id=str(staff_user.id), action="representation.established",
                     subject_type="person", subject_id=str(person_id),
                     details={"attorney": str(attorney.id), "method": RepresentationMethod.ATTORNEY_OF_RECORD.value})
        linked += 1
    db.flush()
    return linked


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _identifier_index(identifier: str | None) -> bytes | None:
    cleaned = _clean(identifier)
    return blind_index().attorney_identifier(cleaned) if cleaned else None
