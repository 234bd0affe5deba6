"""Letter batches: notices by post, written by one staff member and approved by another.

A batch keeps only who gets a letter (and in which language) and, once printed, the ids of
the notice codes the letters carry. The letters themselves, which hold the plain codes, are
rendered when the batch is downloaded and never stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, enum_column, utcnow


class LetterBatchState(StrEnum):
    SUBMITTED = "submitted"  # waiting for a second staff member
    APPROVED = "approved"  # may be downloaded and printed
    REJECTED = "rejected"
    POSTED = "posted"


class LetterBatch(Base):
    __tablename__ = "letter_batch"
    __table_args__ = (
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> created_by_id", name="decider_is_not_creator"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    state: Mapped[LetterBatchState] = enum_column(LetterBatchState, index=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    posted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    letter_count: Mapped[int] = mapped_column(default=0)
    page_count: Mapped[int | None]  # of the print-ready PDF, blank backing pages included
    downloads: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    last_downloaded_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]


class LetterBatchLetter(Base):
    """One person's letter in a batch, in print order."""

    __tablename__ = "letter_batch_letter"
    __table_args__ = (UniqueConstraint("batch_id", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("letter_batch.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    locale: Mapped[str] = mapped_column(String(16))
    # The code printed by the newest download; earlier downloads' codes are revoked.
    notice_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notice_code.id", ondelete="SET NULL"))


class LetterBatchRequest(Base):
    """A "post me a new notice" request the batch answers: resolved when the batch is posted,
    whether it matched a person with an address or nobody."""

    __tablename__ = "letter_batch_request"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("letter_batch.id", ondelete="CASCADE"),
                                                primary_key=True)
    letter_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("letter_request.id", ondelete="CASCADE"),
                                                         primary_key=True, index=True)
