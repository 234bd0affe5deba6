"""Synthetic demo data in the database: the two 2022 incidents, an affected list of made-up
people, notice codes for a handful of them, and sign-ins for staff and an attorney, so a new
user can walk through every flow with nothing real in the database.

The people come from `demo_people`. Their list is written as `<instance>/demo-affected-list.xlsx`
and loaded through the importer, the way an operator loads the agency's file, so the demo
also proves the import.

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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

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
from portal.services.attorneys import create_attorney, verify_attorney
from portal.services.audit import record_event
from portal.services.demo_people import (
    DEMO_PROFILES,
    DISCLOSURE,
    POSTING,
    AttorneyOfRecord,
    SyntheticPerson,
    display_a_number,
    generate_people,
    seeded_random,
    write_spreadsheet,
)
from portal.services.importer import import_affected_file
from portal.services.incidents import add_incident
from portal.services.notice_codes import issue_notice_code
from portal.services.staff import create_staff_user

LIST_FILE = "demo-affected-list.xlsx"
PEOPLE_FILE = "demo-people.txt"
DEMO_DOMAIN = "demo.example"
ATTORNEY_EMAIL = f"attorney@{DEMO_DOMAIN}"
# Published in the demo list; the demo database holds nothing real to protect.
DEMO_PASSWORD_PREFIX = "demo-password-"  # noqa: S105 - a demo password, printed on purpose


class DemoRefused(ValueError):
    """The database already holds an affected list that is not the demo's."""


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
        f"  {display_a_number(p.a_number)}  {p.date_of_birth.isoformat()}  {p.notice_code}  "
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
