"""Rules shared by staff and attorney accounts: email addresses, passwords, uniqueness."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Attorney, StaffUser

MIN_PASSWORD_LENGTH = 12


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


def checked_account_details(
    db: Session, model: type[StaffUser] | type[Attorney], *, email: str, full_name: str, password: str
) -> str:
    """The normalised email address, once the details are usable and the address is free
    among accounts of this kind. Raises EmailTaken, PasswordTooShort or InvalidAccountDetails."""
    address = normalise_email(email)
    check_password(password)
    if not full_name.strip():
        raise InvalidAccountDetails("The name must not be empty.")
    if db.scalar(select(model.id).where(model.email == address)) is not None:
        raise EmailTaken(f"An account with the email address {address} already exists.")
    return address
