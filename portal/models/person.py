"""The people named in the disclosed file, and what each incident exposed about them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow
from portal.models.incident import Incident


class CustodyStatus(StrEnum):
    IN_CUSTODY = "in_custody"
    RELEASED = "released"
    REMOVED = "removed"


class AffectedPerson(RowBoundRecord, Base):
    """One person in the affected list. Found only through `a_number_index`; every other
    personal detail is ciphertext bound to this row."""

    __tablename__ = "affected_person"

    a_number_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    a_number_encrypted: Mapped[bytes | None] = encrypted_column()
    last_name_encrypted: Mapped[bytes | None] = encrypted_column()
    first_name_encrypted: Mapped[bytes | None] = encrypted_column()
    date_of_birth_encrypted: Mapped[bytes | None] = encrypted_column()
    nationality_encrypted: Mapped[bytes | None] = encrypted_column()
    facility_encrypted: Mapped[bytes | None] = encrypted_column()
    phone_encrypted: Mapped[bytes | None] = encrypted_column()
    postal_address_encrypted: Mapped[bytes | None] = encrypted_column()
    attorney_of_record_name_encrypted: Mapped[bytes | None] = encrypted_column()
    attorney_of_record_identifier_encrypted: Mapped[bytes | None] = encrypted_column()
    # Lets a verified attorney be matched to the clients the agency lists them for.
    attorney_of_record_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    custody_status: Mapped[CustodyStatus] = enum_column(CustodyStatus)
    preferred_language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    a_number = Encrypted()
    last_name = Encrypted()
    first_name = Encrypted()
    date_of_birth = Encrypted(date)
    nationality = Encrypted()
    facility = Encrypted()
    phone = Encrypted()
    postal_address = Encrypted()
    attorney_of_record_name = Encrypted()
    attorney_of_record_identifier = Encrypted()

    exposures: Mapped[list[Exposure]] = relationship(back_populates="person", cascade="all, delete-orphan")


class Exposure(Base):
    """Which categories of a person's data one incident exposed."""

    __tablename__ = "exposure"
    __table_args__ = (UniqueConstraint("person_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    categories: Mapped[list[str]]

    person: Mapped[AffectedPerson] = relationship(back_populates="exposures")
    incident: Mapped[Incident] = relationship()
