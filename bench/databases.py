"""Databases the benchmarks make for a run and drop after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

from portal.config import normalise_database_url


@contextmanager
def postgresql_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server (whose user may create databases), dropped
    afterwards; yields its URL. A database left by an interrupted run is dropped first."""
    server = normalise_database_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
