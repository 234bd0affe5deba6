"""A campaign's audience from an uploaded list of A-numbers: reading the `.csv` or `.xlsx`
file, matching it to the affected list, and the check the notifier confirms before the
campaign can go further.

Decisions (issue 6, item 3):

- **Where the list lives.** No new table: the accepted people are kept in the campaign's
  audience as `a_number_indexes` (hex of each A-number's blind index), the key
  `portal.services.audiences` already filters on, so the counts, the check and the
  notifications written on approval all pick people by the same rule. Beside it,
  `a_number_list` keeps the check the notifier saw: counts, the problem rows by number and
  reason, and whether the notifier confirmed it. Neither holds an A-number.
- **Which column.** The one whose heading in the first row is a name the importer accepts for
  the A-number ("A-Number", "Alien Number", "A#", ...). With no such heading, the first
  column, and the first row is data. In a workbook, the first sheet.
- **Row numbers** are those a spreadsheet program shows (the heading is row 1), so the
  notifier can find each row in their own file. Blank rows are skipped and not counted.
- **No A-number on the check page**: rows are reported by number and reason only. The
  notifier has the file; the page, the browser's history and the audit log need not hold
  personal data to be useful.
- **Duplicates** count once; each later row is reported as the same as the first one.
- **Going further.** A draft whose list has not been confirmed on the check page cannot be
  sent for approval. A list with problem rows needs an explicit "leave those rows out"; a
  list where no row was accepted cannot be confirmed at all. Uploading another list replaces
  the old one and needs a check of its own.
- **Limits**: 5 MB and 50,000 rows. The audience query passes each accepted index as one
  value, and PostgreSQL takes at most 65,535 per statement (the affected list has about
  6,300 people, so a real list is far below either limit).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

import openpyxl
from flask_babel import LazyString, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AffectedPerson, Campaign, CampaignState, StaffUser
from portal.security.context import blind_index
from portal.services.affected_list import Cell, Column, match_layout
from portal.services.affected_row import InvalidCell, parse_a_number
from portal.services.audit import record_event
from portal.services.campaigns import CampaignRefused, require_state
from portal.services.uploaded_lists import FileType, ListProblem, ListRefused, checked_file_type

MAX_BYTES = 5 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
MAX_ROWS = 50_000
# A 5 MB workbook of A-numbers unpacks to a few tens of MB; more is a zip bomb, not a list.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MATCH_BATCH = 1000
INDEXES_KEY = "a_number_indexes"
LIST_KEY = "a_number_list"

_UNREADABLE = _l("The file could not be read. Save it again from your spreadsheet program as .csv (UTF-8) or "
                 ".xlsx and upload it again.")
_WRONG_TYPE = _l("Upload a .csv or .xlsx file")
_REFUSALS = {
    ListProblem.EMPTY: _l("The file is empty"),
    ListProblem.TOO_LARGE: _l("The file must be %(megabytes)s MB or smaller", megabytes=MAX_MEGABYTES),
    ListProblem.NOT_A_LIST: _WRONG_TYPE,
    ListProblem.DAMAGED: _UNREADABLE,
    ListProblem.UNPACKS_TOO_LARGE: _UNREADABLE,
}


class RowIssue(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"
    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"


class UnreadableList(ValueError):
    """The upload is not a list we read. `reason` is translated and never quotes the file."""

    def __init__(self, reason: LazyString):
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class UploadedList:
    """What was read from the file: the A-number cell of every row that is not blank."""

    file_type: FileType
    cells: list[tuple[int, Cell]]


@dataclass(frozen=True)
class ProblemRows:
    """A run of consecutive rows left out for the same reason (often a single row)."""

    first_row: int
    last_row: int
    issue: RowIssue
    same_as: int | None = None  # a duplicate: the row where its A-number first appeared

    @property
    def row_count(self) -> int:
        return self.last_row - self.first_row + 1

    def reason(self) -> str:
        if self.issue is RowIssue.DUPLICATE:
            return gettext("The same A-number as row %(row)s: counted once", row=self.same_as)
        return str(_REASONS[self.issue])


_REASONS = {
    RowIssue.MISSING: _l("No A-number in this row"),
    RowIssue.INVALID: _l("Not an A-number: it needs 8 or 9 digits, with or without an A in front"),
    RowIssue.UNKNOWN: _l("Nobody in the affected list has this A-number"),
}


@dataclass(frozen=True)
class ListCheck:
    """The outcome of matching an uploaded list: counts, accepted indexes, problem rows."""

    file_type: str
    rows_read: int
    indexes: tuple[str, ...]
    problems: tuple[ProblemRows, ...]
    confirmed: bool = False

    @property
    def accepted(self) -> int:
        return len(self.indexes)

    @property
    def rows_left_out(self) -> int:
        return sum(problem.row_count for problem in self.problems)

    def rows_by_issue(self) -> dict[str, int]:
        """Issue → rows left out for it (every issue present, zero included)."""
        counts = dict.fromkeys(RowIssue, 0)
        for problem in self.problems:
            counts[problem.issue] += problem.row_count
        return {issue.value: count for issue, count in counts.items()}


# Reading the file


def read_list(filename: str, stream: IO[bytes]) -> UploadedList:
    """Read an uploaded `.csv` (UTF-8) or `.xlsx` list, checking that the contents are of the
    kind the name says. Raises UnreadableList with a message for the notifier."""
    data = stream.read(MAX_BYTES + 1)
    try:
        file_type = checked_file_type(data, max_bytes=MAX_BYTES, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    except ListRefused as refused:
        raise UnreadableList(_REFUSALS[refused.problem]) from None
    if os.path.splitext(filename)[1].lower() != f".{file_type}":
        raise UnreadableList(_WRONG_TYPE)
    rows = _xlsx_rows(data) if file_type is FileType.XLSX else _csv_rows(data)
    cells = list(_a_number_cells(rows))
    if not cells:
        raise UnreadableList(_l("The file has no A-numbers in it"))
    return UploadedList(file_type, cells)


def _csv_rows(data: bytes) -> list[list[Cell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableList(_l("Save the .csv file as UTF-8 text and upload it again")) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise UnreadableList(_UNREADABLE) from None


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Cell]]:
    # read_list has measured what it unpacks to: opening reads the shared strings whole.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zipfile and openpyxl raise many unrelated types for a damaged file
        raise UnreadableList(_UNREADABLE) from None
    if not workbook.worksheets:
        workbook.close()
        raise UnreadableList(_UNREADABLE)
    return _closing_rows(workbook)


def _closing_rows(workbook: Any) -> Iterator[Sequence[Cell]]:
    # Read-only worksheets yield every row from row 1, blank ones included, so counting
    # them gives the row numbers a spreadsheet program shows.
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except Exception:  # a sheet damaged part-way through
        raise UnreadableList(_UNREADABLE) from None
    finally:
        workbook.close()


def _a_number_cells(rows: Iterable[Sequence[Cell]]) -> Iterator[tuple[int, Cell]]:
    """(row number, A-number cell) of every row that is not blank, at most MAX_ROWS."""
    numbered = enumerate(rows, start=1)
    first = next(numbered, None)
    if first is None:
        return
    heading_position = _a_number_column(first[1])
    position = heading_position or 0
    data_rows = numbered if heading_position is not None else itertools.chain([first], numbered)
    found = 0
    for row_number, values in data_rows:
        if all(_blank(value) for value in values):
            continue
        found += 1
        if found > MAX_ROWS:
            raise UnreadableList(_l("The list must have %(rows)s rows or fewer", rows=format_decimal(MAX_ROWS)))
        yield row_number, values[position] if position < len(values) else None


def _a_number_column(headings: Sequence[Cell]) -> int | None:
    """The position of the A-number heading, or None when the first row has none."""
    layout = match_layout(list(headings), required=(Column.A_NUMBER,))
    return layout.positions[Column.A_NUMBER] if layout else None


def _blank(value: Cell) -> bool:
    return value is None or not str(value).strip()


# Matching it to the affected list


def check_list(db: Session, uploaded: UploadedList) -> ListCheck:
    """Which rows name someone in the affected list (each person once), and why each other
    row is left out, by row number."""
    first_row_of: dict[bytes, int] = {}
    problems: list[ProblemRows] = []
    for row_number, cell in uploaded.cells:
        if _blank(cell):
            problems.append(ProblemRows(row_number, row_number, RowIssue.MISSING))
            continue
        try:
            index = blind_index().a_number(parse_a_number(cell))
        except InvalidCell:
            problems.append(ProblemRows(row_number, row_number, RowIssue.INVALID))
            continue
        if index in first_row_of:
            problems.append(ProblemRows(row_number, row_number, RowIssue.DUPLICATE, first_row_of[index]))
        else:
            first_row_of[index] = row_number
    known = _known_indexes(db, list(first_row_of))
    problems += [ProblemRows(row, row, RowIssue.UNKNOWN) for index, row in first_row_of.items() if index not in known]
    return ListCheck(file_type=uploaded.file_type.value, rows_read=len(uploaded.cells),
                     indexes=tuple(index.hex() for index in first_row_of if index in known),
                     problems=tuple(_runs(sorted(problems, key=lambda problem: problem.first_row))))


def _known_indexes(db: Session, indexes: list[bytes]) -> set[bytes]:
    known: set[bytes] = set()
    for start in range(0, len(indexes), MATCH_BATCH):
        batch = indexes[start:start + MATCH_BATCH]
        known.update(db.scalars(select(AffectedPerson.a_number_index).where(AffectedPerson.a_number_index.in_(batch))))
    return known


def _runs(problems: list[ProblemRows]) -> Iterator[ProblemRows]:
    """Consecutive rows with the same reason as one run, so a file read from the wrong
    column makes a short table rather than thousands of identical lines."""
    current: ProblemRows | None = None
    for problem in problems:
        if current and problem.first_row == current.last_row + 1 \
                and (problem.issue, problem.same_as) == (current.issue, current.same_as):
            current = ProblemRows(current.first_row, problem.last_row, current.issue, current.same_as)
            continue
        if current:
            yield current
        current = problem
    if current:
        yield current


# Keeping it on the campaign


def attach_list(db: Session, staff: StaffUser, campaign: Campaign, uploaded: UploadedList) -> ListCheck:
    """Check the list and make it the draft's audience list (replacing any other), waiting
    for the notifier's confirmation. Audited with counts only."""
    require_state(campaign, CampaignState.DRAFT)
    check = check_list(db, uploaded)
    campaign.audience = {**campaign.audience, INDEXES_KEY: list(check.indexes), LIST_KEY: _stored(check)}
    _audit(db, staff, "campaign.a_number_list_checked", campaign,
           {"file_type": check.file_type, "rows_read": check.rows_read, "accepted": check.accepted,
            **check.rows_by_issue()})
    return check


def confirm_list(db: Session, staff: StaffUser, campaign: Campaign, *, leave_out_problems: bool) -> None:
    """The notifier has seen the check and goes on with the accepted rows. Refused when no
    row was accepted, or when rows were left out and `leave_out_problems` is not given."""
    require_state(campaign, CampaignState.DRAFT)
    check = list_check_of(campaign.audience)
    if check is None or check.accepted == 0:
        raise CampaignRefused(gettext("No row of the list can be used. Upload a corrected list."))
    if check.problems and not leave_out_problems:
        raise CampaignRefused(gettext("Confirm that the rows listed will be left out, or upload a corrected list."))
    campaign.audience = {**campaign.audience, LIST_KEY: {**campaign.audience[LIST_KEY], "confirmed": True}}
    _audit(db, staff, "campaign.a_number_list_confirmed", campaign,
           {"accepted": check.accepted, "rows_left_out": check.rows_left_out})


def require_checked(campaign: Campaign) -> None:
    """Refuse to go further while the campaign's uploaded list waits for its check."""
    if waiting_for_check(campaign.audience):
        raise CampaignRefused(gettext("Check the list of A-numbers before you send the campaign for approval."))


def waiting_for_check(audience: Mapping[str, Any]) -> bool:
    return LIST_KEY in audience and not audience[LIST_KEY].get("confirmed")


def list_check_of(audience: Mapping[str, Any]) -> ListCheck | None:
    """The check kept on the audience, or None when the audience has no uploaded list."""
    stored = audience.get(LIST_KEY)
    if stored is None:
        return None
    problems = tuple(ProblemRows(first, last, RowIssue(issue), same_as) for first, last, issue, same_as
                     in stored["problems"])
    return ListCheck(file_type=stored["file_type"], rows_read=stored["rows_read"],
                     indexes=tuple(audience.get(INDEXES_KEY, ())), problems=problems,
                     confirmed=bool(stored.get("confirmed")))


def _stored(check: ListCheck) -> dict[str, Any]:
    """The check in the audience's JSON: counts and [first row, last row, issue, same as]."""
    return {"file_type": check.file_type, "rows_read": check.rows_read, "accepted": check.accepted,
            "problems": [[problem.first_row, problem.last_row, problem.issue.value, problem.same_as]
                         for problem in check.problems],
            "confirmed": check.confirmed}


def _audit(db: Session, staff: StaffUser, action: str, campaign: Campaign, details: dict[str, Any]) -> None:
    record_event(db, actor_type="staff", actor_id=str(staff.id), action=action, subject_type="campaign",
                 subject_id=str(campaign.id), details=details)
