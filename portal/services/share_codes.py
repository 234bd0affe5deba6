"""Share codes: a verified person gives their lawyer a code, and the lawyer links to them.

The person makes the code in their own verified session and gives it to their lawyer. The
lawyer, in a verified attorney account, types it with the person's A-number and birth date.
The A-number and birth date were in the leaked file, so they prove nothing alone: the code is
what shows the person wants this lawyer.

The code is a notice-code-shaped secret (`portal.security.codes`): 10 characters of
Crockford's base32, shown as `XXXXX-XXXXX`, about 50 bits from `secrets`. It is read aloud
over a prison phone or copied onto paper, so it has no letters that look like digits, and
case, spaces and hyphens do not matter when typed. Guessing is hopeless: every try costs an
Argon2id check, needs a verified attorney account and the person's A-number, and is limited
per A-number and per client by the attorney's page. Only the hash is stored; a person has at
most one code, and making a new one replaces the old. A code works for seven days, once.

Redeeming never tells the lawyer what was wrong: a wrong code, a wrong A-number or birth
date, an expired or used code, or an account not yet verified all give None, after the same
queries and one Argon2id check. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    ContactChannel,
    Representation,
    RepresentationMethod,
    ShareCode,
)
from portal.security.a_numbers import InvalidANumber
from portal.security.codes import generate_notice_code, normalise_notice_code
from portal.security.context import blind_index
from portal.security.hashing import verify_secret
from portal.services.audit import record_event
from portal.services.contact import reach_without_attorney
from portal.services.notice_codes import hash_notice_code
from portal.services.representations import link_attorney
from portal.services.verification import birth_date_matches

SHARE_CODE_LIFETIME = timedelta(days=7)
REVOKED_BY_CLIENT = "client"
# Looked up when the typed A-number cannot be one, so that the same query still runs.
_NO_INDEX = bytes(32)
_NOBODY = uuid.UUID(int=0)


@dataclass(frozen=True)
class LinkedAttorney:
    """An attorney acting for the person, as the person sees them on "Your lawyer"."""

    representation_id: uuid.UUID
    name: str
    firm: str | None
    method: RepresentationMethod
    linked_at: datetime
    revoked_at: datetime | None


def create_share_code(db: Session, person_id: uuid.UUID, *, now: datetime) -> str:
    """Make a new code for the person and return it in display form (`XXXXX-XXXXX`).

    Any code the person made before stops working. Only the Argon2id hash of the normalised
    code is stored, so the caller must show the returned code now: it cannot be read back."""
    code = generate_notice_code()
    db.execute(delete(ShareCode).where(ShareCode.person_id == person_id))
    record = ShareCode(
        person_id=person_id, code_hash=hash_notice_code(code), created_at=now,
        expires_at=now + SHARE_CODE_LIFETIME,
    )
    db.add(record)
    db.flush()
    record_event(db, actor_type="person", actor_id=str(person_id), action="share_code.created",
                 subject_type="person", subject_id=str(person_id), details={"share_code_id": str(record.id)})
    return code


def live_share_code(db: Session, person_id: uuid.UUID, *, now: datetime) -> ShareCode | None:
    """The person's code if it can still be used (unused and unexpired), for its expiry date."""
    return db.scalar(_live_code_query(person_id, now))


def redeem_share_code(
    db: Session, attorney: Attorney, *, code: str, a_number: str, birth_date: date, now: datetime
) -> Representation | None:
    """Link a verified attorney to the person who gave them this code.

    The code must be the person's live code, and the A-number and birth date theirs. Then the
    code is used up and the attorney represents the person (a revoked link is revived), and
    the representation is returned. Otherwise None, the same whatever was wrong, after the
    same work: one person lookup, one code lookup, one Argon2id check. Every attempt is audited
    with ids only. Limiting attempts (per A-number and per client) is the calling page's job."""
    person = db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == _a_number_index(a_number)))
    record = db.scalar(_live_code_query(person.id if person else _NOBODY, now))
    # Every check runs, whatever an earlier one found: the work must not tell which failed.
    code_matches = verify_secret(record.code_hash if record else None, normalise_notice_code(code) or "")
    details_match = birth_date_matches(person, birth_date)
    accepted = code_matches and details_match and attorney.status == AttorneyStatus.VERIFIED
    if not accepted or person is None or record is None or not _use(db, record, attorney.id, now=now):
        record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="attorney.share_code_refused",
                     subject_type="person" if person else None, subject_id=str(person.id) if person else None)
        return None
    representation, _ = link_attorney(db, attorney.id, person.id, RepresentationMethod.SHARE_CODE, now=now)
    record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="attorney.linked_by_share_code",
                 subject_type="person", subject_id=str(person.id),
                 details={"representation_id": str(representation.id), "share_code_id": str(record.id)})
    return representation


@dataclass(frozen=True)
class Revocation:
    """A lawyer's access ended. `messages_now_by`: the channel notices take instead, when they
    went to that lawyer and no lawyer is left (None otherwise)."""

    messages_now_by: ContactChannel | None


def revoke_representation(db: Session, person_id: uuid.UUID, representation_id: uuid.UUID, *,
                          now: datetime) -> Revocation | None:
    """End an attorney's access to the person, at the person's request. The attorney's pages
    read `revoked_at`, so access ends with this transaction's commit. None (changing nothing)
    when the link is not this person's or was already ended."""
    representation = _live_representation(db, person_id, representation_id)
    if representation is None:
        return None
    representation.revoked_at = now
    representation.revoked_by = REVOKED_BY_CLIENT
    db.flush()
    record_event(db, actor_type="person", actor_id=str(person_id), action="representation.revoked",
                 subject_type="person", subject_id=str(person_id),
                 details={"representation_id": str(representation.id), "attorney_id": str(representation.attorney_id)})
    return Revocation(messages_now_by=reach_without_attorney(db, person_id))


def linked_attorneys(db: Session, person_id: uuid.UUID) -> list[LinkedAttorney]:
    """The attorneys whose link to the person has not been ended, the oldest link first."""
    rows = db.execute(
        _links_of(person_id).where(Representation.revoked_at.is_(None))
        .order_by(Representation.established_at, Representation.id)
    )
    return [LinkedAttorney(*row) for row in rows]


def linked_attorney(db: Session, person_id: uuid.UUID, representation_id: uuid.UUID) -> LinkedAttorney | None:
    """One of the person's links, ended or not; None if it is not theirs."""
    row = db.execute(_links_of(person_id).where(Representation.id == representation_id)).first()
    return LinkedAttorney(*row) if row else None


def _a_number_index(a_number: str) -> bytes:
    try:
        return blind_index().a_number(a_number)
    except InvalidANumber:
        return _NO_INDEX


def _live_code_query(person_id: uuid.UUID, now: datetime) -> Select[tuple[ShareCode]]:
    return select(ShareCode).where(
        ShareCode.person_id == person_id, ShareCode.used_at.is_(None), ShareCode.expires_at > now
    )


def _links_of(person_id: uuid.UUID) -> Select[Any]:
    return (
        select(Representation.id, Attorney.full_name, Attorney.firm, Representation.method,
               Representation.established_at, Representation.revoked_at)
        .join(Attorney, Attorney.id == Representation.attorney_id)
        .where(Representation.person_id == person_id)
    )


def _use(db: Session, record: ShareCode, attorney_id: uuid.UUID, *, now: datetime) -> bool:
    """Mark the code used, unless another request used it first: one conditional UPDATE, so
    two lawyers typing the same code at once cannot both link."""
    used = db.execute(
        update(ShareCode).where(ShareCode.id == record.id, ShareCode.used_at.is_(None))
        .values(used_at=now, used_by_attorney_id=attorney_id)
    )
    return used.rowcount == 1


def _live_representation(db: Session, person_id: uuid.UUID, representation_id: uuid.UUID) -> Representation | None:
    return db.scalar(select(Representation).where(
        Representation.id == representation_id, Representation.person_id == person_id,
        Representation.revoked_at.is_(None),
    ))
