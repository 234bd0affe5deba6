"""Sending queued one-time codes, outside any web request.

Here, and only here, is it decided whether a requested code goes anywhere: to the phone on
record of the person whose details were typed, or to the new number a verified person is
confirming. Requests that match nobody are discarded without a trace of the code."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.messaging.sms import SmsSender
from portal.models import AffectedPerson, CodePurpose, ContactPreference, OneTimeCode
from portal.services.verification import birth_date_matches

BATCH = 100
log = logging.getLogger(__name__)


def deliver_pending_codes(db: Session, sender: SmsSender, *, now: datetime) -> int:
    """Send or discard every queued code; returns how many were sent. Does not commit."""
    sent = 0
    pending = db.scalars(
        select(OneTimeCode).where(OneTimeCode.code_for_delivery_encrypted.is_not(None))
        .order_by(OneTimeCode.created_at).limit(BATCH)
    ).all()
    for record in pending:
        recipient = _recipient(db, record)
        if recipient and record.expires_at > now:
            sender.send(recipient, one_time_code_message(record.code_for_delivery, record.locale))
            record.delivered_at = now
            sent += 1
        else:
            record.discarded_at = now
        record.code_for_delivery = None
    db.flush()
    if pending:
        log.info("one-time codes: %d sent, %d discarded", sent, len(pending) - sent)
    return sent


def one_time_code_message(code: str, locale: str) -> str:
    """The SMS text: the code and how long it works, nothing about the person or the file."""
    with force_locale(locale):
        return gettext("Your code is %(code)s. It works for 10 minutes. Do not share it with anyone.", code=code)


def _recipient(db: Session, record: OneTimeCode) -> str | None:
    if record.purpose is CodePurpose.CONFIRM_PHONE:
        return record.phone
    person = db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == record.a_number_index))
    if person is None or not birth_date_matches(person, record.claimed_date_of_birth):
        return None
    contact = db.scalar(select(ContactPreference).where(ContactPreference.person_id == person.id))
    verified_phone = contact.phone if contact and contact.phone_verified_at else None
    return verified_phone or person.phone
