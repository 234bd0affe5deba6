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

from portal.messaging.sms import sms_sender
from portal.messaging.twilio_sms import SmsSendError
from portal.models import (
    AffectedPerson,
    Campaign,
    ContactChannel,
    ContactPreference,
    Notification,
    StaffUser,
)
from portal.security.a_numbers import normalise_a_number
from portal.security.context import blind_index
from portal.services.audit import record_event
from portal.services.contact import message_locale, preference_of, texting_number, texts_stopped
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
        return texting_number(self.person, self.preference)

    @property
    def language(self) -> str:
        """The language to write to the person in (a language the portal speaks)."""
        return message_locale(self.person, self.preference)


class NewsText(StrEnum):
    """What became of the "there is news" text."""

    SENT = "sent"
    NOT_BY_TEXT = "not_by_text"  # the person chose another channel, opted out, or has no number
    FAILED = "failed"


@dataclass(frozen=True)
class NewsTextToSend:
    """A "there is news" text ready to go: the number, and the text in the person's language."""

    phone: str
    body: str


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
        preference=preference_of(db, person_id),
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


def news_text_for(db: Session, person_id: uuid.UUID) -> NewsTextToSend | None:
    """The "there is news" text for the person, or None when they do not get texts (they
    chose another channel, stopped texts, or have no number). Reads the person and their
    contact preference only, and sends nothing: call it inside the transaction whose change
    the text announces, and `deliver_news_text` once that transaction is committed, so that
    nobody is told of news that was rolled back."""
    person = db.get(AffectedPerson, person_id)
    if person is None:
        return None
    preference = preference_of(db, person_id)
    phone = texting_number(person, preference)
    if phone is None or not _chose_texts(preference) or texts_stopped(db, preference, phone):
        return None
    return NewsTextToSend(phone, news_text(message_locale(person, preference)))


def deliver_news_text(db: Session, text: NewsTextToSend) -> NewsText:
    """Send a text made by `news_text_for`, now: SENT or FAILED. With the outbox backend the
    message is stored in `db`, for the outbox page: commit after; with Twilio it leaves now."""
    try:
        sms_sender(db).send(text.phone, text.body)
    except SmsSendError:
        return NewsText.FAILED
    return NewsText.SENT


def is_opted_out(db: Session, record: PersonRecord) -> bool:
    """Whether texts to this person are stopped, by their choice or by a STOP reply."""
    return texts_stopped(db, record.preference, record.contact_phone)


def _chose_texts(preference: ContactPreference | None) -> bool:
    return preference is not None and preference.channel is ContactChannel.SMS
