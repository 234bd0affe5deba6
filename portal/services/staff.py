"""Staff accounts, and the sign-in rules shared with attorney accounts."""

from __future__ import annotations

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import StaffRole, StaffUser
from portal.security.hashing import hash_secret

MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Exposure Portal"


class AccountError(ValueError):
    """An account cannot be created as asked. The message is safe to show to the operator."""


class EmailTaken(AccountError):
    """Another account of the same kind already uses this email address."""


class PasswordTooShort(AccountError):
    """The password is shorter than MIN_PASSWORD_LENGTH."""


class InvalidAccountDetails(AccountError):
    """The email address or the name is missing or malformed."""


def normalise_email(email: str) -> str:
    """The email address as stored and compared: trimmed and lowercased."""
    normalised = email.strip().lower()
    local, _, domain = normalised.partition("@")
    if not local or "." not in domain or any(char.isspace() for char in normalised):
        raise InvalidAccountDetails("That is not an email address.")
    return normalised


def check_password(password: str) -> None:
    """Raise PasswordTooShort unless the password is long enough to be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")


def create_staff_user(
    db: Session, *, email: str, full_name: str, role: StaffRole, password: str
) -> tuple[StaffUser, str]:
    """Create a staff account and return it with its new TOTP secret.

    The password is stored only as an Argon2id hash and the TOTP secret only encrypted, so
    the returned secret is the one chance to show it to the new user (with
    `totp_provisioning_uri`). Raises EmailTaken, PasswordTooShort or InvalidAccountDetails
    (all ValueErrors). Flushes, does not commit."""
    address = normalise_email(email)
    check_password(password)
    if not full_name.strip():
        raise InvalidAccountDetails("The name must not be empty.")
    if db.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None:
        raise EmailTaken(f"A staff account with the email address {address} already exists.")
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
