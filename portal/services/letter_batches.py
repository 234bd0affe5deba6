"""Letter batches: notices by post, for people texts cannot reach.

    submitted ──approve──▶ approved ──download (any number of times)──▶ mark posted ──▶ posted
        └──────reject──▶ rejected

A batch is created by staff who may send letters and approved by other staff who may approve
campaigns; nobody decides on a batch they created (refused here, and by a CHECK constraint).

Who gets a letter: people whose channel is letter; people an SMS notice could not reach
(the number itself cannot get texts) who have an address; and people who asked for a new
notice by post ("letter requests"), if the details they typed are theirs. The address is
the one the person gave us, else the one on the agency's list. An address holding control
characters is not printed: the person is left out and reported by internal id. A person is
not written to again while a batch holding them is waiting, approved or posted, unless a
text to them failed after that batch was created.

Only the list of people (and their language) is stored. The letters, with their plain notice
codes, are rendered when the batch is downloaded: each download issues new codes and revokes
the previous download's, so only the codes of the copy last printed work."""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from portal.messaging.notice_letters import SAMPLE_CODE, NoticeLetter, render_batch
from portal.models import (
    AffectedPerson,
    Channel,
    ContactChannel,
    ContactPreference,
    DataCategory,
    Exposure,
    LetterBatch,
    LetterBatchLetter,
    LetterBatchRequest,
    LetterBatchState,
    LetterRequest,
    NoticeCode,
    Notification,
    NotificationState,
    StaffUser,
)
from portal.services.audit import record_event
from portal.services.contact import message_locale
from portal.services.exposure import IncidentExposure
from portal.services.incidents import list_incidents
from portal.services.notice_codes import new_notice_codes
from portal.services.remedies import RemedyStanding, remedies_of_people
from portal.services.staff import can
from portal.services.verification import birth_date_matches

# Approving and each download render every letter inside the web request (and a download
# hashes a new code per letter with Argon2id, on several threads): about 0.05 s a letter in
# Latin script, 0.3 s in Arabic script. A bounded batch keeps a request within the server's
# time limit; larger mailings are several batches.
BATCH_LIMIT = 100
# Live batches: a person in one of these is not written to again for the same reason.
_LIVE_STATES = (LetterBatchState.SUBMITTED, LetterBatchState.APPROVED, LetterBatchState.POSTED)
# Bidirectional embeddings, overrides and isolates: they can make an address print as
# something other than what is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class LetterBatchRefused(ValueError):
    """The request breaks a rule of letter batches; the message (translated) says which."""


@dataclass(frozen=True)
class LetterRecipient:
    person_id: uuid.UUID
    locale: str


class SkipReason(StrEnum):
    """Why someone who should get a letter cannot."""

    NO_ADDRESS = "no_address"
    CONTROL_CHARACTERS = "control_characters"


@dataclass(frozen=True)
class SkippedPerson:
    """Someone who should get a letter but cannot, and why."""

    person_id: uuid.UUID
    reason: SkipReason


@dataclass(frozen=True)
class RecipientSelection:
    """Who the next batch writes to, who is left out and why, and the letter requests it answers."""

    recipients: tuple[LetterRecipient, ...]
    skipped: tuple[SkippedPerson, ...]
    request_ids: tuple[uuid.UUID, ...]
    unmatched_requests: int  # requests whose details are nobody's: answered without a letter
    waiting: int  # people beyond the batch limit, for a later batch

    def languages(self) -> Counter[str]:
        return Counter(recipient.locale for recipient in self.recipients)


# Who gets a letter


def postal_address(person: AffectedPerson, preference: ContactPreference | None) -> str | None:
    """The address to print: the person's own choice first, else the agency's list; lines
    trimmed, empty lines dropped. None when there is none."""
    text = (preference.postal_address if preference else None) or person.postal_address or ""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line) or None


def has_control_characters(address: str) -> bool:
    """Whether the address holds anything but printable text and line breaks."""
    return any((unicodedata.category(char) == "Cc" and char != "\n") or char in _BIDI_CONTROLS for char in address)


def _skip_reason(address: str | None) -> SkipReason | None:
    """Why a letter cannot go to this address (from `postal_address`); None if it can."""
    if address is None:
        return SkipReason.NO_ADDRESS
    return SkipReason.CONTROL_CHARACTERS if has_control_characters(address) else None


def select_recipients(db: Session, *, limit: int = BATCH_LIMIT) -> RecipientSelection:
    """The people the next batch writes to (at most `limit`, in id order), with the language
    of each. Reads addresses only of the people it considers."""
    requests = _open_requests(db)
    requests_of = _people_asking(db, requests)
    candidates = sorted(set(_letter_channel_people(db)) | set(_failed_sms_people(db)) | set(requests_of))
    recipients: list[LetterRecipient] = []
    skipped: list[SkippedPerson] = []
    considered: set[uuid.UUID] = set()
    for person, preference in _people(db, candidates):
        if len(recipients) >= limit:
            break
        considered.add(person.id)
        reason = _skip_reason(postal_address(person, preference))
        if reason is not None:
            skipped.append(SkippedPerson(person.id, reason))
            continue
        recipients.append(LetterRecipient(person.id, message_locale(person, preference)))
    matched = {request_id for request_ids in requests_of.values() for request_id in request_ids}
    unmatched = [request.id for request in requests if request.id not in matched]
    answered = [request_id for person_id in considered for request_id in requests_of.get(person_id, ())]
    return RecipientSelection(tuple(recipients), tuple(skipped), tuple(unmatched + answered), len(unmatched),
                              len(candidates) - len(considered))


def _live_batch_letters() -> Select:
    return (select(LetterBatchLetter.person_id).join(LetterBatch, LetterBatch.id == LetterBatchLetter.batch_id)
            .where(LetterBatch.state.in_(_LIVE_STATES)))


def _letter_channel_people(db: Session) -> list[uuid.UUID]:
    return list(db.scalars(select(ContactPreference.person_id).where(
        ContactPreference.channel == ContactChannel.LETTER,
        ContactPreference.person_id.not_in(_live_batch_letters()))))


def _failed_sms_people(db: Session) -> list[uuid.UUID]:
    """People whose SMS notice failed for good after any live batch that held them was made."""
    failed_at = func.coalesce(Notification.final_at, Notification.updated_at)
    written_since = select(LetterBatchLetter.id).join(LetterBatch, LetterBatch.id == LetterBatchLetter.batch_id).where(
        LetterBatchLetter.person_id == Notification.person_id, LetterBatch.state.in_(_LIVE_STATES),
        LetterBatch.created_at >= failed_at)
    return list(db.scalars(select(Notification.person_id).distinct().where(
        Notification.channel == Channel.SMS, Notification.state == NotificationState.UNDELIVERABLE,
        ~written_since.exists())))


def _open_requests(db: Session) -> list[LetterRequest]:
    """Requests not resolved and not already in a batch waiting, approved or posted."""
    in_live_batch = select(LetterBatchRequest.letter_request_id).join(
        LetterBatch, LetterBatch.id == LetterBatchRequest.batch_id).where(LetterBatch.state.in_(_LIVE_STATES))
    return list(db.scalars(select(LetterRequest).where(
        LetterRequest.resolved_at.is_(None), LetterRequest.id.not_in(in_live_batch))
        .order_by(LetterRequest.created_at)))


def _people_asking(db: Session, requests: Sequence[LetterRequest]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Person id → their requests: those whose A-number and birth date are the person's."""
    indexes = {request.a_number_index for request in requests}
    people = {person.a_number_index: person for person in db.scalars(
        select(AffectedPerson).where(AffectedPerson.a_number_index.in_(indexes)))} if indexes else {}
    asking: dict[uuid.UUID, list[uuid.UUID]] = {}
    for request in requests:
        person = people.get(request.a_number_index)
        if person and request.claimed_date_of_birth and birth_date_matches(person, request.claimed_date_of_birth):
            asking.setdefault(person.id, []).append(request.id)
    return asking


def _people(db: Session, person_ids: Sequence[uuid.UUID], chunk: int = 500,
            ) -> Iterator[tuple[AffectedPerson, ContactPreference | None]]:
    for start in range(0, len(person_ids), chunk):
        yield from db.execute(
            select(AffectedPerson, ContactPreference)
            .outerjoin(ContactPreference, ContactPreference.person_id == AffectedPerson.id)
            .where(AffectedPerson.id.in_(person_ids[start:start + chunk])).order_by(AffectedPerson.id)
        ).all()


# The batch's life


def create_batch(db: Session, author: StaffUser, *, now: datetime, limit: int = BATCH_LIMIT) -> LetterBatch:
    """A batch for the people `select_recipients` gives now, waiting for approval. Flushes."""
    _require_capability(author, "send_letters")
    selection = select_recipients(db, limit=limit)
    if not selection.recipients:
        raise LetterBatchRefused(gettext("Nobody is waiting for a letter now."))
    batch = LetterBatch(id=uuid.uuid4(), state=LetterBatchState.SUBMITTED, created_by_id=author.id,
                        letter_count=len(selection.recipients), created_at=now)
    db.add(batch)
    ordered = sorted(selection.recipients, key=lambda recipient: (recipient.locale, recipient.person_id))
    db.add_all(LetterBatchLetter(batch_id=batch.id, person_id=recipient.person_id, locale=recipient.locale,
                                 position=position) for position, recipient in enumerate(ordered, start=1))
    db.add_all(LetterBatchRequest(batch_id=batch.id, letter_request_id=request_id)
               for request_id in selection.request_ids)
    db.flush()
    _audit(db, author, "letter_batch.created", batch, letters=batch.letter_count,
           requests=len(selection.request_ids), skipped=len(selection.skipped))
    return batch


def approve_batch(db: Session, batch: LetterBatch, approver: StaffUser, *, now: datetime) -> None:
    """Approve, and lay the letters out once to count the pages the printer will use."""
    _decide(db, batch, approver, LetterBatchState.APPROVED, now=now, reason=None)
    batch.page_count = render_batch(letter for _row, letter in letters_of(db, _letter_rows(db, batch), now=now))[1]


def reject_batch(db: Session, batch: LetterBatch, approver: StaffUser, *, now: datetime, reason: str) -> None:
    _decide(db, batch, approver, LetterBatchState.REJECTED, now=now, reason=reason)


def print_batch(db: Session, batch: LetterBatch, staff: StaffUser, *, now: datetime) -> bytes:
    """The print-ready PDF of an approved batch, with a new notice code in every letter.

    Codes are issued for the letters in the PDF and no others: a person whose address has
    gone or become unprintable since the batch was made gets neither a letter nor a code.
    The codes of any earlier download are revoked: only this copy's codes will work. Only
    the codes' Argon2id hashes are stored. Flushes; the caller commits once it has the PDF."""
    _require_capability(staff, "send_letters")
    _require_state(batch, LetterBatchState.APPROVED)
    rows = _letter_rows(db, batch)
    printable = letters_of(db, rows, now=now)
    codes = new_notice_codes(len(printable))
    _revoke_codes(db, [row.notice_code_id for row in rows if row.notice_code_id], now=now)
    for row in rows:
        row.notice_code_id = None
    letters = [replace(letter, notice_code=_issue_code(db, row, code, code_hash, now=now))
               for (row, letter), (code, code_hash) in zip(printable, codes, strict=True)]
    pdf, pages = render_batch(letters)
    batch.page_count = pages
    batch.downloads += 1
    batch.last_downloaded_at = now
    _audit(db, staff, "letter_batch.downloaded", batch, letters=len(letters), pages=pages, download=batch.downloads)
    return pdf


def mark_posted(db: Session, batch: LetterBatch, staff: StaffUser, *, now: datetime) -> int:
    """Record that the printed letters went out, and resolve the letter requests the batch
    answers. Returns how many requests were resolved. Flushes."""
    _require_capability(staff, "send_letters")
    _require_state(batch, LetterBatchState.APPROVED)
    if not batch.downloads:
        raise LetterBatchRefused(gettext("Download and print the letters before you mark them as posted."))
    batch.state = LetterBatchState.POSTED
    batch.posted_at = now
    batch.posted_by_id = staff.id
    answered = select(LetterBatchRequest.letter_request_id).where(LetterBatchRequest.batch_id == batch.id)
    resolved = db.execute(update(LetterRequest).where(LetterRequest.id.in_(answered),
                                                      LetterRequest.resolved_at.is_(None))
                          .values(resolved_at=now).execution_options(synchronize_session=False)).rowcount
    _audit(db, staff, "letter_batch.posted", batch, requests_resolved=resolved)
    return resolved


def batch_languages(db: Session, batch: LetterBatch) -> Counter[str]:
    """Letters per language in the batch."""
    rows = db.execute(select(LetterBatchLetter.locale, func.count()).where(LetterBatchLetter.batch_id == batch.id)
                      .group_by(LetterBatchLetter.locale))
    return Counter({locale: count for locale, count in rows})


def batch_requests(db: Session, batch: LetterBatch) -> int:
    return db.scalar(select(func.count()).where(LetterBatchRequest.batch_id == batch.id)) or 0


def letters_of(db: Session, rows: Sequence[LetterBatchLetter], *,
               now: datetime) -> list[tuple[LetterBatchLetter, NoticeLetter]]:
    """The letters of these batch rows that can be printed, in the rows' order, each with its
    row and a sample code in place of the real one. A person whose address has since gone or
    become unprintable gets no letter. Six queries, whatever the number of letters: the
    people with their preferences, the incidents, their exposures, and their remedies."""
    people = {person.id: (person, preference) for person, preference in _people(db, [row.person_id for row in rows])}
    addressed: list[tuple[LetterBatchLetter, str]] = []
    for row in rows:
        address = postal_address(*people[row.person_id])
        if address is not None and not has_control_characters(address):
            addressed.append((row, address))
    person_ids = [row.person_id for row, _address in addressed]
    incidents = _incidents_of(db, person_ids)
    remedies = remedies_of_people(db, person_ids)
    return [(row, _letter(people[row.person_id][0], row, address, incidents[row.person_id],
                          remedies[row.person_id], now)) for row, address in addressed]


def _letter(person: AffectedPerson, row: LetterBatchLetter, address: str, incidents: tuple[IncidentExposure, ...],
            remedies: Sequence[RemedyStanding], now: datetime) -> NoticeLetter:
    return NoticeLetter(
        locale=row.locale,
        # Composed characters: most letters are then set without HarfBuzz (see notice_letters).
        full_name=unicodedata.normalize("NFC", " ".join(filter(None, (person.first_name, person.last_name)))),
        address=unicodedata.normalize("NFC", address),
        notice_code=SAMPLE_CODE,
        incidents=incidents,
        remedies=tuple(standing for standing in remedies if standing.applies),
        written_on=now,
    )


def _incidents_of(db: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[IncidentExposure, ...]]:
    """The incidents each person was in, oldest first, with what each exposed of them: what
    `exposure.exposure_of` says of one person, for a batch of people in two queries."""
    exposed: dict[uuid.UUID, dict[int, list[str]]] = defaultdict(dict)
    for exposure in db.scalars(select(Exposure).where(Exposure.person_id.in_(person_ids))):
        exposed[exposure.person_id][exposure.incident_id] = exposure.categories
    incidents = list_incidents(db)
    order = list(DataCategory)
    return {person_id: tuple(
        IncidentExposure(incident, tuple(sorted(map(DataCategory, exposed[person_id][incident.id]), key=order.index)))
        for incident in incidents if exposed[person_id].get(incident.id)) for person_id in person_ids}


def _letter_rows(db: Session, batch: LetterBatch) -> list[LetterBatchLetter]:
    return list(db.scalars(select(LetterBatchLetter).where(LetterBatchLetter.batch_id == batch.id)
                           .order_by(LetterBatchLetter.position)))


def _issue_code(db: Session, row: LetterBatchLetter, code: str, code_hash: str, *, now: datetime) -> str:
    """Store a new notice code (its hash only) for the letter's person, its id on the letter
    row; returns the plain code, to print."""
    notice_code = NoticeCode(id=uuid.uuid4(), person_id=row.person_id, code_hash=code_hash, issued_at=now)
    db.add(notice_code)
    row.notice_code_id = notice_code.id
    return code


def _revoke_codes(db: Session, code_ids: list[uuid.UUID], *, now: datetime) -> None:
    if code_ids:
        db.execute(update(NoticeCode).where(NoticeCode.id.in_(code_ids), NoticeCode.revoked_at.is_(None))
                   .values(revoked_at=now).execution_options(synchronize_session=False))


def _decide(db: Session, batch: LetterBatch, approver: StaffUser, state: LetterBatchState, *, now: datetime,
            reason: str | None) -> None:
    _require_capability(approver, "approve_campaigns")
    _require_state(batch, LetterBatchState.SUBMITTED)
    if approver.id == batch.created_by_id:
        raise LetterBatchRefused(gettext("Nobody may approve or reject a letter batch they created."))
    batch.state = state
    batch.decided_by_id = approver.id
    batch.decided_at = now
    batch.decision_reason = reason
    _audit(db, approver, f"letter_batch.{state.value}", batch)


def _require_state(batch: LetterBatch, state: LetterBatchState) -> None:
    if batch.state is not state:
        raise LetterBatchRefused(gettext("This letter batch can no longer be changed this way."))


def _require_capability(staff: StaffUser, capability: str) -> None:
    if not can(staff.role, capability):
        raise LetterBatchRefused(gettext("Your role does not include this."))


def _audit(db: Session, staff: StaffUser, action: str, batch: LetterBatch, **counts: int) -> None:
    record_event(db, actor_type="staff", actor_id=str(staff.id), action=action, subject_type="letter_batch",
                 subject_id=str(batch.id), details={"state": batch.state.value, **counts})

