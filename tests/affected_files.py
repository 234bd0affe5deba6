"""Writing small affected lists for tests, as .csv or .xlsx, in the agency's layout."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from portal.services.affected_list import AGENCY_HEADERS, Column

HEADINGS = [AGENCY_HEADERS[column] for column in Column]

GOOD_ROWS = [
    ["A-201-555-001", "Gutiérrez Morales", "Lucía Fernanda", "03/15/1990", "Honduras", "Otay Mesa Detention Center",
     "In custody", "+1 619 555 0142", "", "", "", "Spanish", "2022-11-posting", "name; date of birth; A-number"],
    ["201555002", "Ivanova", "Svetlana", "1985-07-02", "RUS", "Adelanto ICE Processing Center", "released",
     "(213) 555-0187", "1450 Wilshire Blvd\nLos Angeles CA 90017", "Jonathan Pereira", "AB123456", "ru",
     "2022-11-posting", ""],
    ["20155500", "Rodríguez Castillo", "Yoandri", "1979-11-30", "CU", "Krome Service Processing Center", "Removed",
     "+53 5 234 5678", "Calle 23 No. 1055\nVedado, La Habana\nCuba", "", "", "es",
     "2022-11-posting; 2022-12-disclosure", "name; protection claim; fear interview"],
]


def write_csv(path: Path, rows: list[list[str]], headings: list[str] = HEADINGS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], headings: list[str] = HEADINGS, cover_sheet: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if cover_sheet:
        sheet.title = "About"
        sheet.append(["Detention statistics, FY2023"])
        sheet = workbook.create_sheet("Affected")
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
