"""Field encryption: a value opens only in the row and column it was written for, under the
key its header names, and key settings are checked without ever echoing a key."""

from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
from sqlalchemy import update

from portal.models import AffectedPerson, Attorney, AttorneyStatus, CustodyStatus, StaffRole, StaffUser
from portal.security.context import blind_index, field_cipher
from portal.security.encryption import (
    DecryptionError,
    FieldCipher,
    KeyConfigurationError,
    Keyring,
    field_context,
)
from tests.conftest import DATA_KEY, OLD_DATA_KEY


def add_person(db, a_number: str, **fields) -> AffectedPerson:
    person = AffectedPerson(
        a_number_index=blind_index().a_number(a_number), custody_status=CustodyStatus.IN_CUSTODY, **fields
    )
    db.add(person)
    db.flush()
    return person


def reload(db, record):
    db.expire(record)
    return record


def with_key_id(blob: bytes, key_id: int) -> bytes:
    return blob[:1] + key_id.to_bytes(2, "big") + blob[3:]


def test_a_value_reads_back_as_written_and_a_date_as_a_date(db):
    person = add_person(db, "201555001", first_name="Lucía", date_of_birth=date(1990, 3, 15))

    assert reload(db, person).first_name == "Lucía"
    assert person.date_of_birth == date(1990, 3, 15)


def test_new_values_are_written_under_the_newest_key_with_a_fresh_nonce(db):
    first = add_person(db, "201555001", first_name="Ana")
    second = add_person(db, "201555002", first_name="Ana")

    assert FieldCipher.key_header(first.first_name_encrypted) == (1, 2)
    assert first.first_name_encrypted[3:15] != second.first_name_encrypted[3:15]
    assert b"Ana" not in first.first_name_encrypted


def test_a_value_copied_into_another_rows_column_in_sql_does_not_decrypt(db):
    source = add_person(db, "201555001", first_name="Lucía")
    target = add_person(db, "201555002", first_name="Omar")
    db.execute(
        update(AffectedPerson.__table__).where(AffectedPerson.id == target.id)
        .values(first_name_encrypted=source.first_name_encrypted)
    )

    with pytest.raises(DecryptionError) as error:
        _ = reload(db, target).first_name
    assert "Lucía" not in str(error.value)


def test_a_value_copied_by_attribute_into_another_row_does_not_decrypt(db):
    source = add_person(db, "201555001", last_name="Pérez")
    target = add_person(db, "201555002")

    target.last_name_encrypted = source.last_name_encrypted

    with pytest.raises(DecryptionError):
        _ = target.last_name


def test_a_value_copied_into_another_column_of_the_same_row_does_not_decrypt(db):
    person = add_person(db, "201555001", first_name="Lucía", last_name="Pérez")

    person.last_name_encrypted = person.first_name_encrypted

    with pytest.raises(DecryptionError):
        _ = person.last_name


def test_a_value_copied_into_the_same_column_of_another_table_does_not_decrypt(db):
    staff = StaffUser(email="a@example.org", full_name="A", role=StaffRole.ADMIN, password_hash="x", totp_secret="S1")
    attorney = Attorney(
        id=staff.id, email="b@example.org", full_name="B", password_hash="x", status=AttorneyStatus.PENDING,
    )

    attorney.totp_secret_encrypted = staff.totp_secret_encrypted

    with pytest.raises(DecryptionError):
        _ = attorney.totp_secret


@pytest.mark.parametrize("key_id", [1, 9])
def test_changing_the_key_id_in_the_header_makes_a_value_unreadable(db, key_id):
    person = add_person(db, "201555001", first_name="Lucía")

    person.first_name_encrypted = with_key_id(person.first_name_encrypted, key_id)

    with pytest.raises(DecryptionError):
        _ = person.first_name


def test_an_altered_or_truncated_value_does_not_decrypt(db):
    person = add_person(db, "201555001", first_name="Lucía", last_name="Pérez")
    blob = person.first_name_encrypted

    person.first_name_encrypted = blob[:-1] + bytes([blob[-1] ^ 1])
    person.last_name_encrypted = blob[:10]

    with pytest.raises(DecryptionError):
        _ = person.first_name
    with pytest.raises(DecryptionError):
        _ = person.last_name


def test_a_value_under_an_older_listed_key_still_reads(db):
    old_cipher = FieldCipher(Keyring.parse(f"1:{OLD_DATA_KEY}"))
    person = add_person(db, "201555001")

    person.first_name_encrypted = old_cipher.encrypt("Lucía", field_context("affected_person", "first_name", person.id))

    assert person.first_name == "Lucía"
    assert not field_cipher().is_current(person.first_name_encrypted)


def test_a_cipher_without_the_key_a_value_names_cannot_read_it():
    context = field_context("affected_person", "first_name", uuid.uuid4())
    blob = FieldCipher(Keyring.parse(f"1:{OLD_DATA_KEY}")).encrypt("Lucía", context)

    with pytest.raises(DecryptionError):
        FieldCipher(Keyring.parse(f"2:{DATA_KEY}")).decrypt(blob, context)


def test_the_first_key_listed_is_the_one_new_values_use():
    keyring = Keyring.parse(f" 2:{DATA_KEY} , 1:{OLD_DATA_KEY} ")

    assert keyring.current_id == 2
    assert set(keyring.keys) == {1, 2}


SHORT_KEY = base64.b64encode(b"s" * 16).decode()
BAD_SETTINGS = [
    ("", "holds no key"),
    (" , ", "holds no key"),
    (DATA_KEY, "must start with a key id"),
    (f"0:{DATA_KEY}", "must start with a key id"),
    (f"65536:{DATA_KEY}", "must start with a key id"),
    (f"x1:{DATA_KEY}", "must start with a key id"),
    ("1:not*base64*at*all", "key 1 is not valid base64"),
    (f"1:{SHORT_KEY}", "key 1 must be 32 bytes"),
    (f"1:{DATA_KEY},1:{OLD_DATA_KEY}", "lists key 1 twice"),
]


@pytest.mark.parametrize(("setting", "problem"), BAD_SETTINGS)
def test_a_bad_key_setting_is_refused_without_repeating_the_key(setting, problem):
    with pytest.raises(KeyConfigurationError) as error:
        Keyring.parse(setting)

    message = str(error.value)
    assert problem in message
    for secret in (DATA_KEY, OLD_DATA_KEY, SHORT_KEY, "not*base64*at*all"):
        assert secret not in message
    assert error.value.__cause__ is None
