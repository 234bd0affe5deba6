"""One SMS interface, several senders, chosen by `SMS_BACKEND`.

`outbox` keeps messages in the database for the local outbox page, so a new user can run every
flow without an account anywhere. `twilio` sends through Twilio (see DESIGN.md §7)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.messaging.twilio_sms import ProviderMessage, SmsSendError, TwilioSmsSender
from portal.models import OutboxMessage, utcnow

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
OUTBOX_LOOKBACK = timedelta(days=3)


class SmsSender(Protocol):
    def send(self, recipient: str, body: str) -> str:
        """Send `body` to an E.164 number; return the provider's message id."""
        ...

    def messages_to(self, recipient: str) -> list[ProviderMessage]:
        """The newest messages the provider holds for `recipient` (for reconciliation)."""
        ...

    def fetch(self, message_id: str) -> ProviderMessage:
        """One message as the provider now knows it, status included (for a lost delivery report)."""
        ...


class OutboxSmsSender:
    """Stores each message, encrypted, for the development outbox page."""

    def __init__(self, db: Session):
        self._db = db

    def send(self, recipient: str, body: str) -> str:
        message = OutboxMessage(recipient=recipient, body=body)
        self._db.add(message)
        self._db.flush()
        return f"outbox-{message.id}"

    def messages_to(self, recipient: str) -> list[ProviderMessage]:
        # Recipients are encrypted, so recent messages are read and compared; local use only.
        recent = self._db.scalars(select(OutboxMessage).where(OutboxMessage.created_at > utcnow() - OUTBOX_LOOKBACK)
                                  .order_by(OutboxMessage.created_at.desc())).all()
        return [_delivered(message) for message in recent if message.recipient == recipient]

    def fetch(self, message_id: str) -> ProviderMessage:
        # An outboxed message is as delivered as it will ever be.
        outbox_id = _outbox_id(message_id)
        message = self._db.get(OutboxMessage, outbox_id) if outbox_id else None
        if message is None:
            raise SmsSendError(code="20404", status=404, retryable=False)
        return _delivered(message)


def _delivered(message: OutboxMessage) -> ProviderMessage:
    return ProviderMessage(f"outbox-{message.id}", message.body or "", "delivered", message.created_at)


def _outbox_id(message_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(message_id.removeprefix("outbox-"))
    except ValueError:
        return None


def sms_sender(db: Session) -> SmsSender:
    """The sender the configuration names."""
    if current_app.config["SMS_BACKEND"] == "outbox":
        return OutboxSmsSender(db)
    return _twilio_sender(current_app.config)


def sms_senders() -> Callable[[Session], SmsSender]:
    """For a long-running worker: the sender for each session. The outbox sender writes in the
    session it is given; the Twilio sender (an HTTP client with its connection pool) is built
    once and reused."""
    if current_app.config["SMS_BACKEND"] == "outbox":
        return OutboxSmsSender
    twilio = _twilio_sender(current_app.config)
    return lambda _db: twilio


def _twilio_sender(config: Mapping[str, Any]) -> TwilioSmsSender:
    return TwilioSmsSender(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
        messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"], from_number=config["TWILIO_FROM_NUMBER"],
        api_base_url=config["TWILIO_API_BASE_URL"], timeout=config["TWILIO_TIMEOUT_SECONDS"],
        status_callback=config["PUBLIC_BASE_URL"].rstrip("/") + STATUS_CALLBACK_PATH,
    )
