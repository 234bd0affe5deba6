"""Every spelling of the test people's personal data, to search storage and logs for."""

from __future__ import annotations

from datetime import date

from tests.affected_files import GOOD_ROWS
from tests.factories import PERSON


def a_number_spellings(digits: str) -> list[str]:
    nine = digits.zfill(9)
    dashed = f"{nine[:3]}-{nine[3:6]}-{nine[6:]}"
    return [nine, nine.lstrip("0"), f"A{nine}", f"A-{dashed}", dashed, f"A{nine.lstrip('0')}"]


def date_spellings(value: date) -> list[str]:
    return [value.isoformat(), value.strftime("%m/%d/%Y"), value.strftime("%Y%m%d"), value.strftime("%d.%m.%Y")]


def _phone_spellings(e164: str) -> list[str]:
    national = e164[2:] if e164.startswith("+1") else e164[3:]
    return [e164, national]


TEST_PEOPLE = [
    {"names": [PERSON.last_name, PERSON.first_name], "a_number": PERSON.a_number, "born": PERSON.date_of_birth,
     "phones": _phone_spellings(PERSON.phone or "")},
    {"names": ["Ivanova", "Svetlana", "1450 Wilshire Blvd", "Jonathan Pereira", "AB123456"], "a_number": "201555002",
     "born": date(1985, 7, 2), "phones": ["+12135550187", "2135550187"]},
    {"names": ["Rodríguez Castillo", "Yoandri", "Calle 23 No. 1055", "Krome Service"], "a_number": "20155500",
     "born": date(1979, 11, 30), "phones": ["+5352345678", "52345678"]},
]
assert [row[0] for row in GOOD_ROWS] == ["A-201-555-001", "201555002", "20155500"]


def personal_values() -> list[str]:
    """Names, A-numbers, birth dates and phones of every test person, in every spelling."""
    found: list[str] = []
    for person in TEST_PEOPLE:
        found += person["names"] + person["phones"] + a_number_spellings(person["a_number"])
        found += date_spellings(person["born"])
    return found
