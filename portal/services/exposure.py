"""What each incident exposed about a person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import DataCategory, Exposure, Incident
from portal.services.incidents import list_incidents


@dataclass(frozen=True)
class IncidentExposure:
    """One incident, and what it exposed about this person (empty: they were not in it)."""

    incident: Incident
    categories: tuple[DataCategory, ...]

    @property
    def affected(self) -> bool:
        return bool(self.categories)


def exposure_of(db: Session, person_id: uuid.UUID) -> list[IncidentExposure]:
    """Every incident, oldest first, with the categories of this person's data it exposed."""
    exposed = {
        exposure.incident_id: exposure.categories
        for exposure in db.scalars(select(Exposure).where(Exposure.person_id == person_id))
    }
    order = list(DataCategory)
    return [
        IncidentExposure(incident, tuple(sorted(map(DataCategory, exposed.get(incident.id, [])), key=order.index)))
        for incident in list_incidents(db)
    ]
