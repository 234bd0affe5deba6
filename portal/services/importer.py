"""Importing the agency's affected list into the encrypted store.

One pass over the file: each row is checked; valid rows are written in batches (upsert by
the A-number's blind index), so memory stays flat however long the file is. If any row is
bad and `skip_invalid` is off, writing stops at the first bad row but checking goes on, so
the report lists every bad row; the caller then rolls back and nothing is imported.

Re-importing the same file changes nothing: a person whose values are all the same is
counted as unchanged and not written. Contact preferences a person chose themselves are
never overwritten by an import. Remedies that newly apply (after a custody change) are
added; remedies already requested are never removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Incident, Remedy
from portal.services.affected_list import Cell, Column, Layout, open_list
from portal.services.affected_row import (
    AffectedRecord,
    InvalidCell,
    RowProblem,
    parse_a_number,
    parse_attorney_identifier,
    parse_categories,
    parse_country,
    parse_custody_status,
    parse_date_of_birth,
    parse_incident_codes,
    parse_language,
    parse_optional_text,
    parse_phone,
    parse_required_text,
)
from portal.services.affected_store import BatchOutcome, DuplicateTracker, with_index, write_batch

BATCH_SIZE = 1000


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class ImportContext:
    incidents: dict[str, Incident]
    remedies: list[Remedy]
    default_incidents: tuple[str, ...]


def import_affected_file(
    db: Session,
    path: Path,
    *,
    skip_invalid: bool = False,
    default_incidents: tuple[str, ...] = (),
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a `.csv` or `.xlsx` list. Does not commit: the caller commits when the report
    has no problems (or `skip_invalid` is on), and rolls back otherwise.

    Raises UnreadableFile when the file has no usable header row."""
    list_file = open_list(path)
    if on_start:
        on_start(list_file.estimated_rows)
    report = ImportReport(ignored_columns=list_file.layout.ignored_headings)
    context = _load_context(db, default_incidents)
    records = _checked_records(list_file.rows, list_file.layout, context, report, on_progress)
    with DuplicateTracker(db) as duplicates:
        for batch in _batches(records, BATCH_SIZE):
            fresh, repeats = duplicates.remove_repeats(with_index(batch))
            report.problems.extend(repeats)
            report.skipped += len(repeats)
            if skip_invalid or not report.problems:
                _count(report, write_batch(db, fresh, context.incidents, context.remedies))
    if report.problems and not skip_invalid:
        report.created = report.updated = report.unchanged = 0
    return report


def _count(report: ImportReport, outcome: BatchOutcome) -> None:
    report.created += outcome.created
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged


def _load_context(db: Session, default_incidents: tuple[str, ...]) -> ImportContext:
    incidents = {incident.code: incident for incident in db.scalars(select(Incident))}
    remedies = list(db.scalars(select(Remedy).order_by(Remedy.sort_order)))
    return ImportContext(incidents=incidents, remedies=remedies, default_incidents=default_incidents)


def _checked_records(
    rows: Iterator[tuple[int, dict[Column, Cell]]],
    layout: Layout,
    context: ImportContext,
    report: ImportReport,
    on_progress: Callable[[int], None] | None,
) -> Iterator[AffectedRecord]:
    for row_number, cells in rows:
        report.rows_read += 1
        if on_progress:
            on_progress(1)
        record = check_row(row_number, cells, layout, context, report)
        if record is None:
            report.skipped += 1
        else:
            yield record


def check_row(
    row_number: int, cells: dict[Column, Cell], layout: Layout, context: ImportContext, report: ImportReport
) -> AffectedRecord | None:
    """Clean values of one row, or None after adding each bad cell to the report."""
    values: dict[str, object] = {}
    problems: list[RowProblem] = []
    for column, (field_name, parse) in _PARSERS.items():
        try:
            values[field_name] = parse(cells.get(column), context)
        except InvalidCell as invalid:
            problems.append(RowProblem(row_number, layout.headings.get(column, column.value), invalid.reason))
    report.problems.extend(problems)
    return None if problems else AffectedRecord(row_number=row_number, **values)  # type: ignore[arg-type]


_Parser = Callable[[Cell, ImportContext], object]
_PARSERS: dict[Column, tuple[str, _Parser]] = {
    Column.A_NUMBER: ("a_number", lambda value, _: parse_a_number(value)),
    Column.LAST_NAME: ("last_name", lambda value, _: parse_required_text(value, Column.LAST_NAME)),
    Column.FIRST_NAME: ("first_name", lambda value, _: parse_required_text(value, Column.FIRST_NAME)),
    Column.DATE_OF_BIRTH: ("date_of_birth", lambda value, _: parse_date_of_birth(value)),
    Column.NATIONALITY: ("nationality", lambda value, _: parse_country(value)),
    Column.CUSTODY_STATUS: ("custody_status", lambda value, _: parse_custody_status(value)),
    Column.FACILITY: ("facility", lambda value, _: parse_optional_text(value, Column.FACILITY)),
    Column.PHONE: ("phone", lambda value, _: parse_phone(value)),
    Column.MAILING_ADDRESS: ("postal_address", lambda value, _: parse_optional_text(value, Column.MAILING_ADDRESS)),
    Column.ATTORNEY_NAME: ("attorney_name", lambda value, _: parse_optional_text(value, Column.ATTORNEY_NAME)),
    Column.ATTORNEY_IDENTIFIER: ("attorney_identifier", lambda value, _: parse_attorney_identifier(value)),
    Column.PREFERRED_LANGUAGE: ("preferred_language", lambda value, _: parse_language(value)),
    Column.INCIDENTS: ("incident_codes", lambda value, context: parse_incident_codes(
        value, frozenset(context.incidents), context.default_incidents
    )),
    Column.CATEGORIES: ("categories", lambda value, _: parse_categories(value)),
}


def _batches(records: Iterable[AffectedRecord], size: int) -> Iterator[list[AffectedRecord]]:
    batch: list[AffectedRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
