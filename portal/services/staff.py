"""Staff accounts: creating them, what each role may do, and deactivating them."""

from __future__ import annotations

from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from portal.models import StaffRole, StaffUser
from portal.security.hashing import hash_secret
from portal.services.accounts import checked_account_details
from portal.services.audit import record_event
from portal.services.staff_sessions import end_sessions_of

TOTP_ISSUER = "Exposure Portal"

# What each role may do: the one place that says so. Views declare the capability they need
# (`@staff_required("work_requests")`); services that act for staff may check it too.
CAPABILITIES: dict[str, frozenset[StaffRole]] = {
    "view_people": frozenset(StaffRole),
    "work_requests": frozenset({StaffRole.CASEWORKER, StaffRole.ADMIN}),
    "write_campaigns": frozenset({StaffRole.NOTIFIER, StaffRole.ADMIN}),
    "approve_campaigns": frozenset({StaffRole.APPROVER, StaffRole.ADMIN}),
    "send_letters": frozenset({StaffRole.NOTIFIER, StaffRole.ADMIN}),
    "manage_staff": frozenset({StaffRole.ADMIN}),
}


class UnknownCapability(KeyError):
    """A capability that is not in CAPABILITIES: a typo in code, never a user's mistake."""


def can(role: StaffRole, capability: str) -> bool:
    """Whether staff with this role have the capability. Raises UnknownCapability for a
    name not in CAPABILITIES, so a misspelt check fails loudly instead of refusing quietly."""
    if capability not in CAPABILITIES:
        raise UnknownCapability(capability)
    return StaffRole(role) in CAPABILITIES[capability]


def create_staff_user(
    db: Session, *, email: str, full_name: str, role: StaffRole, password: str
) -> tuple[StaffUser, str]:
    """Create a staff account and return it with its new TOTP secret.

    The password is stored only as an Argon2id hash and the TOTP secret only encrypted, so
    the returned secret is the one chance to show it to the new user (with
    `totp_provisioning_uri`). Raises EmailTaken, PasswordTooShort or InvalidAccountDetails
    (all ValueErrors). Flushes, does not commit."""
    address = checked_account_details(db, StaffUser, email=email, full_name=full_name, password=password)
    totp_secret = pyotp.random_base32()
    user = StaffUser(
        email=address, full_name=full_name.strip(), role=StaffRole(role), password_hash=hash_secret(password)
    )
    user.totp_secret = totp_secret
    db.add(user)
    db.flush()
    return user, totp_secret


def totp_provisioning_uri(email: str, totp_secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed in, or shown as a QR code)."""
    return pyotp.TOTP(totp_secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def deactivate_staff_user(db: Session, user: StaffUser, *, actor_type: str, actor_id: str | None,
                          now: datetime) -> None:
    """Stop an account from signing in, and end its open sessions at once. Recorded in the
    audit log. Flushes, does not commit."""
    user.active = False
    end_sessions_of(db, user.id, now=now, reason="deactivated")
    record_event(db, actor_type=actor_type, actor_id=actor_id, action="staff.deactivated",
                 subject_type="staff_user", subject_id=str(user.id))
