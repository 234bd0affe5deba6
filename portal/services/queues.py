"""The staff work queues: remedy requests, interpreter call-backs, "post me a new notice"
letter requests and attorneys waiting for verification.

Each queue is a view over the records that still wait (oldest first); who has taken an item,
its status and a note live in `QueueItem`. Every change goes to the audit log with ids only
(never the note), and that log is the item's history. Nothing here commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    AuditEvent,
    InterpreterCallRequest,
    LetterRequest,
    PersonRemedy,
    QueueItem,
    QueueKind,
    QueueStatus,
    RemedyStatus,
    StaffUser,
)
from portal.services.attorneys import NotPending, reject_attorney, verify_attorney
from portal.services.audit import record_event
from portal.services.remedies import change_status
from portal.services.staff_people import NewsTextToSend, news_text_for
from portal.services.verification import birth_date_matches

LIST_LIMIT = 100
WAITING_REMEDY = (RemedyStatus.REQUESTED, RemedyStatus.IN_REVIEW)
DECIDABLE_REMEDY = (*WAITING_REMEDY, RemedyStatus.GRANTED)
DECISIONS = (RemedyStatus.GRANTED, RemedyStatus.DENIED, RemedyStatus.COMPLETED)


@dataclass(frozen=True)
class QueueSource:
    """Where a queue's items come from: the model, what "still waiting" means, and the
    attribute holding the time it has waited since."""

    model: Any
    subject_type: str  # as named in the audit log
    waiting: Any
    since: str

    @property
    def since_column(self) -> Any:
        return getattr(self.model, self.since)


SOURCES = {
    QueueKind.REMEDIES: QueueSource(PersonRemedy, "person_remedy", PersonRemedy.status.in_(WAITING_REMEDY),
                                    "updated_at"),
    QueueKind.INTERPRETERS: QueueSource(InterpreterCallRequest, "interpreter_call_request",
                                        InterpreterCallRequest.called_at.is_(None), "created_at"),
    QueueKind.LETTERS: QueueSource(LetterRequest, "letter_request", LetterRequest.resolved_at.is_(None),
                                   "created_at"),
    QueueKind.ATTORNEYS: QueueSource(Attorney, "attorney", Attorney.status == AttorneyStatus.PENDING, "created_at"),
}


class NotDecidable(Exception):
    """The remedy is not waiting for a decision, or the decision is not one staff make."""


class NotWaiting(Exception):
    """The call was already made, or the attorney already verified or rejected."""


@dataclass
class QueueEntry:
    """One queued record and its queue state (None: nobody has touched it yet)."""

    kind: QueueKind
    subject: Any
    item: QueueItem | None

    @property
    def subject_id(self) -> uuid.UUID:
        return self.subject.id

    @property
    def status(self) -> QueueStatus:
        return self.item.status if self.item else QueueStatus.OPEN

    @property
    def assigned_to(self) -> uuid.UUID | None:
        return self.item.assigned_to if self.item else None

    @property
    def note(self) -> str | None:
        return self.item.note if self.item else None

    @property
    def waiting_since(self) -> datetime:
        return getattr(self.subject, SOURCES[self.kind].since)


def _query(kind: QueueKind) -> Any:
    source = SOURCES[kind]
    return (select(source.model, QueueItem)
            .outerjoin(QueueItem, and_(QueueItem.kind == kind, QueueItem.subject_id == source.model.id))
            .where(source.waiting, or_(QueueItem.status.is_(None), QueueItem.status != QueueStatus.DONE)))


def queue_entries(db: Session, kind: QueueKind, *, limit: int = LIST_LIMIT) -> list[QueueEntry]:
    """The items still waiting and not marked done, oldest first."""
    rows = db.execute(_query(kind).order_by(SOURCES[kind].since_column).limit(limit))
    return [QueueEntry(kind, subject, item) for subject, item in rows]


def queue_size(db: Session, kind: QueueKind) -> int:
    """How many items `queue_entries` would list without a limit."""
    return db.scalar(select(func.count()).select_from(_query(kind).subquery())) or 0


def queue_entry(db: Session, kind: QueueKind, subject_id: uuid.UUID) -> QueueEntry | None:
    """One item, waiting or not, or None when there is no such record."""
    subject = db.get(SOURCES[kind].model, subject_id)
    if subject is None:
        return None
    return QueueEntry(kind, subject, _item_of(db, kind, subject_id))


def history(db: Session, entry: QueueEntry) -> list[AuditEvent]:
    """The audit events about this item, oldest first."""
    return list(db.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == SOURCES[entry.kind].subject_type, AuditEvent.subject_id == str(entry.subject_id),
    ).order_by(AuditEvent.id)))


def assign_to_me(db: Session, entry: QueueEntry, staff: StaffUser, *, now: datetime) -> None:
    """Give the item to this staff member."""
    item = _item_for(db, entry, now)
    if item.assigned_to == staff.id:
        return
    item.assigned_to = staff.id
    _record(db, entry, staff, "queue.assigned")


def update_item(db: Session, entry: QueueEntry, staff: StaffUser, *, status: QueueStatus, note: str | None,
                now: datetime) -> None:
    """Set the item's status and note; each change is recorded, an unchanged value is not.
    Taking a remedy request in hand also tells the person it is being looked at."""
    item = _item_for(db, entry, now)
    note = (note or "").strip() or None
    if item.status is not status:
        item.status = status
        if status is QueueStatus.IN_PROGRESS and entry.kind is QueueKind.REMEDIES:
            _start_review(db, entry.subject, staff, now)
        _record(db, entry, staff, "queue.status_changed", status=status.value)
    if item.note != note:
        item.note = note
        _record(db, entry, staff, "queue.note_changed")


def mark_called(db: Session, entry: QueueEntry, staff: StaffUser, *, now: datetime) -> None:
    """The interpreter has called the person back: the request leaves the queue."""
    request = entry.subject
    if request.called_at is not None:
        raise NotWaiting(str(entry.subject_id))
    request.called_at, request.called_by = now, staff.id
    _item_for(db, entry, now).status = QueueStatus.DONE
    _record(db, entry, staff, "interpreter.called")


def verify_pending_attorney(db: Session, entry: QueueEntry, staff: StaffUser, *, now: datetime) -> int:
    """Verify the attorney: they are linked to the people the list names them for as attorney
    of record, and those clients become visible to them. The item leaves the queue. Returns
    how many people were linked."""
    if entry.subject.status is not AttorneyStatus.PENDING:
        raise NotWaiting(str(entry.subject_id))
    linked = verify_attorney(db, entry.subject, staff)
    _item_for(db, entry, now).status = QueueStatus.DONE
    _record(db, entry, staff, "attorney.verified", linked=str(linked))
    return linked


def reject_pending_attorney(db: Session, entry: QueueEntry, staff: StaffUser, *, reason: str,
                            now: datetime) -> None:
    """Refuse the attorney, with a reason they will read when they sign in (kept on the
    account, not in the audit log). The item leaves the queue. Raises NotWaiting, or
    ReasonMissing for an empty reason."""
    try:
        reject_attorney(db, entry.subject, staff, reason=reason)
    except NotPending:
        raise NotWaiting(str(entry.subject_id)) from None
    _item_for(db, entry, now).status = QueueStatus.DONE
    _record(db, entry, staff, "attorney.rejected")


@dataclass(frozen=True)
class AttorneyMatches:
    """How many people the agency's list names a pending attorney for, by each identifier:
    shown to staff before they verify, since verifying links all of them."""

    by_eoir_id: int
    by_bar_number: int


def attorney_matches(db: Session, attorney: Attorney) -> AttorneyMatches:
    """Count the people whose attorney of record is this attorney's EOIR ID or bar number."""
    def count(index: bytes | None) -> int:
        if index is None:
            return 0
        return db.scalar(select(func.count()).select_from(AffectedPerson)
                         .where(AffectedPerson.attorney_of_record_index == index)) or 0

    return AttorneyMatches(count(attorney.eoir_id_index), count(attorney.bar_number_index))


def decide_remedy(db: Session, entry: QueueEntry, staff: StaffUser, *, decision: RemedyStatus, note: str | None,
                  notify: bool, now: datetime) -> NewsTextToSend | None:
    """Approve, refuse or complete a remedy request, with a dated step in its history (the
    note kept encrypted there). With `notify`, returns the text telling the person there is
    news, to send once the decision is committed (None: not asked, or the person gets no
    texts). Raises NotDecidable."""
    record: PersonRemedy = entry.subject
    if decision not in DECISIONS or record.status not in DECIDABLE_REMEDY or record.status is decision:
        raise NotDecidable(str(record.id))
    change_status(db, record, decision, actor_type="staff", actor_id=str(staff.id), now=now, note=note)
    _item_for(db, entry, now).status = QueueStatus.DONE
    text = news_text_for(db, record.person_id) if notify else None
    _record(db, entry, staff, "remedy.decided", status=decision.value, remedy=record.remedy.code,
            person=str(record.person_id), text="not_asked" if not notify else "sent" if text else "not_by_text")
    return text


def person_of_letter_request(db: Session, request: LetterRequest) -> tuple[uuid.UUID | None, bool]:
    """The person whose A-number the request gave (by blind index), and whether the date of
    birth given is theirs. For staff only: the public page never says."""
    person = db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == request.a_number_index))
    claimed = request.claimed_date_of_birth
    return (person.id if person else None), bool(person and claimed and birth_date_matches(person, claimed))


def staff_names(db: Session, ids: set[uuid.UUID | str | None]) -> dict[str, str]:
    """Full names of staff members by id (as text), to show who did what."""
    wanted = {uuid.UUID(str(value)) for value in ids if value}
    if not wanted:
        return {}
    return {str(user.id): user.full_name for user in db.scalars(select(StaffUser).where(StaffUser.id.in_(wanted)))}


def _start_review(db: Session, record: PersonRemedy, staff: StaffUser, now: datetime) -> None:
    if record.status is not RemedyStatus.REQUESTED:
        return
    change_status(db, record, RemedyStatus.IN_REVIEW, actor_type="staff", actor_id=str(staff.id), now=now)


def _item_of(db: Session, kind: QueueKind, subject_id: uuid.UUID) -> QueueItem | None:
    return db.scalar(select(QueueItem).where(QueueItem.kind == kind, QueueItem.subject_id == subject_id))


def _item_for(db: Session, entry: QueueEntry, now: datetime) -> QueueItem:
    """The entry's queue row, created open and unassigned on first use."""
    item = entry.item or _item_of(db, entry.kind, entry.subject_id)
    if item is None:
        item = QueueItem(kind=entry.kind, subject_id=entry.subject_id, status=QueueStatus.OPEN)
        db.add(item)
    item.updated_at = now
    entry.item = item
    return item


def _record(db: Session, entry: QueueEntry, staff: StaffUser, action: str, **details: str) -> None:
    record_event(db, actor_type="staff", actor_id=str(staff.id), action=action,
                 subject_type=SOURCES[entry.kind].subject_type, subject_id=str(entry.subject_id),
                 details={"queue": entry.kind.value, **details})
