"""One-time codes: the code a person asks for to prove they hold the phone on record, or to
confirm a new phone number.

A request always writes a row, whoever asked: whether anyone is sent the code is decided
later by the sender (`portal.services.one_time_codes.deliver_pending_codes`), outside the web
request, so the request itself takes the same work for members and strangers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class CodePurpose(StrEnum):
    IDENTIFY = "identify"
    CONFIRM_PHONE = "confirm_phone"


class OneTimeCode(RowBoundRecord, Base):
    __tablename__ = "one_time_code"
    __table_args__ = (Index("ix_one_time_code_lookup", "a_number_index", "purpose", "created_at"),)

    a_number_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    purpose: Mapped[CodePurpose] = enum_column(CodePurpose)
    # For CONFIRM_PHONE: the verified person whose new number is being confirmed.
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(200))
    # The language the person was reading when they asked: the SMS is written in it.
    locale: Mapped[str] = mapped_column(String(16), default="en")
    claimed_date_of_birth_encrypted: Mapped[bytes | None] = encrypted_column()
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    # The plain code, kept encrypted only until the sender has sent or discarded it.
    code_for_delivery_encrypted: Mapped[bytes | None] = encrypted_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    discarded_at: Mapped[datetime | None]

    claimed_date_of_birth = Encrypted(date)
    phone = Encrypted()
    code_for_delivery = Encrypted()


class OutboxMessage(RowBoundRecord, Base):
    """An SMS as the local `outbox` backend "sends" it: kept for the development outbox page
    instead of going to a provider. Encrypted like everything personal."""

    __tablename__ = "outbox_message"

    recipient_encrypted: Mapped[bytes | None] = encrypted_column()
    body_encrypted: Mapped[bytes | None] = encrypted_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    recipient = Encrypted()
    body = Encrypted()


class ConfirmationLetter(Base):
    """A confirmation letter issued to a person, checkable by its reference number."""

    __tablename__ = "confirmation_letter"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class LetterRequest(RowBoundRecord, Base):
    """"Send me a new notice by post": written for every request, member or not, and
    resolved by the next letter batch, which drops requests that match nobody."""

    __tablename__ = "letter_request"

    a_number_index: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    claimed_date_of_birth_encrypted: Mapped[bytes | None] = encrypted_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    claimed_date_of_birth = Encrypted(date)


class PersonSession(Base):
    """A verified person's session, held server-side so that signing out or going idle ends
    it for good, even if the cookie was copied. The cookie carries only a random token."""

    __tablename__ = "person_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
