"""The remedies the agency offers, and where each person stands with each one."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class RemedyStatus(StrEnum):
    ELIGIBLE = "eligible"
    REQUESTED = "requested"
    IN_REVIEW = "in_review"
    GRANTED = "granted"
    DENIED = "denied"
    COMPLETED = "completed"


class Remedy(Base):
    """A remedy in the catalogue. `eligible_custody_statuses` says to whom it applies."""

    __tablename__ = "remedy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    eligible_custody_statuses: Mapped[list[str]]
    sort_order: Mapped[int] = mapped_column(default=0)


class PersonRemedy(Base):
    """A remedy that applies to a person; absence of a row means it does not apply."""

    __tablename__ = "person_remedy"
    __table_args__ = (UniqueConstraint("person_id", "remedy_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"))
    remedy_id: Mapped[int] = mapped_column(ForeignKey("remedy.id"), index=True)
    status: Mapped[RemedyStatus] = enum_column(RemedyStatus, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    remedy: Mapped[Remedy] = relationship()
    history: Mapped[list[RemedyEvent]] = relationship(order_by="RemedyEvent.occurred_at")


class RemedyEvent(RowBoundRecord, Base):
    """One dated step in a person's remedy: requested, taken into review, decided..."""

    __tablename__ = "remedy_event"

    person_remedy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person_remedy.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RemedyStatus] = enum_column(RemedyStatus)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    note_encrypted: Mapped[bytes | None] = encrypted_column()

    note = Encrypted()
