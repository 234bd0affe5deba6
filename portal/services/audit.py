"""The audit log: the one place that writes it, and the check that it has not been altered.

Each event's hash is a keyed hash (HMAC under `LOOKUP_KEY`, which never enters the database)
of its content, its own id and the previous event's hash. Someone who can write to the
database but does not hold the key cannot edit, remove or reorder an event and then make the
hashes agree again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models.base import utcnow
from portal.security.context import blind_index

GENESIS_HASH = "0" * 64
HASH_DOMAIN = "audit-chain"
# Any constant works, as long as nothing else takes this advisory lock for another purpose.
CHAIN_LOCK_ID = 0x6175_6469_7431  # "audit1"
_HASHED_FIELDS = (
    "id", "previous_hash", "occurred_at", "actor_type", "actor_id", "action", "subject_type", "subject_id", "details",
)
_COLUMNS = [getattr(AuditEvent, name) for name in (*_HASHED_FIELDS, "hash")]


@dataclass(frozen=True)
class ChainVerification:
    """What `verify_chain` found: all well, or the first broken event's id and what is wrong."""

    ok: bool
    events_checked: int
    broken_event_id: int | None = None
    problem: str | None = None


def record_event(
    db: Session,
    *,
    actor_type: str,
    actor_id: str | None,
    action: str,
    subject_type: str | None = None,
    subject_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it (flushed, not committed).

    `details` must hold only ids, codes and counts, never a name, number or anything else
    personal: the log is kept for years and shown to auditors. It must be JSON-serialisable.

    The event takes the id after the newest one, so ids have no gaps and a missing id means
    a removed event. (A database sequence would leave gaps whenever a transaction rolls
    back.) On PostgreSQL a transaction-scoped advisory lock makes concurrent writers wait for
    each other until commit; SQLite allows one writer at a time anyway. Should two writers
    still race, the unique `previous_hash` makes the second fail instead of forking the chain.
    Because the lock is held until commit, write the event late in a long transaction."""
    _lock_chain(db)
    newest = db.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    values = {
        "id": newest.id + 1 if newest else 1,
        "previous_hash": newest.hash if newest else GENESIS_HASH,
        "occurred_at": utcnow(),
        "actor_type": actor_type,
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": dict(details or {}),
    }
    event = AuditEvent(**values, hash=event_hash(values))
    db.add(event)
    db.flush()
    return event


def verify_chain(db: Session, *, batch_size: int = 1000) -> ChainVerification:
    """Walk the whole log in id order and report the first event that breaks the chain.

    Events are read in batches by keyset pagination, so memory stays constant however long
    the log. Each event must have the next id (ids start at 1 and have no gaps), a hash that
    matches its content and id, and a `previous_hash` equal to the hash of the event before.
    The result names the first event that was changed, the first missing id where events
    were removed, or the first event out of place where events were reordered (swapping
    two events' content or ids changes the hash of the first of them).

    What it cannot see: removing the newest event or events leaves a shorter chain that is
    still intact, so truncation is detected only by comparing the event count or newest hash
    with a copy kept outside the database (an earlier `flask audit verify` output, a backup)."""
    checked = 0
    previous_hash = GENESIS_HASH
    for row in _events_in_order(db, batch_size):
        broken = _first_problem(row, expected_id=checked + 1, previous_hash=previous_hash)
        if broken:
            return ChainVerification(ok=False, events_checked=checked, broken_event_id=broken[0], problem=broken[1])
        checked += 1
        previous_hash = row.hash
    return ChainVerification(ok=True, events_checked=checked)


def event_hash(values: Mapping[str, Any]) -> str:
    """The keyed hash of one event, from its hashed fields (as stored or about to be)."""
    return blind_index().digest(HASH_DOMAIN, _canonical_payload(values)).hex()


def _canonical_payload(values: Mapping[str, Any]) -> str:
    content = {name: values[name] for name in _HASHED_FIELDS}
    # PostgreSQL hands times back in the session's time zone; the hash must not depend on it.
    content["occurred_at"] = values["occurred_at"].astimezone(UTC).isoformat()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _first_problem(row: Row[Any], *, expected_id: int, previous_hash: str) -> tuple[int, str] | None:
    """(id to name, what is wrong) for the first check this event fails, or None."""
    if row.id > expected_id:
        missing = f"{expected_id}" if row.id == expected_id + 1 else f"{expected_id} to {row.id - 1}"
        return expected_id, f"event {missing} missing: removed from before event {row.id}"
    if row.id < expected_id:
        return row.id, f"event {row.id} is out of sequence: ids must run 1, 2, 3... without gaps"
    if event_hash(row._mapping) != row.hash:
        return row.id, f"event {row.id} does not match its hash: changed, or moved from another position"
    if row.previous_hash != previous_hash:
        return row.id, f"event {row.id} does not follow event {row.id - 1}: the chain was reordered or rebuilt"
    return None


def _events_in_order(db: Session, batch_size: int) -> Iterator[Row[Any]]:
    # Plain rows, not ORM objects: they bypass the identity map (so memory stays flat, and
    # objects this session already holds cannot hide what is really stored).
    query = select(*_COLUMNS).order_by(AuditEvent.id).limit(batch_size)
    # The first batch has no lower bound, so an event moved to id 0 or below is still seen.
    batch: Sequence[Row[Any]] = db.execute(query).all()
    while batch:
        yield from batch
        if len(batch) < batch_size:
            return
        batch = db.execute(query.where(AuditEvent.id > batch[-1].id)).all()


def _lock_chain(db: Session) -> None:
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": CHAIN_LOCK_ID})
