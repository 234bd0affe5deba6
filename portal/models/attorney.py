"""Attorneys and the clients they represent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class AttorneyStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class RepresentationMethod(StrEnum):
    ATTORNEY_OF_RECORD = "attorney_of_record"
    SHARE_CODE = "share_code"
    FORM_G28 = "form_g28"
    FORM_EOIR28 = "form_eoir28"
    BULK_MATCH = "bulk_match"


class Attorney(RowBoundRecord, Base):
    """An attorney account. No client is visible until staff have verified it."""

    __tablename__ = "attorney"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    firm: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_encrypted: Mapped[bytes | None] = encrypted_column()
    # Set when the first code from the authenticator app was accepted at registration: until
    # then the password step leads back to the set-up page, and nowhere else.
    totp_confirmed_at: Mapped[datetime | None]
    # Consecutive failed sign-ins (password or code); the account locks at the limit.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # The TOTP time step of the last code accepted: a code is never accepted twice.
    last_totp_step: Mapped[int | None]
    last_sign_in_at: Mapped[datetime | None]
    eoir_id: Mapped[str | None] = mapped_column(String(20))
    bar_jurisdiction: Mapped[str | None] = mapped_column(String(80))
    bar_number: Mapped[str | None] = mapped_column(String(40))
    # Blind indexes of the EOIR ID and the bar number, to match the imported attorney of record.
    eoir_id_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    bar_number_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    status: Mapped[AttorneyStatus] = enum_column(AttorneyStatus, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    totp_secret = Encrypted()


class Representation(Base):
    """An attorney acting for a person: how the link was made, when, and by whom."""

    __tablename__ = "representation"
    __table_args__ = (UniqueConstraint("attorney_id", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    attorney_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attorney.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    method: Mapped[RepresentationMethod] = enum_column(RepresentationMethod)
    established_at: Mapped[datetime] = mapped_column(default=utcnow)
    established_by_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(20))

    attorney: Mapped[Attorney] = relationship()


class ShareCode(Base):
    """A "give your lawyer a code" code that a verified person made in their own session, kept
    only as an Argon2id hash. A lawyer links to the person by typing it with the person's
    A-number and birth date (`portal.services.share_codes`).

    One row per person at most: making a new code replaces the old one, so only the newest
    can ever be used. It works for seven days, and once (`used_at`)."""

    __tablename__ = "share_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_attorney_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attorney.id", ondelete="SET NULL"))


class AttorneySession(Base):
    """An attorney's session, held server-side like a staff session (see StaffSession): the
    cookie carries a random token, this row its SHA-256. Until `second_factor_at` is set the
    session has passed the password step only and opens nothing but the code page (or, for
    an account whose authenticator is not confirmed yet, the set-up page)."""

    __tablename__ = "attorney_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    attorney_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attorney.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    second_factor_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
