"""Counting the SQL statements a piece of code sends, to show it does not grow with its input.

    with counted_queries() as statements:
        letter_batches.print_batch(...)
    assert len(statements) <= 12

Savepoints (how each test's transaction is kept apart) are not counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The statements sent to any database while the block runs (an executemany counts once)."""
    statements: list[str] = []

    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_BOOKKEEPING):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)
