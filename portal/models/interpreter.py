"""Requests for an interpreter to call back, from people who do not read any of the portal's
languages. The phone number is encrypted; the request says nothing else about the caller and
is not linked to anyone in the file."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, utcnow


class InterpreterCallRequest(RowBoundRecord, Base):
    __tablename__ = "interpreter_call_request"

    # ISO 639 code of the spoken language, from portal.services.interpreters.SPOKEN_LANGUAGES.
    language: Mapped[str] = mapped_column(String(16))
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Set by staff once the call has been made (the staff queue).
    called_at: Mapped[datetime | None]
    called_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    phone = Encrypted()
