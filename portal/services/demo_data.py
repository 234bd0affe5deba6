"""Synthetic demo data: the two 2022 incidents, an affected list of made-up people in the
agency's spreadsheet layout, notice codes for a handful of them, and sign-ins for staff and
an attorney, so a new user can walk through every flow with nothing real in the database.

The list is written as `<instance>/demo-affected-list.xlsx` and loaded through the importer,
the way an operator loads the agency's file, so the demo also proves the import. Everyone in
it is invented (Faker names, numbers drawn at random), and the same seed gives the same list.

The 8 people, staff and attorney who can sign in are written to `<instance>/demo-people.txt`
(readable only by its owner) and returned in the summary, because notice codes, passwords
and TOTP secrets are stored only as hashes or ciphertext and cannot be shown again.

Running it again changes nothing. If the demo staff accounts exist, the demo is already
loaded: nothing is written and the summary says so (the list file from the first run is
still where it was; its notice codes cannot be reprinted). If the database holds people but
not the demo accounts, it holds someone else's list, and mixing invented people into it
would be worse than refusing: `DemoRefused` is raised. To start again, use a new database.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import phonenumbers
from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Attorney,
    CustodyStatus,
    DataCategory,
    Exposure,
    Incident,
    IncidentKind,
    StaffRole,
    StaffUser,
)
from portal.security.context import blind_index
from portal.services.affected_list import AGENCY_HEADERS, Cell, Column
from portal.services.attorneys import create_attorney, verify_attorney
from portal.services.audit import record_event
from portal.services.importer import import_affected_file
from portal.services.incidents import add_incident
from portal.services.notice_codes import issue_notice_code
from portal.services.staff import create_staff_user

LIST_FILE = "demo-affected-list.xlsx"
PEOPLE_FILE = "demo-people.txt"
POSTING = "2022-11-posting"
DISCLOSURE = "2022-12-disclosure"
# The official told Cuba about people among 103 due for a removal flight.
DISCLOSED_CUBANS = 103
# The agency's figures for the 6,252 people: about 2,200 still in custody, over 100 removed.
IN_CUSTODY_SHARE = 2200 / 6252
REMOVED_SHARE = 106 / 6252
DEMO_DOMAIN = "demo.example"
ATTORNEY_EMAIL = f"attorney@{DEMO_DOMAIN}"
ATTORNEY_POOL_SIZE = 60
# Published in the demo list; the demo database holds nothing real to protect.
DEMO_PASSWORD_PREFIX = "demo-password-"  # noqa: S105 - a demo password, printed on purpose


class DemoRefused(ValueError):
    """The database already holds an affected list that is not the demo's."""


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


# --- The result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    person_id: uuid.UUID
    a_number: str
    date_of_birth: date
    name: str
    exercises: str
    notice_code: str


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    totp_secret: str | None = None


@dataclass
class DemoSummary:
    people_file: Path
    spreadsheet: Path
    already_loaded: bool = False
    people: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    disclosed: int = 0
    demo_people: list[DemoPerson] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


# --- Building it ---------------------------------------------------------------------------


def build_demo(db: Session, instance_path: Path, *, people: int = 6252, seed: int = 2022) -> DemoSummary:
    """Load the demo into an empty database (see the module docstring for a second run).

    Writes the spreadsheet and the list of sign-ins into `instance_path`; flushes, does not
    commit. Raises DemoRefused when the database holds a list that is not the demo's, and
    ValueError when `people` is too small to hold the people the demo needs."""
    summary = DemoSummary(people_file=instance_path / PEOPLE_FILE, spreadsheet=instance_path / LIST_FILE)
    if _demo_is_loaded(db):
        summary.already_loaded = True
        return summary
    if db.scalar(select(AffectedPerson.id).limit(1)) is not None:
        raise DemoRefused("This database already holds an affected list; load the demo into a new database.")
    synthetic = generate_people(people, seed)
    _record_incidents(db)
    instance_path.mkdir(parents=True, exist_ok=True)
    write_spreadsheet(summary.spreadsheet, synthetic, seeded_random(seed))
    _import(db, summary.spreadsheet)
    summary.demo_people = _issue_codes(db, _demo_people_in_order(synthetic))
    summary.logins = _create_accounts(db, _demo_attorney(synthetic), seeded_random(seed))
    _count(db, summary)
    summary.lines = _summary_lines(db, summary)
    _write_private(summary.people_file, "\n".join(summary.lines) + "\n")
    return summary


def seeded_random(seed: int) -> random.Random:
    """A reproducible generator for invented data. Nothing secret is drawn from it: notice
    codes and TOTP secrets come from `secrets`."""
    return random.Random(seed)  # noqa: S311 - reproducibility is the point


def _demo_is_loaded(db: Session) -> bool:
    emails = [_staff_email(role) for role in StaffRole]
    return db.scalar(select(StaffUser.id).where(StaffUser.email.in_(emails)).limit(1)) is not None


def _staff_email(role: StaffRole) -> str:
    return f"{role.value}@{DEMO_DOMAIN}"


def _record_incidents(db: Session) -> None:
    add_incident(
        db, code=POSTING, kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28), exposure_hours=5,
        in_custody_on=date(2022, 11, 19),
        data_categories=[
            DataCategory.NAME, DataCategory.DATE_OF_BIRTH, DataCategory.NATIONALITY, DataCategory.A_NUMBER,
            DataCategory.FACILITY, DataCategory.FEAR_INTERVIEW, DataCategory.PROTECTION_CLAIM,
        ],
    )
    add_incident(
        db, code=DISCLOSURE, kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE, occurred_on=date(2022, 12, 7),
        disclosed_to_country="CU", data_categories=[DataCategory.NAME, DataCategory.PROTECTION_CLAIM],
    )


def _import(db: Session, path: Path) -> None:
    report = import_affected_file(db, path)
    if report.has_problems:
        # The reasons name columns, never cell contents, so they are safe to raise.
        first = report.problems[0]
        raise RuntimeError(
            f"The demo list failed its own import ({len(report.problems)} problems; "
            f"first: row {first.row_number}, {first.column}: {first.reason})."
        )


def _demo_people_in_order(synthetic: Sequence[SyntheticPerson]) -> list[SyntheticPerson]:
    order = {profile.exercises: position for position, profile in enumerate(DEMO_PROFILES)}
    return sorted((p for p in synthetic if p.profile.exercises), key=lambda p: order[p.profile.exercises])


def _person_ids(db: Session, a_numbers: Sequence[str]) -> dict[bytes, uuid.UUID]:
    indexes = [blind_index().a_number(a_number) for a_number in a_numbers]
    rows = db.execute(select(AffectedPerson.a_number_index, AffectedPerson.id)
                      .where(AffectedPerson.a_number_index.in_(indexes)))
    return {index: person_id for index, person_id in rows}


def _issue_codes(db: Session, chosen: Sequence[SyntheticPerson]) -> list[DemoPerson]:
    ids = _person_ids(db, [person.a_number for person in chosen])
    demo_people = []
    for person in chosen:
        person_id = ids[blind_index().a_number(person.a_number)]
        demo_people.append(DemoPerson(
            person_id=person_id, a_number=person.a_number, date_of_birth=person.date_of_birth,
            name=f"{person.first_name} {person.last_name}", exercises=person.profile.exercises,
            notice_code=issue_notice_code(db, person_id),
        ))
    return demo_people


def _demo_attorney(synthetic: Sequence[SyntheticPerson]) -> AttorneyOfRecord:
    return next(p.profile.attorney for p in synthetic if p.profile.exercises and p.profile.attorney)


def _create_accounts(db: Session, attorney_of_record: AttorneyOfRecord, rng: random.Random) -> list[DemoLogin]:
    logins = []
    admin = None
    for role in StaffRole:
        password = DEMO_PASSWORD_PREFIX + role.value
        user, secret = create_staff_user(
            db, email=_staff_email(role), full_name=f"Demo {role.value.title()}", role=role, password=password
        )
        record_event(db, actor_type="system", actor_id=None, action="staff.created", subject_type="staff_user",
                     subject_id=str(user.id), details={"role": role.value})
        logins.append(DemoLogin(email=user.email, password=password, role=role.value, totp_secret=secret))
        admin = user if role is StaffRole.ADMIN else admin
    assert admin is not None  # noqa: S101 - StaffRole has an admin
    logins.append(_create_attorney(db, attorney_of_record, admin, rng))
    return logins


def _create_attorney(db: Session, of_record: AttorneyOfRecord, admin: StaffUser, rng: random.Random) -> DemoLogin:
    password = DEMO_PASSWORD_PREFIX + "attorney"
    attorney = create_attorney(
        db, email=ATTORNEY_EMAIL, full_name=of_record.name, password=password, eoir_id=of_record.eoir_id,
        bar_jurisdiction="California", bar_number=str(rng.randint(100000, 349999)),
    )
    verify_attorney(db, attorney, admin)
    record_event(db, actor_type="system", actor_id=None, action="attorney.verified", subject_type="attorney",
                 subject_id=str(attorney.id), details={"verified_by": str(admin.id)})
    return DemoLogin(email=attorney.email, password=password, role="attorney")


def _count(db: Session, summary: DemoSummary) -> None:
    rows = db.execute(select(AffectedPerson.custody_status, func.count()).group_by(AffectedPerson.custody_status))
    summary.by_status = {CustodyStatus(status).value: count for status, count in rows}
    summary.people = sum(summary.by_status.values())
    summary.disclosed = db.scalar(
        select(func.count()).select_from(Exposure).join(Incident).where(Incident.code == DISCLOSURE)
    ) or 0


# --- The list of sign-ins ------------------------------------------------------------------


def _summary_lines(db: Session, summary: DemoSummary) -> list[str]:
    lines = [
        "Exposure portal demo: every person below is invented. This file holds sign-in secrets;",
        "keep it private. Notice codes are stored only as hashes and cannot be shown again.",
        "",
        f"Affected list: {summary.spreadsheet} ({summary.people} people: "
        + ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in sorted(summary.by_status.items()))
        + f"; {summary.disclosed} also disclosed to Cuba)",
        "",
        "People (A-number, date of birth, notice code, what they exercise, name)",
    ]
    # The name comes last: a right-to-left name mid-line would reorder the columns after it.
    lines += [
        f"  {_display_a_number(p.a_number)}  {p.date_of_birth.isoformat()}  {p.notice_code}  "
        f"{p.exercises + ':':<56} {p.name}"
        for p in summary.demo_people
    ]
    lines += ["", "Staff (email, password, TOTP secret for an authenticator app)"]
    lines += [f"  {login.email:<26} {login.password:<26} TOTP {login.totp_secret}" for login in summary.logins
              if login.totp_secret]
    lines += ["", "Attorney (email, password)"]
    lines += [f"  {login.email}  {login.password}  {_attorney_note(db, login.email)}" for login in summary.logins
              if login.role == "attorney"]
    return lines


def _display_a_number(a_number: str) -> str:
    return f"A-{a_number[:3]}-{a_number[3:6]}-{a_number[6:]}"


def _attorney_note(db: Session, email: str) -> str:
    attorney = db.scalar(select(Attorney).where(Attorney.email == email))
    assert attorney is not None  # noqa: S101 - created in this run
    clients = db.scalar(select(func.count()).select_from(AffectedPerson)
                        .where(AffectedPerson.attorney_of_record_index == attorney.eoir_id_index))
    return f"verified; EOIR ID {attorney.eoir_id}, attorney of record for {clients} people in the list"


def _write_private(path: Path, text: str) -> None:
    # Created owner-only from the start, so the secrets are never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


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
        return _display_a_number(a_number)
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
