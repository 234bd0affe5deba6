"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from portal.models import Base
from portal.schema import current_revision, head_revision


def test_the_migrated_database_matches_the_models(db):
    context = MigrationContext.configure(db.connection(), opts={"compare_type": True})

    assert compare_metadata(context, Base.metadata) == []


def test_the_test_database_is_at_the_newest_migration(app, db):
    with app.app_context():
        assert current_revision() == head_revision()
