"""What attorneys upload for staff to review: signed representation forms (G-28, EOIR-28)
and lists of their clients.

The A-number typed with an upload is kept as a blind index (to find the person) and, for a
form, also encrypted (staff compare it with the document; the attorney sees the last three
digits). Birth dates, the document itself and staff's reasons are encrypted like every
other personal field."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.attorney import Attorney
from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class RepresentationFormType(StrEnum):
    G28 = "g28"  # USCIS Form G-28
    EOIR28 = "eoir28"  # immigration court Form EOIR-28


class ReviewState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RepresentationForm(RowBoundRecord, Base):
    """A signed G-28 or EOIR-28, and the client's A-number and birth date as the attorney
    typed them. Staff accept it only when those match a person in the list."""

    __tablename__ = "representation_form"

    attorney_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attorney.id", ondelete="CASCADE"), index=True)
    form_type: Mapped[RepresentationFormType] = enum_column(RepresentationFormType)
    a_number_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    a_number_encrypted: Mapped[bytes | None] = encrypted_column()
    date_of_birth_encrypted: Mapped[bytes | None] = encrypted_column()
    # Sniffed from the file's first bytes; the browser's claim and the file name are ignored.
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    # Deferred: lists and queues never load the file, only the page that serves it.
    document_base64_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    state: Mapped[ReviewState] = enum_column(ReviewState, index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None]
    rejection_reason_encrypted: Mapped[bytes | None] = encrypted_column()
    representation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("representation.id", ondelete="SET NULL"))

    attorney: Mapped[Attorney] = relationship()

    a_number = Encrypted()
    date_of_birth = Encrypted(date)
    # The cipher seals text, so the file is kept base64-encoded; `document` gives the bytes.
    document_base64 = Encrypted()
    rejection_reason = Encrypted()

    @property
    def document(self) -> bytes:
        return base64.b64decode(self.document_base64 or "")

    @document.setter
    def document(self, content: bytes) -> None:
        self.document_base64 = base64.b64encode(content).decode("ascii")


class ClientListState(StrEnum):
    SUBMITTED = "submitted"
    MATCHED = "matched"
    REJECTED = "rejected"


class ClientList(RowBoundRecord, Base):
    """A firm's or legal-aid organisation's list of clients, for staff to match in bulk.
    The counts are filled in by the match; the attorney sees only those."""

    __tablename__ = "client_list"

    attorney_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attorney.id", ondelete="CASCADE"), index=True)
    row_count: Mapped[int]
    state: Mapped[ClientListState] = enum_column(ClientListState, index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None]
    matched_count: Mapped[int | None]
    unmatched_count: Mapped[int | None]
    rejection_reason_encrypted: Mapped[bytes | None] = encrypted_column()

    attorney: Mapped[Attorney] = relationship()

    rejection_reason = Encrypted()


class ClientListOutcome(StrEnum):
    """What the match found for one row. Staff see these; the attorney only the counts."""

    LINKED = "linked"  # linked now, or already linked before
    LINK_ENDED = "link_ended"  # this attorney's link to the person had been ended: it stays ended
    BIRTH_DATE_DIFFERS = "birth_date_differs"
    NOT_IN_LIST = "not_in_list"


class ClientListRow(RowBoundRecord, Base):
    __tablename__ = "client_list_row"
    __table_args__ = (UniqueConstraint("client_list_id", "row_number"),)

    client_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client_list.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    a_number_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    date_of_birth_encrypted: Mapped[bytes | None] = encrypted_column()
    outcome: Mapped[ClientListOutcome | None] = enum_column(ClientListOutcome)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("affected_person.id", ondelete="SET NULL"))

    date_of_birth = Encrypted(date)
