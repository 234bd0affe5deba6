"""Bulk notices (campaigns), the one notification each sends to each person, and the notice
codes those notifications carry."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Encrypted, RowBoundRecord, encrypted_column, enum_column, utcnow


class Channel(StrEnum):
    SMS = "sms"
    LETTER = "letter"


class CampaignState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENDING = "sending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class NotificationState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    CANCELLED = "cancelled"


class Campaign(Base):
    """A bulk notice: one template per language, an audience, and two people to send it."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> created_by_id", name="approver_is_not_creator"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = enum_column(Channel)
    templates: Mapped[dict[str, Any]]
    audience: Mapped[dict[str, Any]]
    state: Mapped[CampaignState] = enum_column(CampaignState, index=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    send_after: Mapped[datetime | None]
    # No SMS goes out between these local times (in `timezone`); both or neither are set.
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    test_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class NoticeCode(Base):
    """A code sent to one person in a letter or SMS; stored only as an Argon2id hash."""

    __tablename__ = "notice_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Notification(RowBoundRecord, Base):
    """One notice to one person in one campaign: the unit the outbox workers send.

    The recipient and the text (which holds the plain notice code) are kept encrypted only
    until the provider has accepted the message; then the text is wiped, so the plain code
    exists only in the message itself."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_notification_due", "state", "next_attempt_at"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affected_person.id", ondelete="CASCADE"), index=True)
    notice_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notice_code.id"))
    channel: Mapped[Channel] = enum_column(Channel)
    locale: Mapped[str] = mapped_column(String(16))
    state: Mapped[NotificationState] = enum_column(NotificationState)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_reason: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recipient_encrypted: Mapped[bytes | None] = encrypted_column()
    body_encrypted: Mapped[bytes | None] = encrypted_column()
    final_at: Mapped[datetime | None]

    recipient = Encrypted()
    body = Encrypted()


class EarlyDeliveryReport(Base):
    """A delivery report for a message id not recorded yet: the provider may call back
    before the worker has committed the id its send returned. Applied, then deleted, when
    the id is recorded. Holds no personal data."""

    __tablename__ = "early_delivery_report"

    provider_message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
