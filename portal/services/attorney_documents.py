"""Linking clients by documents that staff review: a signed G-28 or EOIR-28, or a client list.

An attorney uploads the form with the client's A-number and birth date; staff look at the
document, see whether those details match a person in the list, and accept it (the attorney
now represents the person, established by that staff member) or reject it with a reason the
attorney reads. A firm or legal-aid organisation uploads a list of clients (A-number and
date of birth); staff match it in bulk, and a person is linked only where both match.

No oracle: the attorney learns no more than the result of what staff decided. For a list
they see how many rows were linked and how many were not, never which rows failed or why
(not in the list, another birth date, or a link the client had ended look the same); only
staff see per-row results. The A-number, name and birth date leaked, so staff's review of
the document or the list is what stands between a stranger and a link.

Uploaded files are checked here, not trusted: the type is read from the first bytes (PDF,
PNG or JPEG only), whatever the browser or the file name claims, and the size is limited.
Every step is in the audit log with ids and counts only. Nothing here commits."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    ClientList,
    ClientListOutcome,
    ClientListRow,
    ClientListState,
    Representation,
    RepresentationForm,
    RepresentationFormType,
    RepresentationMethod,
    ReviewState,
    StaffUser,
)
from portal.security.a_numbers import normalise_a_number
from portal.security.context import blind_index
from portal.services.affected_list import Column, UnreadableFile, open_list
from portal.services.affected_row import InvalidCell, RowProblem, parse_a_number, parse_date_of_birth
from portal.services.audit import record_event
from portal.services.representations import link_attorney, representation_of
from portal.services.uploaded_lists import ListProblem, ListRefused, checked_file_type
from portal.services.verification import birth_date_matches

REASON_LIMIT = 1000
LIST_LIMIT = 100
MATCH_BATCH = 500
LIST_COLUMNS = (Column.A_NUMBER, Column.DATE_OF_BIRTH)
# The first bytes of each accepted kind of file. A G-28 is usually a PDF, or a photo of the
# signed paper form.
DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
DOCUMENT_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
# What a workbook may hold once unzipped: a few megabytes of zip can expand to gigabytes.
MAX_XLSX_EXPANDED_BYTES = 100 * 1024 * 1024
METHODS = {RepresentationFormType.G28: RepresentationMethod.FORM_G28,
           RepresentationFormType.EOIR28: RepresentationMethod.FORM_EOIR28}
_REPEATED_A_NUMBER = _l("repeats the A-number of an earlier row")


class UploadProblem(StrEnum):
    """Why an upload was refused; the page says it in words."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    UNREADABLE_LIST = "unreadable_list"
    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"
    ROW_PROBLEMS = "row_problems"


# A workbook that unpacks too large is, to the attorney, a file too large.
_LIST_PROBLEMS = {ListProblem.EMPTY: UploadProblem.EMPTY, ListProblem.TOO_LARGE: UploadProblem.TOO_LARGE,
                  ListProblem.UNPACKS_TOO_LARGE: UploadProblem.TOO_LARGE}


class UploadRefused(ValueError):
    def __init__(self, problem: UploadProblem, row_problems: Sequence[RowProblem] = ()):
        super().__init__(problem.value)
        self.problem = problem
        self.row_problems = list(row_problems)


class NotVerified(PermissionError):
    """Only a verified attorney may upload: an account waiting for staff sees no client."""


class NotWaiting(Exception):
    """The upload was already accepted, rejected or matched (by someone else, or a second click)."""


class NoMatchingPerson(Exception):
    """The A-number and birth date on the upload do not both match a person in the list."""


class ReasonMissing(ValueError):
    """A rejection needs a reason the attorney can read."""


@dataclass(frozen=True)
class FormMatch:
    """For staff: whom the A-number typed with a form names, and whether the birth date fits."""

    person_id: uuid.UUID | None
    birth_date_matches: bool
    already_linked: bool = False
    link_ended_at: datetime | None = None  # this attorney's earlier link to the person, ended

    @property
    def acceptable(self) -> bool:
        return self.person_id is not None and self.birth_date_matches


@dataclass
class ListMatch:
    """What matching a client list did, for the audit log and the staff page."""

    linked: int = 0  # rows whose person is now the attorney's client (new links and old ones)
    newly_linked: int = 0
    unmatched: int = 0
    outcomes: dict[ClientListOutcome, int] = field(default_factory=dict)


# Representation forms


def sniff_document_type(content: bytes) -> str | None:
    """The content type the file's first bytes show (PDF, PNG or JPEG), or None for others."""
    return next((kind for signature, kind in DOCUMENT_SIGNATURES if content.startswith(signature)), None)


def submit_representation_form(
    db: Session, attorney: Attorney, *, form_type: RepresentationFormType, a_number: str, date_of_birth: date,
    content: bytes, max_bytes: int,
) -> RepresentationForm:
    """Keep a signed G-28 or EOIR-28 (encrypted) for staff to review, with the client's
    A-number and birth date as the attorney typed them. Raises NotVerified, UploadRefused
    (empty, too large, or not a PDF, PNG or JPEG) or InvalidANumber. Flushes."""
    _require_verified(attorney)
    if not content:
        raise UploadRefused(UploadProblem.EMPTY)
    if len(content) > max_bytes:
        raise UploadRefused(UploadProblem.TOO_LARGE)
    content_type = sniff_document_type(content)
    if content_type is None:
        raise UploadRefused(UploadProblem.UNKNOWN_TYPE)
    form = RepresentationForm(
        attorney_id=attorney.id, form_type=form_type, a_number_index=blind_index().a_number(a_number),
        a_number=normalise_a_number(a_number), date_of_birth=date_of_birth, content_type=content_type,
        size_bytes=len(content), state=ReviewState.SUBMITTED,
    )
    form.document = content
    db.add(form)
    db.flush()
    record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="attorney_form.submitted",
                 subject_type="representation_form", subject_id=str(form.id),
                 details={"form_type": form_type.value, "content_type": content_type, "size_bytes": len(content)})
    return form


def form_match(db: Session, form: RepresentationForm) -> FormMatch:
    """For staff only: the person the form's A-number names, whether the birth date typed is
    theirs, and any link this attorney already has to them."""
    person = _person_by_index(db, form.a_number_index)
    claimed = form.date_of_birth
    matches = bool(person and claimed and birth_date_matches(person, claimed))
    if person is None:
        return FormMatch(person_id=None, birth_date_matches=False)
    link = representation_of(db, form.attorney_id, person.id)
    return FormMatch(person_id=person.id, birth_date_matches=matches,
                     already_linked=link is not None and link.revoked_at is None,
                     link_ended_at=link.revoked_at if link is not None else None)


def accept_form(db: Session, form: RepresentationForm, staff: StaffUser, *, now: datetime) -> Representation:
    """Staff accept the form: the attorney represents the person from now, established by
    this staff member, by this kind of form. A link the attorney had before is kept, or
    revived if it had ended (staff saw that before accepting). Raises NoMatchingPerson when
    the A-number and birth date typed do not both match a person, NotWaiting when the form
    was already reviewed. Flushes."""
    match = form_match(db, form)
    if not match.acceptable or match.person_id is None:
        raise NoMatchingPerson(str(form.id))
    _claim_review(db, RepresentationForm, form.id, ReviewState.SUBMITTED, ReviewState.ACCEPTED, staff, now)
    method = METHODS[form.form_type]
    representation, linked_now = link_attorney(db, form.attorney_id, match.person_id, method, now=now,
                                               staff_id=staff.id)
    form.representation_id = representation.id
    db.flush()
    if linked_now:
        _record_link(db, staff, representation, source={"representation_form": str(form.id)})
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="attorney_form.accepted",
                 subject_type="representation_form", subject_id=str(form.id),
                 details={"representation": str(representation.id), "person": str(match.person_id),
                          "method": method.value, "linked_now": linked_now})
    return representation


def reject_form(db: Session, form: RepresentationForm, staff: StaffUser, *, reason: str, now: datetime) -> None:
    """Staff reject the form with a reason the attorney reads (kept encrypted; not in the
    audit log, which has ids only). Raises ReasonMissing or NotWaiting. Flushes."""
    cleaned = _reason(reason)
    _claim_review(db, RepresentationForm, form.id, ReviewState.SUBMITTED, ReviewState.REJECTED, staff, now)
    form.rejection_reason = cleaned
    db.flush()
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="attorney_form.rejected",
                 subject_type="representation_form", subject_id=str(form.id))


def record_form_viewed(db: Session, form: RepresentationForm, staff: StaffUser) -> None:
    """Staff opened the form's review page (the A-number and birth date typed)."""
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="attorney_form.viewed",
                 subject_type="representation_form", subject_id=str(form.id))


def form_document(db: Session, form: RepresentationForm, staff: StaffUser) -> tuple[bytes, str]:
    """The uploaded file, decrypted, and its sniffed content type; every opening is audited."""
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="attorney_form.document_viewed",
                 subject_type="representation_form", subject_id=str(form.id))
    return form.document, form.content_type


def waiting_forms(db: Session, *, limit: int = LIST_LIMIT) -> list[RepresentationForm]:
    """Forms waiting for review, oldest first."""
    return list(db.scalars(select(RepresentationForm).where(RepresentationForm.state == ReviewState.SUBMITTED)
                           .options(joinedload(RepresentationForm.attorney))
                           .order_by(RepresentationForm.submitted_at).limit(limit)))


def forms_of(db: Session, attorney: Attorney) -> list[RepresentationForm]:
    """The attorney's own uploads, newest first."""
    return list(db.scalars(select(RepresentationForm).where(RepresentationForm.attorney_id == attorney.id)
                           .order_by(RepresentationForm.submitted_at.desc())))


def form_of(db: Session, attorney: Attorney, form_id: uuid.UUID) -> RepresentationForm | None:
    """One of the attorney's own uploads; None for another attorney's, as for none at all."""
    return db.scalar(select(RepresentationForm).where(RepresentationForm.id == form_id,
                                                      RepresentationForm.attorney_id == attorney.id))


# Client lists


def read_client_list(content: bytes, *, max_bytes: int, max_rows: int) -> list[tuple[int, str, date]]:
    """(row number, A-number, date of birth) of each row of a `.csv` or `.xlsx` client list,
    read with the affected list's reader (so headings like "A#" or "DOB" work). The kind of
    file is read from its first bytes, not its name. Raises UploadRefused: empty, too large,
    unreadable, no rows, too many rows, or problems in rows (every problem, by row number)."""
    try:
        file_type = checked_file_type(content, max_bytes=max_bytes, max_unpacked_bytes=MAX_XLSX_EXPANDED_BYTES)
    except ListRefused as refused:
        raise UploadRefused(_LIST_PROBLEMS.get(refused.problem, UploadProblem.UNREADABLE_LIST)) from None
    # The readers take a path. The file lives only while it is read (readable by this user
    # only), as the web server's own spooling of large uploads does.
    with tempfile.NamedTemporaryFile(suffix=f".{file_type}") as spooled:
        spooled.write(content)
        spooled.flush()
        try:
            return _checked_rows(Path(spooled.name), max_rows)
        except UnreadableFile:
            raise UploadRefused(UploadProblem.UNREADABLE_LIST) from None


def _checked_rows(path: Path, max_rows: int) -> list[tuple[int, str, date]]:
    list_file = open_list(path, required=LIST_COLUMNS)
    rows: list[tuple[int, str, date]] = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    with contextlib.closing(list_file.rows) as numbered:
        for rows_read, (row_number, cells) in enumerate(numbered, start=1):
            if rows_read > max_rows:
                raise UploadRefused(UploadProblem.TOO_MANY_ROWS)
            row, row_problems = _checked_row(row_number, cells, list_file.layout.headings, seen)
            problems += row_problems
            if row is not None:
                rows.append(row)
    if problems:
        raise UploadRefused(UploadProblem.ROW_PROBLEMS, problems)
    if not rows:
        raise UploadRefused(UploadProblem.NO_ROWS)
    return rows


def _checked_row(row_number: int, cells: dict[Column, Any], headings: dict[Column, str],
                 seen: set[str]) -> tuple[tuple[int, str, date] | None, list[RowProblem]]:
    values: dict[Column, Any] = {}
    problems = []
    for column, parse in ((Column.A_NUMBER, parse_a_number), (Column.DATE_OF_BIRTH, parse_date_of_birth)):
        try:
            values[column] = parse(cells.get(column))
        except InvalidCell as invalid:
            problems.append(RowProblem(row_number, headings.get(column, column.value), invalid.reason))
    a_number = values.get(Column.A_NUMBER)
    if a_number in seen:
        problems.append(RowProblem(row_number, headings[Column.A_NUMBER], _REPEATED_A_NUMBER))
    if a_number:
        seen.add(a_number)
    return (None if problems else (row_number, a_number, values[Column.DATE_OF_BIRTH])), problems


def submit_client_list(db: Session, attorney: Attorney, rows: Sequence[tuple[int, str, date]]) -> ClientList:
    """Keep a checked client list for staff to match: each row as the A-number's blind
    index and the birth date encrypted. Raises NotVerified. Flushes."""
    _require_verified(attorney)
    client_list = ClientList(attorney_id=attorney.id, row_count=len(rows), state=ClientListState.SUBMITTED)
    db.add(client_list)
    index = blind_index()
    db.add_all(ClientListRow(client_list_id=client_list.id, row_number=row_number,
                             a_number_index=index.a_number(a_number), date_of_birth=born)
               for row_number, a_number, born in rows)
    db.flush()
    record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="client_list.submitted",
                 subject_type="client_list", subject_id=str(client_list.id), details={"rows": len(rows)})
    return client_list


def match_client_list(db: Session, client_list: ClientList, staff: StaffUser, *, now: datetime) -> ListMatch:
    """Staff match the list: each row whose A-number and birth date both match a person
    links the attorney to them (by bulk match, established by this staff member). A link
    the attorney had that was ended stays ended: a client's "no" is not undone by a list.
    Each row keeps its outcome for staff; the birth dates are then dropped, as no longer
    needed. Raises NotWaiting when the list was already matched or rejected. Flushes."""
    _claim_review(db, ClientList, client_list.id, ClientListState.SUBMITTED, ClientListState.MATCHED, staff, now)
    result = ListMatch()
    for batch in _row_batches(db, client_list.id):
        _match_batch(db, client_list, batch, staff, now, result)
    client_list.matched_count, client_list.unmatched_count = result.linked, result.unmatched
    db.flush()
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="client_list.matched",
                 subject_type="client_list", subject_id=str(client_list.id),
                 details={"rows": client_list.row_count, "linked": result.linked,
                          "newly_linked": result.newly_linked, "unmatched": result.unmatched})
    return result


def _match_batch(db: Session, client_list: ClientList, rows: Sequence[ClientListRow], staff: StaffUser,
                 now: datetime, result: ListMatch) -> None:
    people = {person.a_number_index: person for person in db.scalars(
        select(AffectedPerson).where(AffectedPerson.a_number_index.in_([row.a_number_index for row in rows])))}
    links = {link.person_id: link for link in db.scalars(select(Representation).where(
        Representation.attorney_id == client_list.attorney_id,
        Representation.person_id.in_([person.id for person in people.values()])))}
    for row in rows:
        person = people.get(row.a_number_index)
        outcome = _row_outcome(person, row, links)
        if outcome is ClientListOutcome.LINKED and person is not None and person.id not in links:
            links[person.id], _ = link_attorney(db, client_list.attorney_id, person.id,
                                                RepresentationMethod.BULK_MATCH, now=now, staff_id=staff.id,
                                                revive=False)
            _record_link(db, staff, links[person.id], source={"client_list": str(client_list.id)})
            result.newly_linked += 1
        row.outcome, row.person_id, row.date_of_birth = outcome, person.id if person else None, None
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
        if outcome is ClientListOutcome.LINKED:
            result.linked += 1
        else:
            result.unmatched += 1


def _row_outcome(person: AffectedPerson | None, row: ClientListRow,
                 links: dict[uuid.UUID, Representation]) -> ClientListOutcome:
    born = row.date_of_birth
    if person is None:
        return ClientListOutcome.NOT_IN_LIST
    if born is None or not birth_date_matches(person, born):
        return ClientListOutcome.BIRTH_DATE_DIFFERS
    link = links.get(person.id)
    if link is not None and link.revoked_at is not None:
        return ClientListOutcome.LINK_ENDED
    return ClientListOutcome.LINKED


def _row_batches(db: Session, client_list_id: uuid.UUID) -> Iterator[Sequence[ClientListRow]]:
    query = (select(ClientListRow).where(ClientListRow.client_list_id == client_list_id)
             .order_by(ClientListRow.row_number).limit(MATCH_BATCH))
    batch = db.scalars(query).all()
    while batch:
        yield batch
        batch = db.scalars(query.where(ClientListRow.row_number > batch[-1].row_number)).all()


def reject_client_list(db: Session, client_list: ClientList, staff: StaffUser, *, reason: str,
                       now: datetime) -> None:
    """Staff refuse the list, with a reason the attorney reads. Its rows are deleted: nothing
    more will be done with them. Raises ReasonMissing or NotWaiting. Flushes."""
    cleaned = _reason(reason)
    _claim_review(db, ClientList, client_list.id, ClientListState.SUBMITTED, ClientListState.REJECTED, staff, now)
    client_list.rejection_reason = cleaned
    for row in db.scalars(select(ClientListRow).where(ClientListRow.client_list_id == client_list.id)):
        db.delete(row)
    db.flush()
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="client_list.rejected",
                 subject_type="client_list", subject_id=str(client_list.id), details={"rows": client_list.row_count})


def record_list_viewed(db: Session, client_list: ClientList, staff: StaffUser) -> None:
    """Staff opened the list's page (its per-row results, once matched)."""
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="client_list.viewed",
                 subject_type="client_list", subject_id=str(client_list.id))


def list_rows(db: Session, client_list: ClientList) -> list[ClientListRow]:
    """The list's rows in file order, with their outcomes once matched. For staff only."""
    return list(db.scalars(select(ClientListRow).where(ClientListRow.client_list_id == client_list.id)
                           .order_by(ClientListRow.row_number)))


def waiting_lists(db: Session, *, limit: int = LIST_LIMIT) -> list[ClientList]:
    """Client lists waiting to be matched, oldest first."""
    return list(db.scalars(select(ClientList).where(ClientList.state == ClientListState.SUBMITTED)
                           .options(joinedload(ClientList.attorney))
                           .order_by(ClientList.submitted_at).limit(limit)))


def lists_of(db: Session, attorney: Attorney) -> list[ClientList]:
    """The attorney's own client lists, newest first."""
    return list(db.scalars(select(ClientList).where(ClientList.attorney_id == attorney.id)
                           .order_by(ClientList.submitted_at.desc())))


def list_of(db: Session, attorney: Attorney, list_id: uuid.UUID) -> ClientList | None:
    """One of the attorney's own lists; None for another attorney's, as for none at all."""
    return db.scalar(select(ClientList).where(ClientList.id == list_id, ClientList.attorney_id == attorney.id))


def waiting_counts(db: Session) -> tuple[int, int]:
    """How many forms, and how many client lists, wait for staff."""
    forms = db.scalar(select(func.count()).where(RepresentationForm.state == ReviewState.SUBMITTED)) or 0
    lists = db.scalar(select(func.count()).where(ClientList.state == ClientListState.SUBMITTED)) or 0
    return forms, lists


# Shared steps


def _require_verified(attorney: Attorney) -> None:
    if attorney.status != AttorneyStatus.VERIFIED:
        raise NotVerified(str(attorney.id))


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonMissing("a rejection needs a reason")
    return cleaned[:REASON_LIMIT]


def _claim_review(db: Session, model: Any, record_id: uuid.UUID, waiting: StrEnum, decided: StrEnum,
                  staff: StaffUser, now: datetime) -> None:
    """Move the upload from waiting to decided, as one conditional UPDATE: two staff members
    deciding at once cannot both succeed. Raises NotWaiting."""
    claimed = db.execute(update(model).where(model.id == record_id, model.state == waiting)
                         .values(state=decided, reviewed_by_id=staff.id, reviewed_at=now))
    if claimed.rowcount != 1:
        raise NotWaiting(str(record_id))


def _person_by_index(db: Session, a_number_index: bytes) -> AffectedPerson | None:
    return db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == a_number_index))


def _record_link(db: Session, staff: StaffUser, representation: Representation, *, source: dict[str, str]) -> None:
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="representation.established",
                 subject_type="person", subject_id=str(representation.person_id),
                 details={"attorney": str(representation.attorney_id), "method": representation.method.value,
                          "representation": str(representation.id), **source})
