"""Alembic environment. The portal passes its own connection (see portal/schema.py), so the
same migrations run from `flask db upgrade`, from tests and from the CLI commands that
create the schema when the database is new."""

from alembic import context

from portal.models import Base
from portal.models.base import UTCDateTime

target_metadata = Base.metadata


def _render_portal_types(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import application code that may change later.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_portal_types,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `flask db upgrade`.")
run_migrations()
