"""The remedies catalogue, where a person stands with each remedy, and asking for one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
    records = {
        record.remedy_id: record
        for record in db.scalars(
            select(PersonRemedy).where(PersonRemedy.person_id == person_id).options(selectinload(PersonRemedy.history))
        )
    }
    catalogue = db.scalars(select(Remedy).order_by(Remedy.sort_order, Remedy.id))
    return [RemedyStanding(remedy, records.get(remedy.id)) for remedy in catalogue]


def remedy_of(db: Session, person_id: uuid.UUID, code: str) -> RemedyStanding | None:
    """One remedy by its code, or None if the catalogue has no such remedy."""
    return next((standing for standing in remedies_of(db, person_id) if standing.remedy.code == code), None)


def request_remedy(
    db: Session, person_id: uuid.UUID, code: str, *, actor_type: str, actor_id: str, now: datetime
) -> PersonRemedy:
    """Ask for a remedy that applies and has not been asked for; records it in the history
    and the audit log. Raises RemedyNotAvailable otherwise. Does not commit."""
    standing = remedy_of(db, person_id, code)
    if standing is None or not standing.can_request or standing.record is None:
        raise RemedyNotAvailable(code)
    record = standing.record
    record.status = RemedyStatus.REQUESTED
    record.updated_at = now
    db.add(RemedyEvent(person_remedy_id=record.id, status=RemedyStatus.REQUESTED, occurred_at=now,
                       actor_type=actor_type, actor_id=actor_id))
    record_event(db, actor_type=actor_type, actor_id=actor_id, action="remedy.requested",
                 subject_type="person", subject_id=str(person_id), details={"remedy": code})
    return record
