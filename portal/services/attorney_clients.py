"""An attorney's clients: who they may reach, and the list on their dashboard.

A person is an attorney's client while a representation links them and has not been
revoked, and only while the attorney's account is verified. Every lookup of one client goes
through `live_client`, so a revoked link or an unverified account closes every page at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    ContactChannel,
    CustodyStatus,
    DataCategory,
    Exposure,
    PersonRemedy,
    RemedyStatus,
    Representation,
)
from portal.security.a_numbers import masked_a_number
from portal.services.audit import record_event
from portal.services.confirmation_letters import issue_letter
from portal.services.contact import choose_attorney, choose_language, stop_sms
from portal.services.exposure import IncidentExposure
from portal.services.incidents import list_incidents
from portal.services.remedies import RemedyStanding, remedies_of_people, request_remedy

CLIENTS_PER_PAGE = 25
ACTOR = "attorney"  # the actor type of every audit event an attorney causes


def live_client(db: Session, attorney: Attorney, person_id: uuid.UUID | str) -> AffectedPerson | None:
    """The person, if they are a live client of this verified attorney; None otherwise (an
    unknown id, a malformed one, another attorney's client, a revoked link, or an account
    not verified), so that callers give the same answer whatever the reason."""
    if attorney.status != AttorneyStatus.VERIFIED:
        return None
    try:
        wanted = person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(str(person_id))
    except ValueError:
        return None
    return db.scalar(
        select(AffectedPerson)
        .join(Representation, Representation.person_id == AffectedPerson.id)
        .where(
            Representation.attorney_id == attorney.id,
            Representation.person_id == wanted,
            Representation.revoked_at.is_(None),
        )
    )


@dataclass(frozen=True)
class ClientFilters:
    """What the dashboard is narrowed to; None everywhere shows every client."""

    remedy_status: RemedyStatus | None = None
    has_requested: bool | None = None  # asked for any remedy (whatever became of it since)
    custody: CustodyStatus | None = None


@dataclass(frozen=True)
class ClientSummary:
    """One client at a glance: the person, how they were linked, the incidents that exposed
    them and the remedies that apply to them."""

    person: AffectedPerson
    representation: Representation
    exposures: list[IncidentExposure]
    remedies: list[RemedyStanding]

    @property
    def masked_a_number(self) -> str:
        return masked_a_number(self.person.a_number)


@dataclass(frozen=True)
class ClientPage:
    clients: list[ClientSummary]
    page: int
    pages: int
    total: int


def client_page(db: Session, attorney: Attorney, filters: ClientFilters, *, page: int = 1,
                per_page: int | None = None) -> ClientPage:
    """One page of the attorney's live clients, newest link first, narrowed by `filters`.
    Nothing for an account that is not verified. Three queries for the page's people's
    details, whatever their number."""
    if attorney.status != AttorneyStatus.VERIFIED:
        return ClientPage([], 1, 1, 0)
    per_page = per_page or CLIENTS_PER_PAGE
    query = _filtered(_live_clients(attorney), filters)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.execute(
        query.order_by(Representation.established_at.desc(), Representation.id).offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    people = [person.id for person, _representation in rows]
    remedies = remedies_of_people(db, people)
    exposures = _exposures_of_people(db, people)
    clients = [ClientSummary(person, representation, exposures[person.id], remedies[person.id])
               for person, representation in rows]
    return ClientPage(clients, page, pages, total)


def _live_clients(attorney: Attorney) -> Select[tuple[AffectedPerson, Representation]]:
    return (
        select(AffectedPerson, Representation)
        .join(Representation, Representation.person_id == AffectedPerson.id)
        .where(Representation.attorney_id == attorney.id, Representation.revoked_at.is_(None))
    )


def _filtered(query: Select[Any], filters: ClientFilters) -> Select[Any]:
    if filters.custody is not None:
        query = query.where(AffectedPerson.custody_status == filters.custody)
    if filters.remedy_status is not None:
        query = query.where(_has_remedy(PersonRemedy.status == filters.remedy_status))
    if filters.has_requested is not None:
        asked = _has_remedy(PersonRemedy.status != RemedyStatus.ELIGIBLE)
        query = query.where(asked if filters.has_requested else ~asked)
    return query


def _has_remedy(condition: Any) -> Any:
    return exists().where(PersonRemedy.person_id == AffectedPerson.id, condition)


def _exposures_of_people(db: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[IncidentExposure]]:
    """`exposure_of` (portal.services.exposure) for a page of people, in two queries."""
    incidents = list_incidents(db)
    exposed: dict[uuid.UUID, dict[int, list[str]]] = {person_id: {} for person_id in person_ids}
    for exposure in db.scalars(select(Exposure).where(Exposure.person_id.in_(person_ids))):
        exposed[exposure.person_id][exposure.incident_id] = exposure.categories
    order = list(DataCategory)
    return {
        person_id: [IncidentExposure(incident, tuple(sorted(map(DataCategory, found.get(incident.id, [])),
                                                            key=order.index)))
                    for incident in incidents]
        for person_id, found in exposed.items()
    }


# --- Acting for a client ---------------------------------------------------------------------
# The client's own services do the work, so the attorney sees and does exactly what the client
# can; each action is recorded with the attorney as the actor and the person as the subject.


def request_remedy_for(db: Session, attorney: Attorney, person_id: uuid.UUID, code: str, *, now: datetime) -> None:
    """Ask for a remedy on the client's behalf. Raises RemedyNotAvailable. Does not commit."""
    request_remedy(db, person_id, code, actor_type=ACTOR, actor_id=str(attorney.id), now=now)


def contact_through_attorney(db: Session, attorney: Attorney, person_id: uuid.UUID, *, now: datetime) -> None:
    """Send the client's notices to their lawyer. Raises NoAttorneyLinked. Does not commit."""
    choose_attorney(db, person_id, now=now, actor=(ACTOR, str(attorney.id)))
    _record(db, attorney, person_id, "attorney.contact_changed", change="channel",
            channel=ContactChannel.ATTORNEY.value)


def choose_language_for(db: Session, attorney: Attorney, person_id: uuid.UUID, locale: str, *, now: datetime) -> None:
    """Write the client's texts and letters in `locale` (a supported locale). Does not commit."""
    choose_language(db, person_id, locale, now=now, actor=(ACTOR, str(attorney.id)))
    _record(db, attorney, person_id, "attorney.contact_changed", change="language", language=locale)


def stop_texts_for(db: Session, attorney: Attorney, person_id: uuid.UUID, *, now: datetime) -> None:
    """Stop text messages to the client. Does not commit."""
    channel = stop_sms(db, person_id, now=now, actor=(ACTOR, str(attorney.id)))
    _record(db, attorney, person_id, "attorney.contact_changed", change="sms_stopped", channel=channel.value)


def issue_letter_for(db: Session, attorney: Attorney, person_id: uuid.UUID, *, now: datetime) -> None:
    """Issue a new confirmation letter to the client, at the attorney's request. Does not commit."""
    issue_letter(db, person_id, now=now, actor_type=ACTOR, actor_id=str(attorney.id))


def _record(db: Session, attorney: Attorney, person_id: uuid.UUID, action: str, **details: str) -> None:
    record_event(db, actor_type=ACTOR, actor_id=str(attorney.id), action=action, subject_type="person",
                 subject_id=str(person_id), details=details)
