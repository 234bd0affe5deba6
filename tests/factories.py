"""Building test people through the same writer the importer uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from portal.models import CustodyStatus, DataCategory, Incident, IncidentKind, Remedy
from portal.services.affected_row import AffectedRecord
from portal.services.affected_store import with_index, write_batch
from portal.services.incidents import add_incident

PERSON = AffectedRecord(
    row_number=1, a_number="201555001", last_name="Gutiérrez Morales", first_name="Lucía Fernanda",
    date_of_birth=date(1990, 3, 15), nationality="HN", custody_status=CustodyStatus.IN_CUSTODY,
    facility="Otay Mesa Detention Center", phone="+16195550142", preferred_language="en",
    incident_codes=("2022-11-posting",),
)


def add_incidents(db) -> None:
    add_incident(
        db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
        exposure_hours=5, in_custody_on=date(2022, 11, 19),
        data_categories=[DataCategory.NAME, DataCategory.DATE_OF_BIRTH, DataCategory.NATIONALITY,
                         DataCategory.A_NUMBER, DataCategory.FACILITY, DataCategory.FEAR_INTERVIEW],
    )
    add_incident(
        db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
        occurred_on=date(2022, 12, 7), disclosed_to_country="CU",
        data_categories=[DataCategory.NAME, DataCategory.PROTECTION_CLAIM],
    )


def add_person(db, **changes):
    """Store one person (PERSON with `changes`) and return their id."""
    from portal.models import AffectedPerson
    from portal.security.context import blind_index

    if db.scalar(select(Incident).limit(1)) is None:
        add_incidents(db)
    record = replace(PERSON, **changes)
    incidents = {incident.code: incident for incident in db.scalars(select(Incident))}
    remedies = list(db.scalars(select(Remedy)))
    write_batch(db, with_index([record]), incidents, remedies)
    return db.scalar(
        select(AffectedPerson.id).where(AffectedPerson.a_number_index == blind_index().a_number(record.a_number))
    )
