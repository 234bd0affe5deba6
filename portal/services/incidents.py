"""Incidents: recording them and describing them to the public."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import DataCategory, Incident, IncidentKind


def list_incidents(db: Session) -> Sequence[Incident]:
    """Every incident, oldest first. Reading them needs no lookup of any person."""
    return db.scalars(select(Incident).order_by(Incident.occurred_on, Incident.id)).all()


def add_incident(
    db: Session,
    *,
    code: str,
    kind: IncidentKind,
    occurred_on: date,
    data_categories: Sequence[DataCategory],
    exposure_hours: int | None = None,
    in_custody_on: date | None = None,
    disclosed_to_country: str | None = None,
) -> Incident:
    """Record an incident, or update the one with the same code (safe to run twice)."""
    incident = db.scalar(select(Incident).where(Incident.code == code)) or Incident(code=code)
    incident.kind = kind
    incident.occurred_on = occurred_on
    incident.data_categories = [DataCategory(category).value for category in data_categories]
    incident.exposure_hours = exposure_hours
    incident.in_custody_on = in_custody_on
    incident.disclosed_to_country = disclosed_to_country
    db.add(incident)
    db.flush()
    return incident
