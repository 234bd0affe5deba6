"""Declarative base, shared column types, and the encrypted-field descriptor."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Enum, LargeBinary, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.security.context import field_cipher
from portal.security.encryption import FieldCipher, field_context

# Alembic needs stable constraint names to alter them later, on SQLite as on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use portal.models.base.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class RowBoundRecord:
    """A record whose personal fields are encrypted under its own id.

    The id is chosen when the object is built, not at insert, because it is part of the
    associated data of every encrypted value in the row."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    encrypted_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **fields: Any):
        super().__init__(id=fields.pop("id", None) or uuid.uuid4(), **fields)  # type: ignore[call-arg]

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.encrypted_fields = tuple(
            name for name, value in vars(cls).items() if isinstance(value, Encrypted)
        ) + tuple(getattr(cls, "encrypted_fields", ()))


class Encrypted:
    """A personal field kept only as ciphertext in the column `<name>_encrypted`.

    Reading decrypts with the configured keys; writing encrypts under the newest key. Dates
    are stored as ISO text."""

    def __init__(self, kind: type[str] | type[date] = str):
        self.kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column = f"{name}_encrypted"

    def context(self, record: Any) -> bytes:
        return field_context(record.__tablename__, self.name, record.id)

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        blob = getattr(record, self.column)
        if blob is None:
            return None
        text = field_cipher().decrypt(blob, self.context(record))
        return date.fromisoformat(text) if self.kind is date else text

    def __set__(self, record: Any, value: Any) -> None:
        blob = None if value is None else encrypt_value(value, record.__tablename__, self.name, record.id)
        setattr(record, self.column, blob)


def encrypt_value(
    value: str | date, table: str, field: str, row_id: uuid.UUID, cipher: FieldCipher | None = None
) -> bytes:
    """Ciphertext of one field, as the Encrypted descriptor stores it. Bulk writers pass the
    cipher they looked up once, instead of once per value."""
    text = value.isoformat() if isinstance(value, date) else value
    return (cipher or field_cipher()).encrypt(text, field_context(table, field, row_id))


def encrypted_column() -> Mapped[bytes | None]:
    return mapped_column(LargeBinary, nullable=True)


def enum_column(enum: type[StrEnum], *, index: bool = False) -> Mapped[Any]:
    """A string column holding the enum's values, with a CHECK constraint listing them."""
    kind = Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        name=enum.__name__.lower(),
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
    )
    return mapped_column(kind, index=index)
