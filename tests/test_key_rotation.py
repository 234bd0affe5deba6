"""Key rotation on a database with real commits: values written under an old key are moved to
the newest one, a rotation stopped part-way keeps its progress, and once it is done the old
key can leave DATA_KEYS with every value still readable."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.cli_security import register
from portal.db import database, session
from portal.models import (
    AffectedPerson,
    ContactChannel,
    ContactPreference,
    CustodyStatus,
    StaffRole,
    StaffUser,
)
from portal.models.base import encrypt_value
from portal.security.context import blind_index
from portal.security.encryption import FieldCipher
from portal.services import key_rotation
from portal.services.audit import verify_chain
from portal.services.key_rotation import count_values_under_old_keys, encrypted_models, rotate_keys
from tests.conftest import DATA_KEY, OLD_DATA_KEY, build_app

OLD_KEY_ONLY = f"1:{OLD_DATA_KEY}"
NEW_KEY_ONLY = f"2:{DATA_KEY}"
UNKNOWN_KEY = f"3:{base64.b64encode(b'u' * 32).decode()}"
PERSON_FIELDS = 7
VALUES_PER_PERSON = PERSON_FIELDS + 2  # and the two in the contact preference


class Interrupted(Exception):
    pass


@contextmanager
def app_with_keys(database_url: str, data_keys: str) -> Iterator[Session]:
    """A session of a second app on the same database, configured with other DATA_KEYS."""
    app = build_app(database_url, DATA_KEYS=data_keys)
    try:
        with app.app_context():
            yield session()
    finally:
        with app.app_context():
            database().engine.dispose()


def add_people(db: Session, count: int = 5) -> None:
    for number in range(count):
        person = AffectedPerson(
            a_number_index=blind_index().a_number(f"20155500{number}"), custody_status=CustodyStatus.RELEASED,
            a_number=f"20155500{number}", last_name=f"Pérez {number}", first_name="Ana", nationality="Honduras",
            date_of_birth=date(1990, 1, number + 1), facility="Krome", phone=f"+1619555014{number}",
        )
        db.add(person)
        db.flush()  # no relationship tells the session that the person must go in first
        db.add(ContactPreference(
            person_id=person.id, channel=ContactChannel.SMS, language="es",
            phone=f"+1619555014{number}", postal_address=f"{number} Calle 23",
        ))
    db.add(StaffUser(
        email="admin@example.org", full_name="Admin", role=StaffRole.ADMIN, password_hash="x",
        totp_secret="JBSWY3DPEHPK3PXP",
    ))
    db.commit()


def every_value(db: Session) -> dict[tuple[str, str, str], object]:
    """Every encrypted field of every row, decrypted through the models."""
    values = {}
    for model in encrypted_models():
        for record in db.scalars(select(model)):
            for name in model.encrypted_fields:
                values[(model.__tablename__, str(record.id), name)] = getattr(record, name)
    db.expunge_all()
    return values


def key_ids(db: Session) -> Counter[int]:
    """How many stored values are under each key id, read from the raw ciphertext."""
    found: Counter[int] = Counter()
    for model in encrypted_models():
        columns = [getattr(model, f"{name}_encrypted") for name in model.encrypted_fields]
        for row in db.execute(select(*columns)):
            found.update(FieldCipher.key_header(blob)[1] for blob in row if blob is not None)
    return found


def cli_runner(app: Flask):
    if "rotate-keys" not in app.cli.commands:
        register(app)
    return app.test_cli_runner()


@pytest.fixture
def old_records(committed_app: Flask) -> dict[tuple[str, str, str], object]:
    """People, contact preferences and a staff user written when key 1 was the only key."""
    with app_with_keys(committed_app.config["DATABASE_URL"], OLD_KEY_ONLY) as db:
        add_people(db)
        return every_value(db)


def stop_after_first_batch(table: str, done: int, total: int) -> None:
    if done:
        raise Interrupted


def test_an_interrupted_rotation_keeps_its_progress_and_a_rerun_finishes_it(committed_app, old_records):
    total_values = 5 * VALUES_PER_PERSON + 1
    with committed_app.app_context():
        db = session()
        assert key_ids(db) == {1: total_values}

        with pytest.raises(Interrupted):
            rotate_keys(db, batch_size=2, on_progress=stop_after_first_batch)
        db.rollback()

        # The first batch (two people) was committed before the stop; all of it still reads.
        assert key_ids(db) == {2: 2 * PERSON_FIELDS, 1: total_values - 2 * PERSON_FIELDS}
        assert sum(count_values_under_old_keys(db).values()) == total_values - 2 * PERSON_FIELDS
        assert every_value(db) == old_records

        report = rotate_keys(db, batch_size=2)

        assert report.values_rewritten == total_values - 2 * PERSON_FIELDS
        assert set(report.rows_checked) == {model.__tablename__ for model in encrypted_models()}
        assert {table: rows for table, rows in report.rows_checked.items() if rows} == {
            "affected_person": 5, "contact_preference": 5, "staff_user": 1,
        }
        assert key_ids(db) == {2: total_values}
        assert rotate_keys(db, batch_size=2).values_rewritten == 0

    with app_with_keys(committed_app.config["DATABASE_URL"], NEW_KEY_ONLY) as db:
        assert every_value(db) == old_records


def test_rotation_reports_progress_per_table_after_each_commit(committed_app, old_records):
    progress = []
    with committed_app.app_context():
        rotate_keys(session(), batch_size=2, on_progress=lambda *step: progress.append(step))

    assert [step for step in progress if step[0] == "affected_person"] == [
        ("affected_person", 0, 5), ("affected_person", 2, 5), ("affected_person", 4, 5), ("affected_person", 5, 5),
    ]
    assert ("attorney", 0, 0) in progress
    assert [step for step in progress if step[0] == "staff_user"] == [("staff_user", 0, 1), ("staff_user", 1, 1)]


def test_rotation_leaves_updated_at_as_it_was(committed_app, old_records):
    with committed_app.app_context():
        db = session()
        before = dict(db.execute(select(AffectedPerson.id, AffectedPerson.updated_at)).all())
        rotate_keys(db)

        assert dict(db.execute(select(AffectedPerson.id, AffectedPerson.updated_at)).all()) == before


def test_a_value_the_application_changes_during_rotation_is_not_overwritten(committed_app, old_records, monkeypatch):
    reencrypt = key_rotation._reencrypt

    def application_writes_meanwhile(model, descriptor, row_id, blob):
        if descriptor.name == "first_name":
            fresh = encrypt_value("Changed", model.__tablename__, "first_name", row_id)
            db.execute(update(model.__table__).where(model.id == row_id).values(first_name_encrypted=fresh))
        return reencrypt(model, descriptor, row_id, blob)

    monkeypatch.setattr(key_rotation, "_reencrypt", application_writes_meanwhile)
    with committed_app.app_context():
        db = session()
        report = rotate_keys(db)

        # Each person's row changed under the rotation, so the rotation left it to the next run.
        assert report.values_rewritten == 5 * 2 + 1
        assert {person.first_name for person in db.scalars(select(AffectedPerson))} == {"Changed"}
        monkeypatch.undo()
        assert rotate_keys(db).values_rewritten == 5 * (PERSON_FIELDS - 1)
        assert {person.first_name for person in db.scalars(select(AffectedPerson))} == {"Changed"}
        assert count_values_under_old_keys(db) == dict.fromkeys(report.rows_checked, 0)


def test_a_value_no_key_opens_is_counted_and_the_rest_still_rotate(committed_app, old_records):
    with app_with_keys(committed_app.config["DATABASE_URL"], UNKNOWN_KEY) as db:
        staff = db.scalar(select(StaffUser))
        staff.totp_secret = "written under a key since lost"
        db.commit()

    with committed_app.app_context():
        db = session()
        report = rotate_keys(db)

        assert report.values_unreadable == 1
        assert report.values_rewritten == 5 * VALUES_PER_PERSON
        assert count_values_under_old_keys(db)["staff_user"] == 1


def test_check_fails_while_values_are_under_old_keys_and_passes_after_rotation(committed_app, old_records):
    runner = cli_runner(committed_app)

    before = runner.invoke(args=["rotate-keys", "--check"])
    rotation = runner.invoke(args=["rotate-keys", "--batch-size", "2"])
    after = runner.invoke(args=["rotate-keys", "--check"])

    assert before.exit_code == 1
    assert f"{5 * VALUES_PER_PERSON + 1} values are still under older keys" in before.output
    assert rotation.exit_code == 0, rotation.output
    assert "affected_person" in rotation.output
    assert f"Rewrote {5 * VALUES_PER_PERSON + 1} values under key 2" in rotation.output
    assert "every key except 2 can now be removed from DATA_KEYS" in rotation.output
    assert after.exit_code == 0
    assert "0 values left under older keys" in after.output


def test_the_rotation_command_is_on_the_audit_record(committed_app, old_records):
    cli_runner(committed_app).invoke(args=["rotate-keys"])

    with committed_app.app_context():
        assert verify_chain(session()).events_checked == 1


def test_the_rotation_command_fails_while_a_value_cannot_be_moved(committed_app, old_records):
    with app_with_keys(committed_app.config["DATABASE_URL"], UNKNOWN_KEY) as db:
        db.scalar(select(StaffUser)).totp_secret = "written under a key since lost"
        db.commit()

    result = cli_runner(committed_app).invoke(args=["rotate-keys"])

    assert result.exit_code == 1
    assert "1 values could not be read" in result.output
    assert "1 values are still under older keys" in result.output
