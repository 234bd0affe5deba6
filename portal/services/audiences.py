"""Who a campaign reaches: the people matching its audience filters, and where to reach them.

An audience is a small JSON object kept on the campaign, so the same rules pick the same
people when the notifications are written as when the notifier saw the counts:

    {"incident": "2022-11-posting", "custody_status": ["in_custody"], "languages": ["es"],
     "channel": "sms", "remedy": "release_review", "a_number_indexes": [...]}

Every key is optional. SMS audiences only ever hold people with a phone who have not opted
out, whatever the filters say.

`a_number_indexes` comes from an uploaded list of A-numbers (`portal.services.audience_lists`,
which also keeps its check under `a_number_list`, a key the filters ignore). It narrows the
other filters, and once present it is never "no filter": a list where no row was accepted
reaches nobody, not everybody."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from portal.models import (
    AffectedPerson,
    Channel,
    ContactChannel,
    ContactPreference,
    Exposure,
    Incident,
    PersonRemedy,
    Remedy,
    SmsOptOut,
)


@dataclass(frozen=True)
class Recipient:
    person_id: uuid.UUID
    locale: str
    phone: str | None


def audience_people(audience: Mapping[str, Any], channel: Channel) -> Select:
    """A query for the people in `audience` reachable on `channel`, with their preference."""
    query = select(AffectedPerson, ContactPreference).outerjoin(
        ContactPreference, ContactPreference.person_id == AffectedPerson.id)
    for condition in _conditions(audience, channel):
        query = query.where(condition)
    return query.order_by(AffectedPerson.id)


def recipients(db: Session, audience: Mapping[str, Any], channel: Channel, *,
               after: uuid.UUID | None = None, limit: int = 500) -> Iterator[Recipient]:
    """The audience in id order, from just after `after`, at most `limit` people."""
    query = audience_people(audience, channel)
    if after is not None:
        query = query.where(AffectedPerson.id > after)
    for person, preference in db.execute(query.limit(limit)):
        phone = preference.phone if preference and preference.phone_verified_at else None
        locale = (preference.language if preference else None) or person.preferred_language or "en"
        yield Recipient(person.id, locale, phone or person.phone)


def _conditions(audience: Mapping[str, Any], channel: Channel) -> Iterator[Any]:
    if audience.get("incident"):
        yield exists().where(Exposure.person_id == AffectedPerson.id, Exposure.incident_id == Incident.id,
                             Incident.code == audience["incident"])
    if audience.get("custody_status"):
        yield AffectedPerson.custody_status.in_(audience["custody_status"])
    if audience.get("languages"):
        yield ContactPreference.language.in_(audience["languages"])
    if audience.get("remedy"):
        yield exists().where(PersonRemedy.person_id == AffectedPerson.id, PersonRemedy.remedy_id == Remedy.id,
                             Remedy.code == audience["remedy"])
    if "a_number_indexes" in audience:
        yield AffectedPerson.a_number_index.in_([bytes.fromhex(value) for value in audience["a_number_indexes"]])
    if channel is Channel.SMS:
        yield ContactPreference.channel == ContactChannel.SMS
        yield ContactPreference.opted_out_at.is_(None)
        yield or_(AffectedPerson.phone_index.is_not(None), ContactPreference.phone_verified_at.is_not(None))
        yield ~exists().where(SmsOptOut.opted_out_at.is_not(None), or_(
            SmsOptOut.phone_index == AffectedPerson.phone_index,
            and_(SmsOptOut.phone_index == ContactPreference.phone_index,
                 ContactPreference.phone_verified_at.is_not(None))))
    else:
        yield ContactPreference.channel == ContactChannel.LETTER
