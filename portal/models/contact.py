"""How a person wants to be reached."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class ContactChannel(StrEnum):
    SMS = "sms"
    LETTER = "letter"
    ATTORNEY = "attorney"
    NONE = "none"


class ContactPreference(RowBoundRecord, Base):
    """The channel and language for notices. Set from the import until the person chooses
    (`chosen_at`); an opt-out stops SMS whatever the channel says."""

    __tablename__ = "contact_preference"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("affected_person.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[ContactChannel] = enum_column(ContactChannel, index=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    phone_verified_at: Mapped[datetime | None]
    postal_address_encrypted: Mapped[bytes | None] = encrypted_column()
    chosen_at: Mapped[datetime | None]
    opted_out_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phone = Encrypted()
    postal_address = Encrypted()
