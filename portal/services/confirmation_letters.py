"""Confirmation letters: issuing one to a person, what it says, and checking its reference.

A letter is a reference number and a date; its text is rendered when it is downloaded
(`portal.messaging.letters`), so no copy of a letter, and nothing personal, is stored here.

A reference is `CL-` and 12 characters from Crockford's base32 alphabet, chosen by `secrets`:
60 bits, so nobody finds a real reference by guessing, let alone one that belongs to a given
A-number. The public check takes a reference and an A-number and answers only "issued on this
date" or "no letter matches". To keep that check from telling whether an A-number is in the
file, the database is searched by the reference alone; the A-number is compared afterwards, in
constant time, against the owner's blind index or a placeholder. An unknown A-number, someone
else's A-number and an unknown reference therefore cost the same query and give the same None.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AffectedPerson, ConfirmationLetter
from portal.security.a_numbers import InvalidANumber, normalise_a_number
from portal.security.blind_index import INDEX_LENGTH
from portal.security.codes import NOTICE_CODE_ALPHABET
from portal.security.context import blind_index
from portal.services.audit import record_event
from portal.services.exposure import IncidentExposure, exposure_of
from portal.services.remedies import RemedyStanding, remedies_of

REFERENCE_PREFIX = "CL"
REFERENCE_GROUPS = 3
REFERENCE_GROUP_LENGTH = 4
REFERENCE_EXAMPLE = "CL-7K3M-Q9TX-2PB4"

_REFERENCE_LENGTH = REFERENCE_GROUPS * REFERENCE_GROUP_LENGTH
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Whitespace of any kind, and the hyphens and dashes phone keyboards substitute for "-".
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_VALID = re.compile(f"[{NOTICE_CODE_ALPHABET}]{{{_REFERENCE_LENGTH}}}")
# Compared against when the reference matches no letter: the same work, and never a match.
_NO_OWNER = b"\x00" * INDEX_LENGTH


@dataclass(frozen=True)
class LetterContents:
    """Everything a confirmation letter says, gathered for the renderer."""

    reference: str
    issued_at: datetime
    family_name: str
    given_names: str
    a_number: str  # nine digits, as `normalise_a_number` gives it
    incidents: tuple[IncidentExposure, ...]  # only the incidents the person was in
    remedies: tuple[RemedyStanding, ...]  # only the remedies that apply to them
    statuses_on: datetime  # when the remedy statuses were read


def generate_reference() -> str:
    """A new random reference in display form, `CL-XXXX-XXXX-XXXX`."""
    return format_reference("".join(secrets.choice(NOTICE_CODE_ALPHABET) for _ in range(_REFERENCE_LENGTH)))


def format_reference(compact: str) -> str:
    """Display form of the 12 characters after the prefix: `CL-XXXX-XXXX-XXXX`."""
    size = REFERENCE_GROUP_LENGTH
    return "-".join([REFERENCE_PREFIX, *(compact[start:start + size] for start in range(0, len(compact), size))])


def normalise_reference(text: str) -> str | None:
    """The display form of a typed reference, or None if it cannot be one.

    Case, spaces, hyphens and the `CL` prefix do not matter; O is read as 0 and I or L as 1.
    Full-width characters and digits from other scripts are read as their ASCII equivalents."""
    folded = _ascii_digits(unicodedata.normalize("NFKC", text or ""))
    compact = _SEPARATORS.sub("", folded).upper()
    if len(compact) == len(REFERENCE_PREFIX) + _REFERENCE_LENGTH and compact.startswith(REFERENCE_PREFIX):
        compact = compact[len(REFERENCE_PREFIX):]
    compact = compact.translate(_LOOK_ALIKES)
    return format_reference(compact) if _VALID.fullmatch(compact) else None


def display_a_number(normalised: str) -> str:
    """An A-number as printed on the agency's papers: `A-123-456-789`."""
    return f"A-{normalised[:3]}-{normalised[3:6]}-{normalised[6:]}"


def issue_letter(
    db: Session, person_id: uuid.UUID, *, now: datetime, actor_type: str = "person", actor_id: str | None = None
) -> ConfirmationLetter:
    """Issue a new letter, with a fresh reference, to the person; records `letter.issued` in
    the audit log (ids only: the reference is half of what the public check asks for). The
    actor is the person unless given (an attorney acting for a client). Does not commit."""
    reference = generate_reference()
    while db.scalar(select(ConfirmationLetter.id).where(ConfirmationLetter.reference == reference)) is not None:
        reference = generate_reference()  # about one chance in 10^18 per letter; cheap to rule out
    letter = ConfirmationLetter(id=uuid.uuid4(), reference=reference, person_id=person_id, issued_at=now)
    db.add(letter)
    _record(db, letter, "letter.issued", actor_type, actor_id)
    return letter


def newest_letter(db: Session, person_id: uuid.UUID) -> ConfirmationLetter | None:
    """The letter most recently issued to the person, if any."""
    return db.scalars(
        select(ConfirmationLetter).where(ConfirmationLetter.person_id == person_id)
        .order_by(ConfirmationLetter.issued_at.desc()).limit(1)
    ).first()


def record_download(
    db: Session, letter: ConfirmationLetter, *, actor_type: str = "person", actor_id: str | None = None
) -> None:
    """Record in the audit log that the letter was downloaded (again). Does not commit."""
    _record(db, letter, "letter.downloaded", actor_type, actor_id)


def letter_contents(db: Session, letter: ConfirmationLetter, *, now: datetime) -> LetterContents:
    """What the letter says: the person's name and A-number, the incidents they were in with
    the details each exposed, and the remedies that apply with their status at `now`."""
    person = db.get_one(AffectedPerson, letter.person_id)
    return LetterContents(
        reference=letter.reference,
        issued_at=letter.issued_at,
        family_name=person.last_name or "",
        given_names=person.first_name or "",
        a_number=normalise_a_number(person.a_number or ""),
        incidents=tuple(item for item in exposure_of(db, person.id) if item.affected),
        remedies=tuple(standing for standing in remedies_of(db, person.id) if standing.applies),
        statuses_on=now,
    )


def check_letter(db: Session, reference: str, a_number: str) -> datetime | None:
    """When the letter was issued, if `reference` is a letter issued to the person with this
    A-number (both in any accepted spelling); otherwise None.

    One query by reference, whatever was typed; the A-number is compared afterwards in
    constant time with the blind index of the letter's owner (or a placeholder). So the
    answer and the work are the same for an unknown A-number, someone else's A-number and an
    unknown reference."""
    row = db.execute(
        select(ConfirmationLetter.issued_at, AffectedPerson.a_number_index)
        .join(AffectedPerson, AffectedPerson.id == ConfirmationLetter.person_id)
        .where(ConfirmationLetter.reference == (normalise_reference(reference) or ""))
    ).first()
    owner = row.a_number_index if row else _NO_OWNER
    matches = hmac.compare_digest(owner, _a_number_index(a_number))
    return row.issued_at if row and matches else None


def _a_number_index(a_number: str) -> bytes:
    try:
        return blind_index().a_number(a_number)
    except InvalidANumber:
        # Not an A-number: an index that no stored A-number has, at the cost of a real one.
        return blind_index().digest("a-number", "")


def _record(db: Session, letter: ConfirmationLetter, action: str, actor_type: str, actor_id: str | None) -> None:
    if actor_id is None and actor_type == "person":
        actor_id = str(letter.person_id)
    record_event(db, actor_type=actor_type, actor_id=actor_id, action=action,
                 subject_type="person", subject_id=str(letter.person_id), details={"letter": str(letter.id)})


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char for char in text
    )
