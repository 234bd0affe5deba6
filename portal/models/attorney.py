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
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_encrypted: Mapped[bytes | None] = encrypted_column()
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
