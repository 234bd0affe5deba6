"""Staff accounts."""

from __future__ import annotations

import pyotp
from sqlalchemy.orm import Session

from portal.models import StaffRole, StaffUser
from portal.security.hashing import hash_secret
from portal.services.accounts import checked_account_details

TOTP_ISSUER = "Exposure Portal"


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
