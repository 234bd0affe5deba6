"""The remedies catalogue, where a person stands with each remedy, and asking for one."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import PersonRemedy, Remedy, RemedyEvent, RemedyStatus
from portal.services.audit import record_event


class RemedyNotAvailable(Exception):
    """The remedy does not apply to this person, or was already asked for."""


@dataclass(frozen=True)
class RemedyStanding:
    """A catalogue remedy and this person's record of it (None: it does not apply to them)."""

    remedy: Remedy
    record: PersonRemedy | None

    @property
    def applies(self) -> bool:
        return self.record is not None

    @property
    def can_request(self) -> bool:
        return self.record is not None and self.record.status is RemedyStatus.ELIGIBLE

    @property
    def history(self) -> Sequence[RemedyEvent]:
        return self.record.history if self.record else ()


def remedies_of(db: Session, person_id: uuid.UUID) -> list[RemedyStanding]:
    """Every remedy in the catalogue, in order, with this person's status and history."""
    return remedies_of_people(db, [person_id])[person_id]


def remedies_of_people(db: Session, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[RemedyStanding]]:
    """`remedies_of` for each of a batch of people (a letter batch, not the whole list), in
    three queries whatever their number: the catalogue, their records, their histories."""
    catalogue = db.scalars(select(Remedy).order_by(Remedy.sort_order, Remedy.id)).all()
    records: dict[uuid.UUID, dict[int, PersonRemedy]] = defaultdict(dict)
    for record in db.scalars(select(PersonRemedy).where(PersonRemedy.person_id.in_(list(person_ids)))
                             .options(selectinload(PersonRemedy.history))):
        records[record.person_id][record.remedy_id] = record
    return {person_id: [RemedyStanding(remedy, records[person_id].get(remedy.id)) for remedy in catalogue]
            for person_id in person_ids}


def remedy_of(db: Session, person_id: uuid.UUID, code: str) -> RemedyStanding | None:
    """One remedy by its code, or None if the catalogue has no such remedy."""
    return next((standing for standing in remedies_of(db, person_id) if standing.remedy.code == code), None)


def change_status(db: Session, record: PersonRemedy, status: RemedyStatus, *, actor_type: str,
                  actor_id: str | None, now: datetime, note: str | None = None) -> RemedyEvent:
    """Move a person's remedy to `status`, with a dated step in its history (a note, if any,
    kept encrypted there). The one way a remedy's status changes, whoever changes it. The
    caller records in the audit log what the change was; nothing here commits."""
    record.status, record.updated_at = status, now
    step = RemedyEvent(person_remedy_id=record.id, status=status, occurred_at=now, actor_type=actor_type,
                       actor_id=actor_id, note=(note or "").strip() or None)
    db.add(step)
    return step


def request_remedy(
    db: Session, person_id: uuid.UUID, code: str, *, actor_type: str, actor_id: str, now: datetime
) -> PersonRemedy:
    """Ask for a remedy that applies and has not been asked for; records it in the history
    and the audit log. Raises RemedyNotAvailable otherwise. Does not commit."""
    standing = remedy_of(db, person_id, code)
    if standing is None or not standing.can_request or standing.record is None:
        raise RemedyNotAvailable(code)
    change_status(db, standing.record, RemedyStatus.REQUESTED, actor_type=actor_type, actor_id=actor_id, now=now)
    record_event(db, actor_type=actor_type, actor_id=actor_id, action="remedy.requested",
                 subject_type="person", subject_id=str(person_id), details={"remedy": code})
    return standing.record
