"""Server-side sessions for verified people: ended by signing out or 15 minutes idle, for
good, even if the cookie was copied. The cookie holds only a random token; the database
holds its SHA-256 (a 256-bit random token needs no slow hash)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import PersonSession

IDLE_TIMEOUT = timedelta(minutes=15)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def start_session(db: Session, person_id: uuid.UUID, *, now: datetime) -> str:
    """Open a session for a person who has just proven who they are; returns its token."""
    token = secrets.token_urlsafe(32)
    db.add(PersonSession(token_hash=_digest(token), person_id=person_id, created_at=now, last_seen_at=now))
    return token


def resume_session(db: Session, token: str | None, *, now: datetime) -> uuid.UUID | None:
    """The person of a live session, marking it seen; None if unknown, ended or idle too long."""
    if not token:
        return None
    record = db.scalar(select(PersonSession).where(PersonSession.token_hash == _digest(token)))
    if record is None or record.ended_at is not None:
        return None
    if now - record.last_seen_at > IDLE_TIMEOUT:
        record.ended_at = now
        return None
    record.last_seen_at = now
    return record.person_id


def end_session(db: Session, token: str | None, *, now: datetime) -> None:
    """Sign out: the token stops working at once."""
    if token:
        record = db.scalar(select(PersonSession).where(PersonSession.token_hash == _digest(token)))
        if record is not None and record.ended_at is None:
            record.ended_at = now
