"""Server-side sessions for verified people: ended by signing out or 15 minutes idle, for
good, even if the cookie was copied (see portal.security.tokens)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import PersonSession
from portal.security.tokens import new_session_token, token_digest

IDLE_TIMEOUT = timedelta(minutes=15)


def start_session(db: Session, person_id: uuid.UUID, *, now: datetime) -> str:
    """Open a session for a person who has just proven who they are; returns its token."""
    token, digest = new_session_token()
    db.add(PersonSession(token_hash=digest, person_id=person_id, created_at=now, last_seen_at=now))
    return token


def resume_session(db: Session, token: str | None, *, now: datetime) -> uuid.UUID | None:
    """The person of a live session, marking it seen; None if unknown, ended or idle too long."""
    if not token:
        return None
    record = db.scalar(select(PersonSession).where(PersonSession.token_hash == token_digest(token)))
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
        record = db.scalar(select(PersonSession).where(PersonSession.token_hash == token_digest(token)))
        if record is not None and record.ended_at is None:
            record.ended_at = now
