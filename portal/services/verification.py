"""Proving who you are, without the portal ever telling a stranger who is in the file.

The A-number and birth date were in the leaked file, so they never verify anyone alone:
verification needs a notice code sent to the person, or a one-time code sent to the phone on
record. Every function here does the same work whether or not the A-number is in the file:
the same queries, the same number of Argon2id checks, the same rows written. Whether a code
is actually sent is decided later, outside the request (`one_time_codes.deliver_pending_codes`).
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import AffectedPerson, CodePurpose, LetterRequest, NoticeCode, OneTimeCode
from portal.security.codes import generate_one_time_code, normalise_notice_code
from portal.security.context import blind_index
from portal.security.hashing import hash_secret, verify_secret

# A person may hold codes from more than one notice (a letter and a later SMS); the newest
# three are checked, always three Argon2id checks, padded when fewer exist.
NOTICE_CODES_CHECKED = 3
ONE_TIME_CODE_LIFETIME = timedelta(minutes=10)
ONE_TIME_CODE_TRIES = 5
ONE_TIME_CODES_PER_HOUR = 3
_NO_BIRTH_DATE = b"----------"
_NOBODY = uuid.UUID(int=0)


@dataclass(frozen=True)
class IdentityClaim:
    """What someone typed: an A-number (normalised) and a birth date. Proves nothing alone."""

    a_number: str
    date_of_birth: date

    @property
    def a_number_index(self) -> bytes:
        return blind_index().a_number(self.a_number)


def _person(db: Session, claim: IdentityClaim) -> AffectedPerson | None:
    return db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == claim.a_number_index))


def birth_date_matches(person: AffectedPerson | None, claimed: date) -> bool:
    """Constant-time comparison; without a person it compares against a placeholder."""
    stored = person.date_of_birth.isoformat().encode() if person and person.date_of_birth else _NO_BIRTH_DATE
    return hmac.compare_digest(stored, claimed.isoformat().encode()) and person is not None


def verify_notice_code(db: Session, claim: IdentityClaim, typed_code: str, *, now: datetime) -> uuid.UUID | None:
    """The person's id if the code is one of their current notice codes and the birth date
    is theirs; otherwise None, after exactly the same work."""
    person = _person(db, claim)
    # The same query runs for a stranger, for an id that matches no code.
    stored_hashes = list(db.scalars(
        select(NoticeCode.code_hash)
        .where(NoticeCode.person_id == (person.id if person else _NOBODY), NoticeCode.revoked_at.is_(None))
        .where((NoticeCode.expires_at.is_(None)) | (NoticeCode.expires_at > now))
        .order_by(NoticeCode.issued_at.desc())
        .limit(NOTICE_CODES_CHECKED)
    ))
    code = normalise_notice_code(typed_code) or ""
    padded = stored_hashes + [None] * (NOTICE_CODES_CHECKED - len(stored_hashes))
    code_matches = [verify_secret(stored, code) for stored in padded]
    if any(code_matches) and birth_date_matches(person, claim.date_of_birth):
        return person.id  # type: ignore[union-attr]
    return None


def one_time_codes_requested_recently(db: Session, a_number_index: bytes, *, now: datetime) -> int:
    return db.scalar(
        select(func.count()).select_from(OneTimeCode)
        .where(OneTimeCode.a_number_index == a_number_index, OneTimeCode.purpose == CodePurpose.IDENTIFY)
        .where(OneTimeCode.created_at > now - timedelta(hours=1))
    ) or 0


def request_identity_code(db: Session, claim: IdentityClaim, *, locale: str, now: datetime) -> None:
    """Queue a one-time code for the phone on record of the person with these details, if
    there is one. Writes the same row for anyone, in the file or not; the sender decides."""
    index = claim.a_number_index
    code = generate_one_time_code()
    code_hash = hash_secret(code)
    if one_time_codes_requested_recently(db, index, now=now) >= ONE_TIME_CODES_PER_HOUR:
        return
    record = OneTimeCode(
        a_number_index=index, purpose=CodePurpose.IDENTIFY, code_hash=code_hash, locale=locale,
        expires_at=now + ONE_TIME_CODE_LIFETIME,
    )
    record.claimed_date_of_birth = claim.date_of_birth
    record.code_for_delivery = code
    db.add(record)


def latest_usable_code(
    db: Session, index: bytes, purpose: CodePurpose, *, now: datetime, person_id: uuid.UUID | None = None
) -> OneTimeCode | None:
    query = (
        select(OneTimeCode)
        .where(OneTimeCode.a_number_index == index, OneTimeCode.purpose == purpose)
        .where(OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now)
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )
    if person_id is not None:
        query = query.where(OneTimeCode.person_id == person_id)
    return db.scalar(query)


def check_one_time_code(record: OneTimeCode | None, typed_code: str, *, now: datetime) -> bool:
    """Check a typed code against the newest usable code; count a failure against it."""
    usable = record is not None and record.failed_attempts < ONE_TIME_CODE_TRIES
    matches = verify_secret(record.code_hash if usable else None, "".join(typed_code.split()))  # type: ignore[union-attr]
    if record is not None and not matches:
        record.failed_attempts += 1
    if matches:
        record.used_at = now  # type: ignore[union-attr]
    return matches


def verify_identity_code(db: Session, claim: IdentityClaim, typed_code: str, *, now: datetime) -> uuid.UUID | None:
    """The person's id if the typed code is the newest one-time code sent for these details
    (10 minutes, 5 tries) and the details are a person's; otherwise None."""
    record = latest_usable_code(db, claim.a_number_index, CodePurpose.IDENTIFY, now=now)
    if not check_one_time_code(record, typed_code, now=now):
        return None
    person = _person(db, claim)
    return person.id if person and birth_date_matches(person, claim.date_of_birth) else None


def request_letter(db: Session, claim: IdentityClaim) -> None:
    """Ask for a new notice by post to the address on record. Written for anyone; the next
    letter batch sends it only if these details are a person's with an address."""
    request = LetterRequest(a_number_index=claim.a_number_index)
    request.claimed_date_of_birth = claim.date_of_birth
    db.add(request)
