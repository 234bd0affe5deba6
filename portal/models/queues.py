"""Staff work queues: who has taken an item, where it stands, and a note.

One row per queued thing (a remedy request, an interpreter call-back, a letter request, an
attorney waiting for verification), created the first time staff touch it: an item without
a row is open and unassigned. The note may hold personal details, so it is encrypted."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class QueueKind(StrEnum):
    """The queues; each value is also the queue's part of the console's addresses."""

    REMEDIES = "remedies"
    INTERPRETERS = "interpreters"
    LETTERS = "letters"
    ATTORNEYS = "attorneys"


class QueueStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class QueueItem(RowBoundRecord, Base):
    __tablename__ = "queue_item"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    kind: Mapped[QueueKind] = enum_column(QueueKind)
    # The id of the PersonRemedy, InterpreterCallRequest, LetterRequest or Attorney.
    subject_id: Mapped[uuid.UUID]
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    status: Mapped[QueueStatus] = enum_column(QueueStatus, index=True)
    note_encrypted: Mapped[bytes | None] = encrypted_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    note = Encrypted()
