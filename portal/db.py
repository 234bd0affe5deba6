"""The database: one engine per application, one session per app context.

Views, CLI commands and workers call `session()`; whoever started the unit of work commits
it (never a model). Tests swap in a session bound to a connection they roll back."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "portal.database"
# Execution option for connections that only read (on SQLite: no write lock is taken).
READ_ONLY_OPTION = "portal_read_only"


class Database:
    def __init__(self, url: str):
        self.engine = create_engine(url, **_engine_options(url))
        if self.engine.dialect.name == "sqlite":
            _let_sqlalchemy_manage_sqlite_transactions(self.engine)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


def _let_sqlalchemy_manage_sqlite_transactions(engine: Engine) -> None:
    # Python's sqlite3 module (before 3.12) opens transactions on its own and breaks
    # SAVEPOINT; SQLAlchemy's documented remedy is to emit BEGIN itself. IMMEDIATE takes the
    # write lock at the start, so concurrent writers (web, workers, webhooks) wait for each
    # other (busy_timeout) instead of failing when a read turns into a write. SQLite is the
    # local default; production runs PostgreSQL. Connections that only read can say so with
    # the READ_ONLY_OPTION execution option.
    @event.listens_for(engine, "connect")
    def _disable_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        deferred = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions[_EXTENSION]


def session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
