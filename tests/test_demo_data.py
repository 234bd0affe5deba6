"""The demo is built once per backend, at full size, in a database of its own; tests that
change anything roll back."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import schema
from portal.db import database, session
from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    AuditEvent,
    ContactPreference,
    CustodyStatus,
    Exposure,
    Incident,
    NoticeCode,
    PersonRemedy,
    StaffRole,
    StaffUser,
)
from portal.security.codes import normalise_notice_code
from portal.security.context import blind_index
from portal.security.hashing import verify_secret
from portal.services.demo_data import LIST_FILE, DemoRefused, DemoSummary, build_demo
from portal.services.demo_people import DISCLOSURE, POSTING, generate_people
from portal.services.importer import import_affected_file
from tests.conftest import build_app, fresh_database

PEOPLE = 6252
TABLES = (AffectedPerson, Exposure, ContactPreference, PersonRemedy, Incident, NoticeCode, StaffUser, Attorney,
          AuditEvent)


@dataclass
class Demo:
    db: Session
    summary: DemoSummary
    instance: Path


@pytest.fixture(scope="module")
def built_demo(backend, tmp_path_factory) -> Iterator[tuple[Flask, DemoSummary, Path]]:
    instance = tmp_path_factory.mktemp("instance")
    with fresh_database(backend, tmp_path_factory.mktemp("demo-db")) as url:
        app = build_app(url)
        with app.app_context():
            schema.upgrade()
            db = session()
            summary = build_demo(db, instance, people=PEOPLE)
            db.commit()
        yield app, summary, instance
        with app.app_context():
            database().engine.dispose()


@pytest.fixture
def demo(built_demo) -> Iterator[Demo]:
    app, summary, instance = built_demo
    with app.app_context():
        yield Demo(db=session(), summary=summary, instance=instance)


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def person(db, a_number):
    return db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == blind_index().a_number(a_number)))


def test_the_demo_lists_6252_people_in_the_agencys_custody_proportions(demo):
    by_status = dict(demo.db.execute(
        select(AffectedPerson.custody_status, func.count()).group_by(AffectedPerson.custody_status)
    ).all())

    assert count(demo.db, AffectedPerson) == PEOPLE == demo.summary.people
    assert 2100 <= by_status[CustodyStatus.IN_CUSTODY] <= 2300
    assert 90 <= by_status[CustodyStatus.REMOVED] <= 130
    assert by_status[CustodyStatus.RELEASED] == PEOPLE - by_status[CustodyStatus.IN_CUSTODY] - by_status[
        CustodyStatus.REMOVED]
    assert demo.summary.by_status == {status.value: number for status, number in by_status.items()}


def test_everyone_is_in_the_posting_and_exactly_103_cubans_also_in_the_disclosure(demo):
    def people_in(code):
        return demo.db.scalars(
            select(AffectedPerson).join(Exposure).join(Incident).where(Incident.code == code)
        ).all()

    disclosed = people_in(DISCLOSURE)

    assert len(people_in(POSTING)) == PEOPLE
    assert len(disclosed) == 103 == demo.summary.disclosed
    assert {p.nationality for p in disclosed} == {"CU"}
    cubans_only_posted = demo.db.scalars(select(AffectedPerson)).all()
    assert sum(p.nationality == "CU" for p in cubans_only_posted) > 103


def test_the_disclosure_exposed_only_names_and_protection_claims(demo):
    categories = demo.db.scalars(
        select(Exposure.categories).join(Incident).where(Incident.code == DISCLOSURE)
    ).all()

    assert {tuple(sorted(c)) for c in categories} == {("name", "protection_claim")}


def test_every_demo_persons_notice_code_verifies_against_a_stored_hash(demo):
    assert len(demo.summary.demo_people) == 8
    for demo_person in demo.summary.demo_people:
        hashes = demo.db.scalars(select(NoticeCode.code_hash).where(NoticeCode.person_id == demo_person.person_id))
        assert any(verify_secret(stored, normalise_notice_code(demo_person.notice_code)) for stored in hashes)
    assert count(demo.db, NoticeCode) == 8


def test_the_demo_people_cover_every_flow(demo):
    people = [person(demo.db, p.a_number) for p in demo.summary.demo_people]
    disclosure = demo.db.scalar(select(Incident.id).where(Incident.code == DISCLOSURE))

    def has(check):
        return any(check(p) for p in people)

    assert has(lambda p: p.custody_status is CustodyStatus.IN_CUSTODY and p.phone)
    assert has(lambda p: p.custody_status is CustodyStatus.IN_CUSTODY and not p.phone and not p.postal_address)
    assert has(lambda p: p.custody_status is CustodyStatus.RELEASED and p.postal_address and not p.phone)
    assert has(lambda p: p.custody_status is CustodyStatus.REMOVED and not p.phone.startswith("+1"))
    assert has(lambda p: p.nationality == "CU" and disclosure in {e.incident_id for e in p.exposures})
    assert has(lambda p: p.attorney_of_record_identifier)
    assert has(lambda p: p.preferred_language == "ht")
    assert has(lambda p: p.preferred_language in ("ar", "fa", "prs"))


def test_demo_people_match_what_the_list_file_says_about_them(demo):
    for demo_person in demo.summary.demo_people:
        stored = person(demo.db, demo_person.a_number)
        assert stored.date_of_birth == demo_person.date_of_birth
        assert demo_person.name == f"{stored.first_name} {stored.last_name}"


def test_staff_of_every_role_exist_with_an_encrypted_totp_secret(demo):
    logins = {login.role: login for login in demo.summary.logins}
    for role in StaffRole:
        user = demo.db.scalars(select(StaffUser).where(StaffUser.email == f"{role.value}@demo.example")).one()
        assert user.role is role
        assert user.totp_secret_encrypted is not None
        assert logins[role.value].totp_secret.encode() not in user.totp_secret_encrypted
        assert user.totp_secret == logins[role.value].totp_secret
    admin = demo.db.scalars(select(StaffUser).where(StaffUser.role == StaffRole.ADMIN)).one()
    assert verify_secret(admin.password_hash, "demo-password-admin")


def test_the_demo_attorney_is_verified_and_of_record_for_a_demo_person(demo):
    attorney = demo.db.scalars(select(Attorney)).one()
    clients = demo.db.scalars(
        select(AffectedPerson).where(AffectedPerson.attorney_of_record_index == attorney.eoir_id_index)
    ).all()

    assert attorney.status is AttorneyStatus.VERIFIED
    assert attorney.verified_by_id is not None
    assert verify_secret(attorney.password_hash, "demo-password-attorney")
    assert {p.id for p in clients} & {p.person_id for p in demo.summary.demo_people}
    assert {p.attorney_of_record_name for p in clients} == {attorney.full_name}


def test_the_people_file_is_private_and_lists_every_code_and_secret(demo):
    path = demo.instance / "demo-people.txt"
    text = path.read_text()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((demo.instance / LIST_FILE).stat().st_mode) == 0o600
    assert all(p.notice_code in text for p in demo.summary.demo_people)
    assert all(login.totp_secret in text for login in demo.summary.logins if login.totp_secret)
    assert text.splitlines() == demo.summary.lines


def test_running_the_demo_twice_adds_nothing(demo):
    before = {model.__name__: count(demo.db, model) for model in TABLES}
    written = (demo.instance / "demo-people.txt").stat().st_mtime_ns

    again = build_demo(demo.db, demo.instance, people=PEOPLE)
    demo.db.commit()

    assert again.already_loaded
    assert {model.__name__: count(demo.db, model) for model in TABLES} == before
    assert (demo.instance / "demo-people.txt").stat().st_mtime_ns == written


def test_reimporting_the_spreadsheet_finds_every_row_unchanged(demo):
    report = import_affected_file(demo.db, demo.instance / LIST_FILE)
    demo.db.rollback()

    assert not report.problems
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (PEOPLE, 0, 0, PEOPLE)


def test_the_same_seed_gives_the_same_people_and_another_seed_others():
    assert generate_people(300, seed=7) == generate_people(300, seed=7)
    assert generate_people(300, seed=7) != generate_people(300, seed=8)


def test_the_demo_needs_room_for_the_103_disclosed_cubans():
    with pytest.raises(ValueError, match="at least"):
        generate_people(50, seed=1)


def test_the_demo_refuses_to_mix_into_a_database_holding_another_list(db, tmp_path):
    db.add(AffectedPerson(a_number_index=blind_index().a_number("201555001"), custody_status=CustodyStatus.RELEASED))
    db.flush()

    with pytest.raises(DemoRefused, match="already holds"):
        build_demo(db, tmp_path, people=200)
    assert not (tmp_path / LIST_FILE).exists()


@pytest.fixture
def apps(migrated_apps, monkeypatch, tmp_path):
    """Both apps on the test database, with their instance folder in tmp_path. Under `db` a
    command runs in the app context of the test's twin app, so both are patched."""
    for each in migrated_apps:
        monkeypatch.setattr(each, "instance_path", str(tmp_path))
    return migrated_apps


def test_the_demo_data_command_loads_once_then_says_it_is_loaded(apps, runner, db, tmp_path):
    first = runner.invoke(args=["demo-data", "--people", "200"])
    second = runner.invoke(args=["demo-data", "--people", "200"])

    assert first.exit_code == 0, first.output
    assert "admin@demo.example" in first.output
    assert f"written to {tmp_path / 'demo-people.txt'}" in first.output
    assert count(db, AffectedPerson) == 200
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert count(db, AffectedPerson) == 200


def test_the_demo_data_command_refuses_to_run_in_production(apps, runner, db, monkeypatch, tmp_path):
    for each in apps:
        monkeypatch.setitem(each.config, "PORTAL_ENV", "production")

    result = runner.invoke(args=["demo-data", "--people", "200"])

    assert result.exit_code == 1
    assert "never loaded in production" in result.output
    assert count(db, AffectedPerson) == 0
    assert not (tmp_path / LIST_FILE).exists()
