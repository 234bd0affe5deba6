"""The agency's affected-list layout: its columns, the many ways real spreadsheets name them,
and reading rows from `.csv` and `.xlsx` files one at a time.

Headers are matched ignoring case, spaces and punctuation, so "Alien Number", "A#" and
"A-Number" are the same column. Columns we do not know are ignored and listed in the report.
The header row may sit below a title block: the first 20 rows of each sheet are searched,
and the first sheet with the required headers is used.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

import openpyxl

HEADER_SEARCH_ROWS = 20


class Column(StrEnum):
    A_NUMBER = "a_number"
    LAST_NAME = "last_name"
    FIRST_NAME = "first_name"
    DATE_OF_BIRTH = "date_of_birth"
    NATIONALITY = "nationality"
    FACILITY = "facility"
    CUSTODY_STATUS = "custody_status"
    PHONE = "phone"
    MAILING_ADDRESS = "mailing_address"
    ATTORNEY_NAME = "attorney_name"
    ATTORNEY_IDENTIFIER = "attorney_identifier"
    PREFERRED_LANGUAGE = "preferred_language"
    INCIDENTS = "incidents"
    CATEGORIES = "categories"


# The headings the agency's own template uses; also what `flask demo-data` writes.
AGENCY_HEADERS: dict[Column, str] = {
    Column.A_NUMBER: "A-Number",
    Column.LAST_NAME: "Last Name",
    Column.FIRST_NAME: "First Name",
    Column.DATE_OF_BIRTH: "Date of Birth",
    Column.NATIONALITY: "Country of Nationality",
    Column.FACILITY: "Detention Facility",
    Column.CUSTODY_STATUS: "Custody Status",
    Column.PHONE: "Phone",
    Column.MAILING_ADDRESS: "Mailing Address",
    Column.ATTORNEY_NAME: "Attorney of Record",
    Column.ATTORNEY_IDENTIFIER: "Attorney EOIR ID or Bar Number",
    Column.PREFERRED_LANGUAGE: "Preferred Language",
    Column.INCIDENTS: "Incidents",
    Column.CATEGORIES: "Categories Exposed",
}

_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.A_NUMBER: ("a", "anumber", "anum", "ano", "aliennumber", "alienno", "alienregistrationnumber", "alien"),
    Column.LAST_NAME: ("lastname", "surname", "familyname", "apellido", "apellidos"),
    Column.FIRST_NAME: ("firstname", "givenname", "givennames", "forename", "nombre"),
    Column.DATE_OF_BIRTH: ("dateofbirth", "dob", "birthdate", "birthdt", "fechadenacimiento"),
    Column.NATIONALITY: (
        "countryofnationality", "nationality", "countryofcitizenship", "citizenship", "country", "countryofbirth",
    ),
    Column.FACILITY: ("detentionfacility", "facility", "facilityname", "detentionlocation", "location"),
    Column.CUSTODY_STATUS: ("custodystatus", "custody", "status", "detentionstatus"),
    Column.PHONE: ("phone", "phonenumber", "telephone", "mobile", "cellphone", "contactnumber"),
    Column.MAILING_ADDRESS: ("mailingaddress", "address", "postaladdress", "homeaddress"),
    Column.ATTORNEY_NAME: ("attorneyofrecord", "attorney", "attorneyname", "representative", "counsel"),
    Column.ATTORNEY_IDENTIFIER: (
        "attorneyeoiridorbarnumber", "attorneyeoirid", "eoirid", "barnumber", "attorneybarnumber", "attorneyid",
    ),
    Column.PREFERRED_LANGUAGE: ("preferredlanguage", "language", "primarylanguage", "nativelanguage"),
    Column.INCIDENTS: ("incidents", "incident", "incidentcodes"),
    Column.CATEGORIES: ("categoriesexposed", "categories", "dataexposed", "exposeddata", "exposedcategories"),
}
_COLUMN_BY_ALIAS = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}
REQUIRED_COLUMNS = (
    Column.A_NUMBER, Column.LAST_NAME, Column.FIRST_NAME, Column.DATE_OF_BIRTH, Column.NATIONALITY,
    Column.CUSTODY_STATUS,
)

Cell = str | int | float | date | datetime | None


class UnreadableFile(ValueError):
    """The file is not a list we can read. The message is safe to show (no cell contents)."""


@dataclass
class Layout:
    """Where each known column sits in the file, and which headings were ignored."""

    positions: dict[Column, int]
    headings: dict[Column, str]
    ignored_headings: list[str] = field(default_factory=list)


@dataclass
class ListFile:
    layout: Layout
    rows: Iterator[tuple[int, dict[Column, Cell]]]
    estimated_rows: int


def _normalise_heading(heading: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(heading or "").casefold())


def match_layout(headings: list[object], required: tuple[Column, ...] = REQUIRED_COLUMNS) -> Layout | None:
    """The layout if these headings hold every required column, else None."""
    positions: dict[Column, int] = {}
    names: dict[Column, str] = {}
    ignored: list[str] = []
    for position, heading in enumerate(headings):
        column = _COLUMN_BY_ALIAS.get(_normalise_heading(heading))
        if column is None or column in positions:
            if str(heading or "").strip():
                ignored.append(str(heading).strip())
            continue
        positions[column] = position
        names[column] = str(heading).strip()
    if not all(column in positions for column in required):
        return None
    return Layout(positions=positions, headings=names, ignored_headings=ignored)


def open_list(path: Path, required: tuple[Column, ...] = REQUIRED_COLUMNS) -> ListFile:
    """Open a `.csv` or `.xlsx` affected list for streaming. Other lists in the same layout
    (an attorney's clients: A-number and date of birth) name the columns they require."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path, required)
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, required)
    raise UnreadableFile("Only .csv and .xlsx files can be imported.")


def _rows_after_header(rows: Iterator[tuple[int, list[Cell]]], required: tuple[Column, ...]) -> tuple[Layout, Iterator]:
    for row_number, values in rows:
        layout = match_layout(list(values), required)
        if layout:
            return layout, _data_rows(layout, rows)
        if row_number >= HEADER_SEARCH_ROWS:
            break
    raise UnreadableFile(
        "No header row with the required columns was found: " + ", ".join(AGENCY_HEADERS[c] for c in required)
    )


def _data_rows(layout: Layout, rows: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, dict[Column, Cell]]]:
    for row_number, values in rows:
        if not any(value not in (None, "") and str(value).strip() for value in values):
            continue
        yield row_number, {
            column: values[position] if position < len(values) else None
            for column, position in layout.positions.items()
        }


def _open_csv(path: Path, required: tuple[Column, ...]) -> ListFile:
    with path.open("rb") as counted:
        estimated = sum(chunk.count(b"\n") for chunk in iter(lambda: counted.read(1 << 20), b""))
    handle = path.open(newline="", encoding="utf-8-sig")
    try:
        layout, rows = _rows_after_header(enumerate(csv.reader(handle), start=1), required)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise UnreadableFile("The CSV file must be UTF-8 text.") from None
    except UnreadableFile:
        handle.close()
        raise
    return ListFile(layout=layout, rows=_closing(rows, handle), estimated_rows=estimated)


def _open_xlsx(path: Path, required: tuple[Column, ...]) -> ListFile:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many unrelated types for a damaged file
        raise UnreadableFile("The .xlsx file could not be opened.") from None
    for sheet in workbook.worksheets:
        numbered = enumerate((list(row) for row in sheet.iter_rows(values_only=True)), start=1)
        try:
            layout, rows = _rows_after_header(numbered, required)
        except UnreadableFile:
            continue
        return ListFile(layout=layout, rows=_closing(rows, workbook), estimated_rows=sheet.max_row or 0)
    workbook.close()
    raise UnreadableFile(
        "No sheet has a header row with the required columns: "
        + ", ".join(AGENCY_HEADERS[c] for c in required)
    )


def _closing(rows: Iterator, resource: object) -> Iterator:
    try:
        yield from rows
    except (UnicodeDecodeError, csv.Error):
        raise UnreadableFile("The file could not be read to the end: it must be UTF-8 text.") from None
    finally:
        resource.close()  # type: ignore[attr-defined]
