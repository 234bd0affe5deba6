"""A copy of the database alone must reveal nobody: every personal value is ciphertext or a
keyed hash. These tests import a list, commit, and search the raw storage for each value."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import make_url

from portal.db import database, session
from portal.models import DataCategory, IncidentKind
from portal.security.context import blind_index
from portal.services.importer import import_affected_file
from portal.services.incidents import add_incident
from tests.affected_files import GOOD_ROWS, write_csv
from tests.personal_data import TEST_PEOPLE, personal_values


def import_test_people(app, tmp_path: Path) -> None:
    with app.app_context():
        db = session()
        add_incident(
            db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
            data_categories=list(DataCategory),
        )
        add_incident(
            db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
            occurred_on=date(2022, 12, 7), data_categories=[DataCategory.NAME],
        )
        report = import_affected_file(db, write_csv(tmp_path / "list.csv", GOOD_ROWS))
        assert report.created == len(TEST_PEOPLE)
        db.commit()
        database().engine.dispose()


def raw_storage(app, backend: str, tmp_path: Path) -> bytes:
    url = make_url(app.config["DATABASE_URL"])
    if backend == "sqlite":
        files = sorted(Path(url.database).parent.glob(Path(url.database).name + "*"))
        return b"".join(path.read_bytes() for path in files)
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "-h", url.host, "-p", str(url.port or 5432), "-U", url.username, url.database],
        check=True, capture_output=True,
    )
    return dump.stdout


def search_forms(needle: str, backend: str) -> list[bytes]:
    encoded = needle.encode()
    # pg_dump writes bytea columns as hex, so a plaintext leak there would be hex.
    return [encoded, encoded.hex().encode()] if backend == "postgresql" else [encoded]


def test_the_stored_list_holds_no_name_a_number_birth_date_or_phone(committed_app, backend, tmp_path):
    if backend == "postgresql" and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to inspect the PostgreSQL database (apt-get install postgresql-client)")
    import_test_people(committed_app, tmp_path)

    raw = raw_storage(committed_app, backend, tmp_path)

    assert b"2022-11-posting" in raw, "the storage read must include the data, or this test proves nothing"
    with committed_app.app_context():
        stored_index = blind_index().a_number(TEST_PEOPLE[0]["a_number"])
    assert stored_index in raw or stored_index.hex().encode() in raw, "binary columns must be searched too"
    leaked = [needle for needle in personal_values() for form in search_forms(needle, backend) if form in raw]
    assert leaked == []
