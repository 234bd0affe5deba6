"""Attorney accounts: registration and verification by staff."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import Attorney, AttorneyStatus, StaffUser, utcnow
from portal.security.context import blind_index
from portal.security.hashing import hash_secret
from portal.services.accounts import checked_account_details


def create_attorney(
    db: Session,
    *,
    email: str,
    full_name: str,
    password: str,
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


def verify_attorney(db: Session, attorney: Attorney, staff_user: StaffUser) -> None:
    """Mark the attorney verified by this staff member, from now. Flushes, does not commit."""
    attorney.status = AttorneyStatus.VERIFIED
    attorney.status_reason = None
    attorney.verified_at = utcnow()
    attorney.verified_by_id = staff_user.id
    db.flush()


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _identifier_index(identifier: str | None) -> bytes | None:
    cleaned = _clean(identifier)
    return blind_index().attorney_identifier(cleaned) if cleaned else None
