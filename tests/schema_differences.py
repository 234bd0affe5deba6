"""What Alembic finds different between the migrated test database and the models, for
some tables only (tests/test_migrations.py checks the whole schema)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import ForeignKeyConstraint, Index, Table, UniqueConstraint

from portal.models import Base


def schema_differences(db, tables: set[str]) -> list[tuple]:
    context = MigrationContext.configure(db.connection(), opts={"compare_type": True})
    return [difference for difference in _flatten(compare_metadata(context, Base.metadata))
            if _table_of(difference) in tables]


def _flatten(differences: list) -> list[tuple]:
    """Alembic lists changes to one column as a list of tuples; everything else as a tuple."""
    return [item for difference in differences
            for item in (difference if isinstance(difference, list) else [difference])]


def _table_of(difference: tuple) -> str | None:
    for part in difference[1:]:
        if isinstance(part, Table):
            return part.name
        if isinstance(part, Index | UniqueConstraint | ForeignKeyConstraint):
            return part.table.name
    return difference[2] if len(difference) > 2 and isinstance(difference[2], str) else None
