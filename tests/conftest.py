"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set. Each test runs inside a transaction that is rolled back, except
those asking for `committed_app`, which get a database of their own."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app, schema
from portal.config import normalise_database_url
from portal.db import database, session
from portal.security.rate_limits import limiter
from portal.web.shared_pages import shared_pages

TEST_DATABASE_URL = normalise_database_url(__import__("os").environ.get("TEST_DATABASE_URL", ""))
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])

OLD_DATA_KEY = base64.b64encode(b"o" * 32).decode()
DATA_KEY = base64.b64encode(b"k" * 32).decode()
TEST_SETTINGS = {
    "PORTAL_ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "LOOKUP_KEY": base64.b64encode(b"l" * 32).decode(),
    "DATA_KEYS": f"2:{DATA_KEY},1:{OLD_DATA_KEY}",
    "SMS_BACKEND": "outbox",
}


class _LogCollector(logging.Handler):
    """Keeps every log line of the whole test run, formatted as it would be written."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + (record.exc_text or ""))


LOG_COLLECTOR = _LogCollector()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(LOG_COLLECTOR)
    logging.getLogger().setLevel(logging.INFO)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about PostgreSQL behaviour are not collected for SQLite (rather than skipped)."""
    def wanted(item: pytest.Item) -> bool:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        return not (item.get_closest_marker("postgresql_only") and backend != "postgresql")

    items[:] = [item for item in items if wanted(item)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test person's personal data reached the application log."""
    from tests.personal_data import personal_values

    log_text = "\n".join(LOG_COLLECTOR.lines)
    leaked = sorted({value for value in personal_values() if value in log_text})
    if leaked:
        session.config.get_terminal_writer().line(f"PERSONAL DATA IN THE LOG: {len(leaked)} values", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database for the backend; dropped afterwards on PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'portal-{uuid.uuid4().hex}.sqlite3'}"
        return
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_app(database_url: str, **settings: object) -> Flask:
    return create_app({**TEST_SETTINGS, "DATABASE_URL": database_url, **settings})


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def migrated_apps(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Flask]]:
    """The app under test, and a twin on the same database for the test's own work.

    The test works in the twin's app context: a request to the app under test then gets an
    app context (and `g`) of its own, as in production, instead of reusing the test's."""
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        app, twin = build_app(url), build_app(url)
        with app.app_context():
            schema.upgrade()
        yield app, twin
        for each in (app, twin):
            with each.app_context():
                database().engine.dispose()


@pytest.fixture
def app(migrated_apps: tuple[Flask, Flask]) -> Iterator[Flask]:
    """The app, with every session bound to one connection whose transaction is rolled back."""
    app, twin = migrated_apps
    with app.app_context():
        connection = database().engine.connect()
        transaction = connection.begin()
        limiter.reset()
        shared_pages(app).forget()  # a copy of the start page from another test's incidents
    bound = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    originals = [(each, _swap_sessions(each, bound)) for each in (app, twin)]
    try:
        yield app
    finally:
        for each, original in originals:
            _swap_sessions(each, original)
        transaction.rollback()
        connection.close()


def _swap_sessions(app: Flask, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with app.app_context():
        previous, database().sessions = database().sessions, sessions
    return previous


@pytest.fixture
def committed_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own, migrated, whose commits are real."""
    with fresh_database(backend, tmp_path) as url:
        app = build_app(url)
        with app.app_context():
            schema.upgrade()
        yield app
        with app.app_context():
            database().engine.dispose()


@pytest.fixture
def db(app: Flask, migrated_apps: tuple[Flask, Flask]) -> Iterator[Session]:
    with migrated_apps[1].app_context():
        yield session()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
