"""What comes back from phones: opt-outs and opt-ins by keyword, and other replies for staff."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, utcnow


class SmsOptOut(Base):
    """A phone number that said STOP (or its equivalent in another language). Kept by blind
    index only: an opt-out holds for the number, whoever's record it is on."""

    __tablename__ = "sms_opt_out"

    phone_index: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    opted_out_at: Mapped[datetime | None]
    opted_in_at: Mapped[datetime | None]
    keyword: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboundMessage(RowBoundRecord, Base):
    """A reply that is not a keyword, for the staff inbox. Sender and text are encrypted."""

    __tablename__ = "inbound_message"

    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    sender_encrypted: Mapped[bytes | None] = encrypted_column()
    sender_index: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    body_encrypted: Mapped[bytes | None] = encrypted_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    sender = Encrypted()
    body = Encrypted()
