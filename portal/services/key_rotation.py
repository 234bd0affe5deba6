"""Moving every encrypted value to the newest data key (`flask rotate-keys`).

A key leaves `DATA_KEYS` only once no stored value needs it: rotate, check that nothing is
left under older keys, then remove them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import LargeBinary, Row, case, func, literal, select, update
from sqlalchemy.orm import Session

import portal.models  # noqa: F401  (every model must be mapped before the registry is read)
from portal.models.base import Base, Encrypted, RowBoundRecord, encrypt_value
from portal.security.context import field_cipher
from portal.security.encryption import DecryptionError, field_context

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class RotationReport:
    """What one `rotate_keys` run did: values moved to the newest key, rows looked at per table."""

    values_rewritten: int = 0
    rows_checked: dict[str, int] = field(default_factory=dict)
    # Values that no configured key opens (tampered with, or under a key already removed).
    values_unreadable: int = 0


def encrypted_models() -> list[type[RowBoundRecord]]:
    """Every mapped model with encrypted fields, in table-name order."""
    classes = (mapper.class_ for mapper in Base.registry.mappers)
    models = [cls for cls in classes if issubclass(cls, RowBoundRecord) and cls.encrypted_fields]
    return sorted(models, key=lambda model: model.__tablename__)


def rotate_keys(db: Session, *, batch_size: int = 500, on_progress: ProgressCallback | None = None) -> RotationReport:
    """Re-encrypt, under the newest key, every stored value that is under an older one.

    Walks each encrypted table in id order, `batch_size` rows at a time. Unlike other
    services this one COMMITS, after every batch: a rotation of millions of rows may be
    stopped part-way (a deploy, a crash, Ctrl-C), and it must keep what it has done. Values
    already under the newest key are left alone, so running it again simply continues, and
    a finished run does nothing the second time. Run it on a session with nothing pending.

    `on_progress(table, rows_done, rows_total)` is called as each table starts and after
    each committed batch. A row changed by the application while it is being rotated is
    not overwritten (the application writes under the newest key anyway, if every process
    already has the new `DATA_KEYS`); a value no key opens is counted, logged by row id
    and left as it is."""
    report = RotationReport()
    for model in encrypted_models():
        _rotate_table(db, model, batch_size, report, on_progress)
    return report


def count_values_under_old_keys(db: Session) -> dict[str, int]:
    """Per table, how many stored values are not under the newest key (zero when a key can go).

    Counted in the database from each value's header, without decrypting anything."""
    current = literal(field_cipher().current_key_id.to_bytes(2, "big"), LargeBinary)
    counts = {}
    for model in encrypted_models():
        # The key id is bytes 2-3 of the stored value (after the format version byte).
        stale = [
            func.count(case((func.substr(column, 2, 2, type_=LargeBinary) != current, 1)))
            for column in _encrypted_columns(model).values()
        ]
        counts[model.__tablename__] = sum(db.execute(select(*stale)).one())
    return counts


def _rotate_table(
    db: Session, model: type[RowBoundRecord], batch_size: int, report: RotationReport,
    on_progress: ProgressCallback | None,
) -> None:
    table = model.__tablename__
    total = db.scalar(select(func.count()).select_from(model)) or 0
    report.rows_checked[table] = 0
    _report_progress(on_progress, table, 0, total)
    for batch in _batches(db, model, batch_size):
        report.values_rewritten += sum(_rotate_row(db, model, row, report) for row in batch)
        db.commit()
        report.rows_checked[table] += len(batch)
        _report_progress(on_progress, table, report.rows_checked[table], total)


def _report_progress(on_progress: ProgressCallback | None, table: str, done: int, total: int) -> None:
    if on_progress is not None:
        on_progress(table, done, total)


def _batches(db: Session, model: type[RowBoundRecord], batch_size: int) -> Iterator[Sequence[Row[Any]]]:
    # Plain rows rather than ORM objects: nothing enters the session's identity map, so
    # memory stays flat however many rows there are.
    query = select(model.id, *_encrypted_columns(model).values()).order_by(model.id).limit(batch_size)
    batch = db.execute(query).all()
    while batch:
        yield batch
        batch = db.execute(query.where(model.id > batch[-1].id)).all()


def _rotate_row(db: Session, model: type[RowBoundRecord], row: Row[Any], report: RotationReport) -> int:
    """Rewrite the row's values that are under older keys; returns how many were rewritten."""
    fresh = _reencrypted_values(model, row, report)
    if not fresh:
        return 0
    table = model.__table__
    # The old ciphertext in the WHERE clause: if the application changed the row since we
    # read it, its newer value stays and this update touches nothing.
    unchanged = [table.c[column] == row._mapping[column] for column in fresh]
    # Re-encrypting is not a change to the record, so `updated_at` and the like keep their value.
    kept = {column.name: column for column in table.c if column.onupdate is not None}
    result = db.execute(update(table).where(table.c.id == row.id, *unchanged).values(**fresh, **kept))
    return len(fresh) if result.rowcount == 1 else 0


def _reencrypted_values(model: type[RowBoundRecord], row: Row[Any], report: RotationReport) -> dict[str, bytes]:
    cipher = field_cipher()
    fresh = {}
    for descriptor in _descriptors(model):
        blob = row._mapping[descriptor.column]
        try:
            if blob is not None and not cipher.is_current(blob):
                fresh[descriptor.column] = _reencrypt(model, descriptor, row.id, blob)
        except DecryptionError:
            _count_unreadable(model, descriptor, row.id, report)
    return fresh


def _reencrypt(model: type[RowBoundRecord], descriptor: Encrypted, row_id: uuid.UUID, blob: bytes) -> bytes:
    table = model.__tablename__
    plaintext = field_cipher().decrypt(blob, field_context(table, descriptor.name, row_id))
    return encrypt_value(plaintext, table, descriptor.name, row_id)


def _count_unreadable(
    model: type[RowBoundRecord], descriptor: Encrypted, row_id: uuid.UUID, report: RotationReport
) -> None:
    report.values_unreadable += 1
    # Table, column and row id only: enough to find the value, nothing about the person.
    log.warning("cannot read %s.%s of row %s; left under its old key", model.__tablename__, descriptor.column, row_id)


def _descriptors(model: type[RowBoundRecord]) -> list[Encrypted]:
    return [getattr(model, name) for name in model.encrypted_fields]


def _encrypted_columns(model: type[RowBoundRecord]) -> dict[str, Any]:
    return {descriptor.column: getattr(model, descriptor.column) for descriptor in _descriptors(model)}
