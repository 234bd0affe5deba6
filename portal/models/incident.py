"""Disclosure incidents. Their public wording comes from the translation catalogues, chosen
by `kind`; the rows hold only facts (dates, duration, country, categories)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, enum_column, utcnow


class IncidentKind(StrEnum):
    PUBLIC_POSTING = "public_posting"
    FOREIGN_GOVERNMENT_DISCLOSURE = "foreign_government_disclosure"


class DataCategory(StrEnum):
    """What kinds of personal detail an incident exposed."""

    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    NATIONALITY = "nationality"
    A_NUMBER = "a_number"
    FACILITY = "facility"
    FEAR_INTERVIEW = "fear_interview"
    PROTECTION_CLAIM = "protection_claim"


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[IncidentKind] = enum_column(IncidentKind)
    occurred_on: Mapped[date]
    exposure_hours: Mapped[int | None]
    # Who could be affected, stated publicly: people in custody on this date.
    in_custody_on: Mapped[date | None]
    disclosed_to_country: Mapped[str | None] = mapped_column(String(2))
    data_categories: Mapped[list[str]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
