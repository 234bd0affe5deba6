"""An attorney's link to a person (a Representation): finding it, and making it live. Share
codes (portal.services.share_codes) and the documents staff review
(portal.services.attorney_documents) link through here, so a link is made or revived the
same way whatever established it. Nothing here commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Representation, RepresentationMethod


def representation_of(db: Session, attorney_id: uuid.UUID, person_id: uuid.UUID) -> Representation | None:
    """The attorney's link to the person, live or ended; None if there never was one."""
    return db.scalar(select(Representation).where(Representation.attorney_id == attorney_id,
                                                  Representation.person_id == person_id))


def link_attorney(db: Session, attorney_id: uuid.UUID, person_id: uuid.UUID, method: RepresentationMethod, *,
                  now: datetime, staff_id: uuid.UUID | None = None, revive: bool = True) -> tuple[Representation, bool]:
    """The attorney's representation of the person, and whether this call made it live: a
    new one, an ended one revived (only when `revive`), or the live one already there. A link
    made live takes `method`, `now` and the staff member who established it (None when the
    person did, with a code). Flushes."""
    representation = representation_of(db, attorney_id, person_id)
    if representation is None:
        representation = Representation(attorney_id=attorney_id, person_id=person_id)
        db.add(representation)
    elif representation.revoked_at is None or not revive:
        return representation, False
    representation.method = method
    representation.established_at = now
    representation.established_by_staff_id = staff_id
    representation.revoked_at = None
    representation.revoked_by = None
    db.flush()
    return representation, True
