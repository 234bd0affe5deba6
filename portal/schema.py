"""Applying the Alembic migrations to the configured database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal.config import REPOSITORY_ROOT
from portal.db import READ_ONLY_OPTION, database


class SchemaOutdated(RuntimeError):
    """The database has an older schema; an operator must run `flask db upgrade`."""


def _alembic_config(connection: object | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPOSITORY_ROOT / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head") -> None:
    with database().engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def downgrade(revision: str) -> None:
    with database().engine.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def autogenerate_revision(message: str) -> None:
    with database().engine.begin() as connection:
        command.revision(_alembic_config(connection), message=message, autogenerate=True)


def current_revision() -> str | None:
    with database().engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def ensure_schema() -> bool:
    """Create the schema on a new, empty database. Returns True if it did.

    A database on an older revision is not upgraded behind the operator's back: the command
    stops and asks for `flask db upgrade`."""
    current = current_revision()
    if current is None:
        upgrade()
        return True
    if current != head_revision():
        raise SchemaOutdated(f"The database schema is at {current}; run `flask --app app db upgrade`.")
    return False
