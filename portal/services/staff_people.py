"""What staff see of a person: finding them by A-number, their whole record on one page, and
telling them by text that there is news in the portal.

Finding is by the A-number's blind index only (an exact match, never a scan or a partial
match), and every search and every view goes to the audit log with ids only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import DEFAULT_LOCALE, is_supported
from portal.messaging.sms import sms_sender
from portal.messaging.twilio_sms import SmsSendError
from portal.models import (
    AffectedPerson,
    Campaign,
    ContactChannel,
    ContactPreference,
    Notification,
    SmsOptOut,
    StaffUser,
)
from portal.security.a_numbers import normalise_a_number
from portal.security.context import blind_index
from portal.services.audit import record_event
from portal.services.exposure import IncidentExposure, exposure_of
from portal.services.remedies import RemedyStanding, remedies_of

SHOWN_PHONE_DIGITS = 2


@dataclass(frozen=True)
class NoticeSent:
    """One notification of a campaign to this person, as staff see it."""

    campaign_name: str
    notification: Notification


@dataclass(frozen=True)
class PersonRecord:
    """Everything the person page shows."""

    person: AffectedPerson
    preference: ContactPreference | None
    exposures: list[IncidentExposure]
    remedies: list[RemedyStanding]
    notices: list[NoticeSent]

    @property
    def contact_phone(self) -> str | None:
        """The number texts go to: the one the person confirmed, else the one on record."""
        confirmed = self.preference.phone if self.preference and self.preference.phone_verified_at else None
        return confirmed or self.person.phone

    @property
    def language(self) -> str:
        """The language to write to the person in (a language the portal speaks)."""
        chosen = (self.preference.language if self.preference else None) or self.person.preferred_language
        return chosen if is_supported(chosen) else DEFAULT_LOCALE


class NewsText(StrEnum):
    """What became of the "there is news" text."""

    SENT = "sent"
    NOT_BY_TEXT = "not_by_text"  # the person chose another channel, opted out, or has no number
    FAILED = "failed"


def find_person(db: Session, raw_a_number: str, staff: StaffUser) -> uuid.UUID | None:
    """The id of the person with exactly this A-number (any accepted spelling), or None.
    Raises InvalidANumber for text that is not an A-number; only a search that ran is
    recorded in the audit log (the result, never the number). Does not commit."""
    index = blind_index().a_number(normalise_a_number(raw_a_number))
    person_id = db.scalar(select(AffectedPerson.id).where(AffectedPerson.a_number_index == index))
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="staff.person_searched",
                 subject_type="person" if person_id else None, subject_id=str(person_id) if person_id else None,
                 details={"found": person_id is not None})
    return person_id


def person_record(db: Session, person_id: uuid.UUID) -> PersonRecord | None:
    """The person's whole record, or None when there is no such person. Reads only."""
    person = db.get(AffectedPerson, person_id)
    if person is None:
        return None
    return PersonRecord(
        person=person,
        preference=_preference_of(db, person_id),
        exposures=[item for item in exposure_of(db, person_id) if item.affected],
        remedies=[standing for standing in remedies_of(db, person_id) if standing.applies],
        notices=[NoticeSent(name, notification) for notification, name in db.execute(
            select(Notification, Campaign.name).join(Campaign, Campaign.id == Notification.campaign_id)
            .where(Notification.person_id == person_id).order_by(Notification.created_at))],
    )


def record_person_viewed(db: Session, person_id: uuid.UUID, staff: StaffUser) -> None:
    """Note in the audit log that this staff member opened the person's page. Does not commit."""
    record_event(db, actor_type="staff", actor_id=str(staff.id), action="staff.person_viewed",
                 subject_type="person", subject_id=str(person_id))


def masked_phone(phone: str | None) -> str | None:
    """All but the last two digits hidden: enough to tell numbers apart on the phone."""
    if not phone:
        return None
    return "•" * max(len(phone) - SHOWN_PHONE_DIGITS, 0) + phone[-SHOWN_PHONE_DIGITS:]


def news_text(locale: str) -> str:
    """The text telling a person there is news: where to read it, and nothing else (a text
    can be read by whoever holds the phone)."""
    with force_locale(locale):
        return gettext("There is news for you on the help portal. Sign in to read it: %(url)s",
                       url=current_app.config["PUBLIC_BASE_URL"])


def send_news_text(db: Session, person_id: uuid.UUID) -> NewsText:
    """Text the person that there is news, if they chose texts, have not opted out and have
    a number. With the outbox backend the text is stored for the outbox page; with Twilio it
    is sent now. Does not commit."""
    record = person_record(db, person_id)
    phone = record.contact_phone if record else None
    if record is None or phone is None or not _may_text(db, record.preference, phone):
        return NewsText.NOT_BY_TEXT
    try:
        sms_sender(db).send(phone, news_text(record.language))
    except SmsSendError:
        return NewsText.FAILED
    return NewsText.SENT


def _may_text(db: Session, preference: ContactPreference | None, phone: str) -> bool:
    if preference is None or preference.channel is not ContactChannel.SMS or preference.opted_out_at:
        return False
    return not _number_said_stop(db, phone)


def is_opted_out(db: Session, record: PersonRecord) -> bool:
    """Whether texts to this person are stopped, by their choice or by a STOP reply."""
    if record.preference and record.preference.opted_out_at:
        return True
    phone = record.contact_phone
    return phone is not None and _number_said_stop(db, phone)


def _number_said_stop(db: Session, phone: str) -> bool:
    return db.scalar(select(SmsOptOut.opted_out_at).where(
        SmsOptOut.phone_index == blind_index().phone(phone), SmsOptOut.opted_out_at.is_not(None))) is not None


def _preference_of(db: Session, person_id: uuid.UUID) -> ContactPreference | None:
    return db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))
