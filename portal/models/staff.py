"""Agency staff accounts, and their sessions in the staff console."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class StaffRole(StrEnum):
    VIEWER = "viewer"
    CASEWORKER = "caseworker"
    NOTIFIER = "notifier"
    APPROVER = "approver"
    ADMIN = "admin"


class StaffUser(RowBoundRecord, Base):
    __tablename__ = "staff_user"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = enum_column(StaffRole)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_encrypted: Mapped[bytes | None] = encrypted_column()
    # Consecutive failed sign-ins (password or code); the account locks at the limit.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # The TOTP time step of the last code accepted: a code is never accepted twice.
    last_totp_step: Mapped[int | None]
    last_sign_in_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The staff member's own mobile number, for campaign test messages. Set only once a code
    # texted to it has been typed back (`portal.services.staff_phones`), so it is always verified.
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    phone_verified_at: Mapped[datetime | None]

    totp_secret = Encrypted()
    phone = Encrypted()


class StaffPhoneCode(RowBoundRecord, Base):
    """A 6-digit code texted to a number a staff member wants on their account. The number
    stays here, encrypted, until the code is typed back; only the code's hash is kept."""

    __tablename__ = "staff_phone_code"
    __table_args__ = (Index("ix_staff_phone_code_lookup", "staff_user_id", "created_at"),)

    staff_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]

    phone = Encrypted()


class StaffSession(Base):
    """A staff member's session, held server-side so that signing out, going idle or being
    deactivated ends it for good, even if the cookie was copied. The cookie carries only a
    random token; this row holds its SHA-256. Until `second_factor_at` is set the session has
    passed the password step only and opens nothing but the code page."""

    __tablename__ = "staff_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    staff_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    second_factor_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
