"""The invented people behind the demo, and the spreadsheet that lists them in the agency's layout.

Everyone is made up: names come from Faker (and a short list of West African names, which
Faker lacks), A-numbers, dates of birth and phone numbers are drawn at random, and the mix of
nationalities, custody statuses and contact details follows the agency's published figures.
The same seed always gives the same people and the same spreadsheet. Eight fixed profiles
(`DEMO_PROFILES`) make sure someone in the list exercises each flow of the portal.

The spreadsheet is written the way real lists are, with a title block above the headers and
cells written in the different forms the agency's files use, so loading it tests the importer.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import phonenumbers
from faker import Faker

from portal.models import CustodyStatus
from portal.services.affected_list import AGENCY_HEADERS, Cell, Column

# The incident codes each person's row names; the demo records incidents with these codes.
POSTING = "2022-11-posting"
DISCLOSURE = "2022-12-disclosure"
# The official told Cuba about people among 103 due for a removal flight.
DISCLOSED_CUBANS = 103
# The agency's figures for the 6,252 people: about 2,200 still in custody, over 100 removed.
IN_CUSTODY_SHARE = 2200 / 6252
REMOVED_SHARE = 106 / 6252
ATTORNEY_POOL_SIZE = 60


# --- Who is in the list ------------------------------------------------------------------


@dataclass(frozen=True)
class Nationality:
    cell: str  # as the agency's list writes the country
    region: str  # ISO 3166 code, for phone numbers
    names: str  # Faker locale for names, or WEST_AFRICA
    street_locale: str  # Faker locale for street lines abroad
    languages: tuple[tuple[str, int], ...]  # (Preferred Language cell, weight)
    cities: tuple[str, ...]
    weight: int  # share of the list, per 10,000


WEST_AFRICA = "west_africa"
_SPANISH = (("Spanish", 8), ("es", 2))
_RUSSIAN = (("Russian", 8), ("ru", 2))
_FRENCH = (("French", 8), ("fr", 2))
NATIONALITIES: dict[str, Nationality] = {n.region: n for n in (
    Nationality("Mexico", "MX", "es_MX", "es_MX", _SPANISH, ("Ciudad de México", "Guadalajara", "Tapachula"), 1500),
    Nationality("Guatemala", "GT", "es_MX", "es_MX", (("Spanish", 7), ("K'iche'", 2), ("es", 1)),
                ("Ciudad de Guatemala", "Quetzaltenango", "Huehuetenango"), 1300),
    Nationality("Honduras", "HN", "es_MX", "es_MX", _SPANISH, ("Tegucigalpa", "San Pedro Sula", "La Ceiba"), 1200),
    Nationality("El Salvador", "SV", "es_MX", "es_MX", _SPANISH, ("San Salvador", "Santa Ana", "San Miguel"), 700),
    Nationality("Nicaragua", "NI", "es_MX", "es_MX", _SPANISH, ("Managua", "León", "Masaya"), 500),
    Nationality("Venezuela", "VE", "es_CO", "es_CO", _SPANISH, ("Caracas", "Maracaibo", "Barquisimeto"), 600),
    Nationality("Colombia", "CO", "es_CO", "es_CO", _SPANISH, ("Bogotá", "Medellín", "Cali"), 500),
    Nationality("Ecuador", "EC", "es_CO", "es_CO", _SPANISH, ("Quito", "Guayaquil", "Cuenca"), 300),
    Nationality("Peru", "PE", "es_CO", "es_CO", _SPANISH, ("Lima", "Arequipa", "Trujillo"), 250),
    Nationality("Cuba", "CU", "es_ES", "es_ES", _SPANISH, ("La Habana", "Santiago de Cuba", "Holguín"), 250),
    Nationality("Haiti", "HT", "fr_FR", "fr_FR", (("Haitian Creole", 8), ("ht", 1), ("French", 1)),
                ("Port-au-Prince", "Cap-Haïtien", "Les Cayes"), 600),
    Nationality("Brazil", "BR", "pt_BR", "pt_BR", (("Brazilian Portuguese", 7), ("pt_BR", 3)),
                ("São Paulo", "Governador Valadares", "Belo Horizonte"), 400),
    Nationality("Russia", "RU", "ru_RU", "ru_RU", _RUSSIAN, ("Moscow", "Makhachkala", "Grozny"), 400),
    Nationality("Uzbekistan", "UZ", "ru_RU", "ru_RU", _RUSSIAN, ("Tashkent", "Samarkand", "Andijan"), 150),
    Nationality("Kyrgyzstan", "KG", "ru_RU", "ru_RU", _RUSSIAN, ("Bishkek", "Osh"), 80),
    Nationality("Tajikistan", "TJ", "ru_RU", "ru_RU", _RUSSIAN, ("Dushanbe", "Khujand"), 80),
    Nationality("Georgia", "GE", "ru_RU", "ru_RU", _RUSSIAN, ("Tbilisi", "Kutaisi", "Batumi"), 150),
    Nationality("India", "IN", "en_IN", "en_IN", (("Punjabi", 35), ("pa", 5), ("Hindi", 50), ("hi", 10)),
                ("Amritsar", "Ludhiana", "Ahmedabad"), 500),
    Nationality("Mauritania", "MR", WEST_AFRICA, "fr_FR", _FRENCH, ("Nouakchott", "Nouadhibou", "Kaédi"), 200),
    Nationality("Senegal", "SN", WEST_AFRICA, "fr_FR", _FRENCH, ("Dakar", "Thiès", "Saint-Louis"), 150),
    Nationality("Guinea", "GN", WEST_AFRICA, "fr_FR", _FRENCH, ("Conakry", "Labé", "Kankan"), 100),
    Nationality("China", "CN", "zh_CN", "zh_CN", (("Mandarin", 8), ("zh_Hans", 2)), ("Fuzhou", "Wenzhou"), 300),
    # "Turkey" is not among the names the importer knows; the CLDR name is.
    Nationality("Türkiye", "TR", "tr_TR", "tr_TR", (("Turkish", 8), ("tr", 2)), ("Istanbul", "Ankara"), 200),
    Nationality("Iran", "IR", "fa_IR", "fa_IR", (("Farsi", 7), ("fa", 3)), ("Tehran", "Mashhad", "Isfahan"), 120),
    Nationality("Afghanistan", "AF", "fa_IR", "fa_IR", (("Dari", 6), ("Farsi", 4)), ("Kabul", "Herat"), 120),
)}
FAKER_LOCALES = sorted({n.names for n in NATIONALITIES.values() if n.names != WEST_AFRICA} | {"en_US"})

# Common Fula, Wolof, Soninke and Hassaniya names; Faker has no West African locale.
_WEST_AFRICAN_MEN = ("Mamadou", "Amadou", "Ousmane", "Abdoulaye", "Ibrahima", "Alpha", "Moussa", "Cheikh", "Sidi",
                     "Mohamed", "Boubacar", "Souleymane", "Oumar", "Modou")
_WEST_AFRICAN_WOMEN = ("Fatou", "Aminata", "Mariama", "Aïssatou", "Khadija", "Fatimata", "Kadiatou", "Awa", "Coumba",
                       "Mariem", "Ramatoulaye")
_WEST_AFRICAN_SURNAMES = ("Diallo", "Ba", "Sow", "Barry", "Bah", "Ndiaye", "Diop", "Fall", "Sy", "Kane", "Camara",
                          "Sylla", "Touré", "Cissé", "Ould Ahmed", "Ould Mohamed", "Mint Sidi", "Traoré", "Diakité")
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"),
    strict=True,
))

FACILITIES = (
    "Otay Mesa Detention Center", "Adelanto ICE Processing Center", "Krome North Service Processing Center",
    "Port Isabel Service Processing Center", "South Texas ICE Processing Center", "Stewart Detention Center",
    "Central Louisiana ICE Processing Center", "El Paso Service Processing Center", "Northwest ICE Processing Center",
    "Imperial Regional Detention Facility", "Eloy Detention Center", "Winn Correctional Center",
    "Torrance County Detention Facility", "Moshannon Valley Processing Center", "Elizabeth Contract Detention Facility",
    "Broward Transitional Center", "Otero County Processing Center", "Denver Contract Detention Facility",
)
US_CITIES = (
    ("Houston", "TX", "770"), ("Los Angeles", "CA", "900"), ("Miami", "FL", "331"), ("New York", "NY", "100"),
    ("Chicago", "IL", "606"), ("Newark", "NJ", "071"), ("San Diego", "CA", "921"), ("Atlanta", "GA", "303"),
    ("Dallas", "TX", "752"), ("Phoenix", "AZ", "850"), ("Denver", "CO", "802"), ("Seattle", "WA", "981"),
    ("Charlotte", "NC", "282"), ("Boston", "MA", "021"), ("Orlando", "FL", "328"), ("Sacramento", "CA", "958"),
)
US_AREA_CODES = (619, 213, 305, 713, 214, 602, 718, 212, 404, 312, 786, 956, 915, 210, 832, 480, 303, 206, 617, 973)
# Central office codes 200-999, without 555, whose numbers are fictional.
US_EXCHANGES = tuple(code for code in range(200, 1000) if code != 555)
CATEGORIES_WITHOUT_FEAR_INTERVIEW = "name; date of birth; nationality; A-number; facility; protection claim"


@dataclass(frozen=True)
class AttorneyOfRecord:
    name: str
    eoir_id: str


@dataclass(frozen=True)
class Profile:
    """What a person's row must exercise; the details are drawn at random."""

    nationality: Nationality
    status: CustodyStatus
    has_phone: bool
    has_address: bool
    attorney: AttorneyOfRecord | None = None
    disclosed: bool = False  # also named to a foreign government (the second incident)
    language: str | None = None
    exercises: str = ""  # set for the people who get a notice code


@dataclass(frozen=True)
class SyntheticPerson:
    profile: Profile
    a_number: str  # nine digits
    first_name: str
    last_name: str
    date_of_birth: date
    facility: str
    phone: str | None
    address: str | None
    language: str


def seeded_random(seed: int) -> random.Random:
    """A reproducible generator for invented data. Nothing secret is drawn from it: notice
    codes and TOTP secrets come from `secrets`."""
    return random.Random(seed)  # noqa: S311 - reproducibility is the point


# --- Generating the people -----------------------------------------------------------------


# Given the demo attorney as attorney of record once the attorney pool is drawn.
DEMO_ATTORNEY_CLIENT = Profile(NATIONALITIES["RU"], CustodyStatus.RELEASED, has_phone=True, has_address=True,
                               language="Russian", exercises="has an attorney of record (the demo attorney)")
DEMO_PROFILES = (
    Profile(NATIONALITIES["HN"], CustodyStatus.IN_CUSTODY, has_phone=True, has_address=False, language="Spanish",
            exercises="in custody, phone on record (SMS one-time code)"),
    Profile(NATIONALITIES["GT"], CustodyStatus.IN_CUSTODY, has_phone=False, has_address=False, language="Spanish",
            exercises="in custody, no phone or address (notice code only)"),
    Profile(NATIONALITIES["VE"], CustodyStatus.RELEASED, has_phone=False, has_address=True, language="Spanish",
            exercises="released, letter to a US address"),
    Profile(NATIONALITIES["BR"], CustodyStatus.REMOVED, has_phone=True, has_address=True,
            language="Brazilian Portuguese", exercises="removed, living abroad (return assistance)"),
    Profile(NATIONALITIES["CU"], CustodyStatus.IN_CUSTODY, has_phone=True, has_address=False, disclosed=True,
            language="Spanish", exercises="Cuban national in both incidents (disclosed to Cuba)"),
    DEMO_ATTORNEY_CLIENT,
    Profile(NATIONALITIES["HT"], CustodyStatus.RELEASED, has_phone=True, has_address=True,
            language="Haitian Creole", exercises="Haitian Creole speaker"),
    Profile(NATIONALITIES["IR"], CustodyStatus.RELEASED, has_phone=True, has_address=True, language="Farsi",
            exercises="Persian speaker (right-to-left)"),
)
MIN_PEOPLE = DISCLOSED_CUBANS + len(DEMO_PROFILES) - 1


def generate_people(count: int, seed: int) -> list[SyntheticPerson]:
    """`count` invented people in list order; the same seed always gives the same people."""
    if count < MIN_PEOPLE:
        raise ValueError(f"The demo needs at least {MIN_PEOPLE} people.")
    rng = seeded_random(seed)
    fake = Faker(FAKER_LOCALES)
    for offset, locale in enumerate(FAKER_LOCALES):
        fake[locale].seed_instance(seed + offset)
    attorneys = _attorney_pool(rng, fake["en_US"])
    profiles = _profiles(count, rng, attorneys)
    a_numbers = rng.sample(range(20_000_000, 240_000_000), count)
    return [_person(profile, f"{a_number:09d}", rng, fake)
            for profile, a_number in zip(profiles, a_numbers, strict=True)]


def _attorney_pool(rng: random.Random, fake: Faker) -> list[AttorneyOfRecord]:
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"
    identifiers = {f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(100000, 999999)}"
                   for _ in range(ATTORNEY_POOL_SIZE * 2)}
    return [AttorneyOfRecord(name=fake.name(), eoir_id=identifier)
            for identifier in sorted(identifiers)[:ATTORNEY_POOL_SIZE]]


def _profiles(count: int, rng: random.Random, attorneys: list[AttorneyOfRecord]) -> list[Profile]:
    demo = [replace(p, attorney=attorneys[0]) if p is DEMO_ATTORNEY_CLIENT else p for p in DEMO_PROFILES]
    disclosed = [_disclosed_cuban(rng, attorneys) for _ in range(DISCLOSED_CUBANS - 1)]
    fixed = demo + disclosed
    statuses = _status_pool(count, fixed, rng)
    profiles = fixed + [_random_profile(status, rng, attorneys) for status in statuses]
    rng.shuffle(profiles)
    return profiles


def _status_pool(count: int, fixed: list[Profile], rng: random.Random) -> list[CustodyStatus]:
    """Statuses for the rest of the list, so the whole list matches the agency's figures."""
    target = {
        CustodyStatus.IN_CUSTODY: round(count * IN_CUSTODY_SHARE), CustodyStatus.REMOVED: round(count * REMOVED_SHARE),
    }
    left = {status: max(0, wanted - sum(p.status is status for p in fixed)) for status, wanted in target.items()}
    rest = count - len(fixed)
    pool = [CustodyStatus.IN_CUSTODY] * min(rest, left[CustodyStatus.IN_CUSTODY])
    pool += [CustodyStatus.REMOVED] * min(rest - len(pool), left[CustodyStatus.REMOVED])
    pool += [CustodyStatus.RELEASED] * (rest - len(pool))
    rng.shuffle(pool)
    return pool


def _disclosed_cuban(rng: random.Random, attorneys: list[AttorneyOfRecord]) -> Profile:
    # They were due for a removal flight: most are still held, some were removed.
    status = CustodyStatus.REMOVED if rng.random() < 0.15 else CustodyStatus.IN_CUSTODY
    return Profile(
        NATIONALITIES["CU"], status, has_phone=rng.random() < 0.3, has_address=rng.random() < 0.2,
        attorney=rng.choice(attorneys) if rng.random() < 0.3 else None, disclosed=True,
    )


# Chance of a phone, an address and an attorney of record, by custody status.
_CONTACT_ODDS = {
    CustodyStatus.IN_CUSTODY: (0.35, 0.15, 0.15),
    CustodyStatus.RELEASED: (0.75, 0.65, 0.25),
    CustodyStatus.REMOVED: (0.6, 0.7, 0.1),
}


def _random_profile(status: CustodyStatus, rng: random.Random, attorneys: list[AttorneyOfRecord]) -> Profile:
    nationalities = list(NATIONALITIES.values())
    nationality = rng.choices(nationalities, weights=[n.weight for n in nationalities])[0]
    phone, address, attorney = _CONTACT_ODDS[status]
    return Profile(
        nationality, status, has_phone=rng.random() < phone, has_address=rng.random() < address,
        attorney=rng.choice(attorneys) if rng.random() < attorney else None,
    )


def _person(profile: Profile, a_number: str, rng: random.Random, fake: Faker) -> SyntheticPerson:
    nationality = profile.nationality
    first_name, last_name = _name(nationality, rng, fake)
    abroad = profile.status is CustodyStatus.REMOVED and rng.random() < 0.85
    return SyntheticPerson(
        profile=profile,
        a_number=a_number,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date(1955, 1, 1) + timedelta(days=rng.randrange((date(2006, 12, 31) - date(1955, 1, 1)).days)),
        facility=rng.choice(FACILITIES),
        phone=_phone(nationality.region if abroad else "US", rng) if profile.has_phone else None,
        address=(_address_abroad(nationality, rng, fake) if abroad else _us_address(rng, fake))
        if profile.has_address else None,
        language=profile.language or _weighted(nationality.languages, rng),
    )


def _weighted(choices: tuple[tuple[str, int], ...], rng: random.Random) -> str:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def _name(nationality: Nationality, rng: random.Random, fake: Faker) -> tuple[str, str]:
    sex = "male" if rng.random() < 0.62 else "female"
    if nationality.names == WEST_AFRICA:
        given = _WEST_AFRICAN_MEN if sex == "male" else _WEST_AFRICAN_WOMEN
        return rng.choice(given), rng.choice(_WEST_AFRICAN_SURNAMES)
    local = fake[nationality.names]
    first = getattr(local, f"first_name_{sex}")()
    last = getattr(local, f"last_name_{sex}")()
    if nationality.names.startswith("es_"):
        # Two given names are common, and two surnames (father's, then mother's) the rule.
        first = f"{first} {getattr(local, f'first_name_{sex}')()}" if rng.random() < 0.35 else first
        last = f"{last} {local.last_name()}" if rng.random() < 0.85 else last
    if nationality.names == "ru_RU":
        # US records write these names in Latin letters.
        first, last = _transliterate(first), _transliterate(last)
    return first, last


def _transliterate(cyrillic: str) -> str:
    latin = ""
    for char in cyrillic:
        mapped = _CYRILLIC.get(char.lower(), char)
        latin += mapped.capitalize() if char.isupper() else mapped
    return latin


def _phone(region: str, rng: random.Random) -> str:
    """A number that phonenumbers accepts as valid for the region, in international form."""
    for _ in range(50):
        number = _us_number(rng) if region == "US" else _foreign_number(region, rng)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    raise RuntimeError(f"no valid phone number drawn for {region}")


def _us_number(rng: random.Random) -> phonenumbers.PhoneNumber:
    exchange = rng.choice(US_EXCHANGES)
    national = f"{rng.choice(US_AREA_CODES)}{exchange}{rng.randint(0, 9999):04d}"
    return phonenumbers.PhoneNumber(country_code=1, national_number=int(national))


def _foreign_number(region: str, rng: random.Random) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    digits = phonenumbers.national_significant_number(example)
    national = digits[:-6] + f"{rng.randint(0, 999999):06d}"
    return phonenumbers.PhoneNumber(country_code=example.country_code, national_number=int(national))


def _us_address(rng: random.Random, fake: Faker) -> str:
    city, state, zip_prefix = rng.choice(US_CITIES)
    return f"{fake['en_US'].street_address()}\n{city}, {state} {zip_prefix}{rng.randint(0, 99):02d}"


def _address_abroad(nationality: Nationality, rng: random.Random, fake: Faker) -> str:
    street = fake[nationality.street_locale].street_address()
    return f"{street}\n{rng.choice(nationality.cities)}\n{nationality.cell}"


# --- Writing the spreadsheet ---------------------------------------------------------------


def write_spreadsheet(path: Path, people: Sequence[SyntheticPerson], rng: random.Random) -> None:
    """The people as an .xlsx in the agency's layout, below a title block as the agency's
    own files have, with cells written in the different ways real lists write them."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Affected individuals")
    sheet.append(["Detention statistics: individuals with protection claims (SYNTHETIC DEMO DATA)"])
    sheet.append([])
    sheet.append(list(AGENCY_HEADERS.values()))
    for person in people:
        cells = _cells(person, rng)
        sheet.append([cells.get(column) for column in AGENCY_HEADERS])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        workbook.save(handle)


def _cells(person: SyntheticPerson, rng: random.Random) -> dict[Column, Cell]:
    profile = person.profile
    return {
        Column.A_NUMBER: _a_number_cell(person.a_number, rng),
        Column.LAST_NAME: person.last_name,
        Column.FIRST_NAME: person.first_name,
        Column.DATE_OF_BIRTH: person.date_of_birth if rng.random() < 0.8 else person.date_of_birth.strftime("%m/%d/%Y"),
        Column.NATIONALITY: profile.nationality.cell,
        Column.FACILITY: person.facility,
        Column.CUSTODY_STATUS: _custody_cell(profile.status, rng),
        Column.PHONE: _phone_cell(person.phone, rng),
        Column.MAILING_ADDRESS: person.address,
        Column.ATTORNEY_NAME: profile.attorney.name if profile.attorney else None,
        Column.ATTORNEY_IDENTIFIER: profile.attorney.eoir_id if profile.attorney else None,
        Column.PREFERRED_LANGUAGE: person.language,
        Column.INCIDENTS: f"{POSTING}; {DISCLOSURE}" if profile.disclosed else POSTING,
        # Fear interviews had not yet happened for some people when the file was made.
        Column.CATEGORIES: CATEGORIES_WITHOUT_FEAR_INTERVIEW if rng.random() < 0.2 else None,
    }


def _a_number_cell(a_number: str, rng: random.Random) -> Cell:
    draw = rng.random()
    if draw < 0.1:
        return int(a_number)  # a spreadsheet turned it into a number (8 digits if it began with 0)
    if draw < 0.3:
        return f"A{a_number}"
    if draw < 0.4:
        return display_a_number(a_number)
    if draw < 0.45:
        return a_number.lstrip("0") or a_number
    return a_number


def _custody_cell(status: CustodyStatus, rng: random.Random) -> str:
    usual = {CustodyStatus.IN_CUSTODY: "In custody", CustodyStatus.RELEASED: "Released",
             CustodyStatus.REMOVED: "Removed"}
    other = {CustodyStatus.IN_CUSTODY: "Detained", CustodyStatus.RELEASED: "Paroled",
             CustodyStatus.REMOVED: "Deported"}
    return other[status] if rng.random() < 0.05 else usual[status]


def _phone_cell(phone: str | None, rng: random.Random) -> str | None:
    if phone is None or not phone.startswith("+1 "):
        return phone
    number = phonenumbers.parse(phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if rng.random() < 0.6 else phone


def display_a_number(a_number: str) -> str:
    """The A-number as people write it, `A-123-456-789`."""
    return f"A-{a_number[:3]}-{a_number[3:6]}-{a_number[6:]}"
