"""Checking one row of the affected list and turning it into clean values.

Every reason is a translatable sentence about the column, never a copy of the cell: reports
end up in terminals and logs, and the cells hold the very data that leaked."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import phonenumbers
import pycountry
from babel import Locale, UnknownLocaleError
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.models import CustodyStatus, DataCategory
from portal.security.a_numbers import InvalidANumber, normalise_a_number
from portal.services.affected_list import Cell, Column

MAX_TEXT_LENGTH = {
    Column.LAST_NAME: 100, Column.FIRST_NAME: 100, Column.FACILITY: 200, Column.MAILING_ADDRESS: 500,
    Column.ATTORNEY_NAME: 200,
}
# Unicode's "Cc" category except the line feed, which addresses use.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_LIST_SEPARATORS = re.compile(r"[;,|\n]")
_EXCEL_EPOCH = date(1899, 12, 30)
_COMMON_DATE = re.compile(
    r"(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})|(?P<us_month>\d{1,2})/(?P<us_day>\d{1,2})/(?P<us_year>\d{4})"
)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y", "%Y%m%d")

_CUSTODY_WORDS = {
    "incustody": CustodyStatus.IN_CUSTODY, "custody": CustodyStatus.IN_CUSTODY, "detained": CustodyStatus.IN_CUSTODY,
    "iniccustody": CustodyStatus.IN_CUSTODY, "released": CustodyStatus.RELEASED, "paroled": CustodyStatus.RELEASED,
    "removed": CustodyStatus.REMOVED, "deported": CustodyStatus.REMOVED,
}
_CATEGORY_WORDS = {
    "name": DataCategory.NAME, "names": DataCategory.NAME, "fullname": DataCategory.NAME,
    "dateofbirth": DataCategory.DATE_OF_BIRTH, "dob": DataCategory.DATE_OF_BIRTH,
    "birthdate": DataCategory.DATE_OF_BIRTH,
    "nationality": DataCategory.NATIONALITY, "country": DataCategory.NATIONALITY,
    "citizenship": DataCategory.NATIONALITY, "anumber": DataCategory.A_NUMBER, "a": DataCategory.A_NUMBER,
    "facility": DataCategory.FACILITY, "detentionfacility": DataCategory.FACILITY,
    "fearinterview": DataCategory.FEAR_INTERVIEW, "fearinterviewresult": DataCategory.FEAR_INTERVIEW,
    "protectionclaim": DataCategory.PROTECTION_CLAIM, "asylumclaim": DataCategory.PROTECTION_CLAIM,
    "soughtprotection": DataCategory.PROTECTION_CLAIM,
}
_LANGUAGE_ALIASES = {
    "mandarin": "zh_Hans", "chinese": "zh_Hans", "cantonese": "yue", "farsi": "fa", "creole": "ht",
    "haitiancreole": "ht", "kreyol": "ht", "brazilianportuguese": "pt_BR", "dari": "prs", "prs": "prs",
    "kiche": "quc",
}
_COUNTRY_ALIASES = {"russia": "RU", "iran": "IR", "venezuela": "VE", "bolivia": "BO", "vietnam": "VN", "syria": "SY",
                    "laos": "LA", "moldova": "MD", "tanzania": "TZ", "ivorycoast": "CI", "drc": "CD", "turkey": "TR"}


class InvalidCell(ValueError):
    def __init__(self, reason: LazyString):
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class AffectedRecord:
    """One valid row, in canonical form (A-number 9 digits, ISO country, E.164 phone)."""

    row_number: int
    a_number: str
    last_name: str
    first_name: str
    date_of_birth: date
    nationality: str
    custody_status: CustodyStatus
    facility: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    attorney_name: str | None = None
    attorney_identifier: str | None = None
    preferred_language: str | None = None
    incident_codes: tuple[str, ...] = ()
    categories: tuple[DataCategory, ...] = ()


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    column: str
    reason: LazyString


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", _CONTROL_CHARACTERS.sub("", str(value))).strip()


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKD", text).casefold())


def parse_a_number(value: Cell) -> str:
    try:
        return normalise_a_number(_text(value))
    except InvalidANumber:
        raise InvalidCell(_l("is not an A-number (8 or 9 digits, with or without A)")) from None


def parse_date_of_birth(value: Cell, today: date | None = None) -> date:
    today = today or datetime.now(UTC).date()
    parsed = _parse_date(value)
    if parsed is None:
        raise InvalidCell(_l("is not a date we can read (use YYYY-MM-DD or MM/DD/YYYY)"))
    if not date(1900, 1, 1) <= parsed <= today:
        raise InvalidCell(_l("is a date that cannot be a date of birth"))
    return parsed


def _parse_date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 1 < value < 100000:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = _text(value)
    if text.endswith(" 00:00:00"):
        text = text[: -len(" 00:00:00")]
    # The two usual spellings are read without strptime: a list can have millions of rows.
    common = _COMMON_DATE.fullmatch(text)
    if common and common["iso_year"]:
        return _date_or_none(common["iso_year"], common["iso_month"], common["iso_day"])
    if common:
        return _date_or_none(common["us_year"], common["us_month"], common["us_day"])
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _date_or_none(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_country(value: Cell) -> str:
    code = _country_code(_text(value))
    if code is None:
        raise InvalidCell(_l("is not a country name or ISO country code we know"))
    return code


@lru_cache(maxsize=1024)
def _country_code(text: str) -> str | None:
    code = _COUNTRY_ALIASES.get(_compact(text)) or _english_country_names().get(_compact(text))
    if code is None and text:
        try:
            code = pycountry.countries.lookup(text).alpha_2
        except LookupError:
            code = None
    return code


@lru_cache(maxsize=1)
def _english_country_names() -> dict[str, str]:
    return {_compact(name): code for code, name in Locale("en").territories.items() if len(code) == 2}


def parse_custody_status(value: Cell) -> CustodyStatus:
    status = _CUSTODY_WORDS.get(_compact(_text(value)))
    if status is None:
        raise InvalidCell(_l("must be one of: in custody, released, removed"))
    return status


def parse_phone(value: Cell) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidCell(_l("is not a phone number we can use (add the country code for numbers outside the US)"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_language(value: Cell) -> str | None:
    text = _text(value)
    if not text:
        return None
    code = _language_code(text)
    if code is None:
        raise InvalidCell(_l("is not a language name or language code we know"))
    return code


@lru_cache(maxsize=1024)
def _language_code(text: str) -> str | None:
    code = _LANGUAGE_ALIASES.get(_compact(text)) or _english_language_names().get(_compact(text))
    if code:
        return code
    try:
        return str(Locale.parse(text.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return None


@lru_cache(maxsize=1)
def _english_language_names() -> dict[str, str]:
    return {_compact(name): code for code, name in Locale("en").languages.items()}


def parse_optional_text(value: Cell, column: Column) -> str | None:
    text = _text(value)
    if len(text) > MAX_TEXT_LENGTH.get(column, 200):
        raise InvalidCell(_l("is too long"))
    return text or None


def parse_required_text(value: Cell, column: Column) -> str:
    text = parse_optional_text(value, column)
    if text is None:
        raise InvalidCell(_l("is empty"))
    return text


def parse_attorney_identifier(value: Cell) -> str | None:
    text = _text(value)
    if text and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,29}", text):
        raise InvalidCell(_l("is not an EOIR ID or bar number (letters, digits and hyphens)"))
    return text or None


def parse_incident_codes(value: Cell, known_codes: frozenset[str], default: tuple[str, ...]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(code.strip() for code in _LIST_SEPARATORS.split(_text(value)) if code.strip()))
    if not codes:
        codes = default
    if not codes:
        raise InvalidCell(_l("names no incident"))
    if any(code not in known_codes for code in codes):
        raise InvalidCell(_l("names an incident that is not recorded (see `flask incidents list`)"))
    return codes


def parse_categories(value: Cell) -> tuple[DataCategory, ...]:
    words = [_compact(word) for word in _LIST_SEPARATORS.split(_text(value)) if word.strip()]
    categories = [_CATEGORY_WORDS.get(word) or _category_by_value(word) for word in words]
    if None in categories:
        raise InvalidCell(_l("names a kind of data we do not know"))
    return tuple(dict.fromkeys(c for c in categories if c is not None))


def _category_by_value(word: str) -> DataCategory | None:
    return next((category for category in DataCategory if _compact(category.value) == word), None)
