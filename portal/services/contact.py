"""How a verified person wants to be reached: SMS to a number they confirmed, a letter to an
address, or through their lawyer; and the language we write in.

Every change is the person's own choice (`chosen_at`, which also stops a later import from
overwriting it) and goes to the audit log, with no phone number or address in it. Nothing
here commits: the caller owns the transaction."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
import pycountry
from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from portal.i18n import DEFAULT_LOCALE, is_supported
from portal.models import (
    AffectedPerson,
    Attorney,
    AttorneyStatus,
    CodePurpose,
    ContactChannel,
    ContactPreference,
    OneTimeCode,
    Representation,
    SmsOptOut,
)
from portal.security.codes import generate_one_time_code
from portal.security.context import blind_index
from portal.security.hashing import hash_secret
from portal.services.audit import record_event
from portal.services.verification import ONE_TIME_CODE_LIFETIME, check_one_time_code, latest_usable_code

PHONE_CODES_PER_HOUR = 3
DEFAULT_PHONE_REGION = "US"

# USPS codes for the states, the District of Columbia and the inhabited territories, which
# all take domestic mail and ZIP codes. Named for the select; the address keeps the code.
US_STATES = {
    "AL": _l("Alabama"), "AK": _l("Alaska"), "AS": _l("American Samoa"), "AZ": _l("Arizona"),
    "AR": _l("Arkansas"), "CA": _l("California"), "CO": _l("Colorado"), "CT": _l("Connecticut"),
    "DE": _l("Delaware"), "DC": _l("District of Columbia"), "FL": _l("Florida"), "GA": _l("Georgia"),
    "GU": _l("Guam"), "HI": _l("Hawaii"), "ID": _l("Idaho"), "IL": _l("Illinois"), "IN": _l("Indiana"),
    "IA": _l("Iowa"), "KS": _l("Kansas"), "KY": _l("Kentucky"), "LA": _l("Louisiana"), "ME": _l("Maine"),
    "MD": _l("Maryland"), "MA": _l("Massachusetts"), "MI": _l("Michigan"), "MN": _l("Minnesota"),
    "MS": _l("Mississippi"), "MO": _l("Missouri"), "MT": _l("Montana"), "NE": _l("Nebraska"),
    "NV": _l("Nevada"), "NH": _l("New Hampshire"), "NJ": _l("New Jersey"), "NM": _l("New Mexico"),
    "NY": _l("New York"), "NC": _l("North Carolina"), "ND": _l("North Dakota"),
    "MP": _l("Northern Mariana Islands"), "OH": _l("Ohio"), "OK": _l("Oklahoma"), "OR": _l("Oregon"),
    "PA": _l("Pennsylvania"), "PR": _l("Puerto Rico"), "RI": _l("Rhode Island"), "SC": _l("South Carolina"),
    "SD": _l("South Dakota"), "TN": _l("Tennessee"), "TX": _l("Texas"), "VI": _l("U.S. Virgin Islands"),
    "UT": _l("Utah"), "VT": _l("Vermont"), "VA": _l("Virginia"), "WA": _l("Washington"),
    "WV": _l("West Virginia"), "WI": _l("Wisconsin"), "WY": _l("Wyoming"),
}
# Places with their own ISO code that US mail treats as domestic: addressed with a state code.
_DOMESTIC_TERRITORIES = {"US", "AS", "GU", "MP", "PR", "VI", "UM"}
_ZIP_CODE = re.compile(r"(\d{5})(?:-?(\d{4}))?")


class InvalidPhoneNumber(ValueError):
    """Not a phone number anywhere."""


class LandlineNumber(InvalidPhoneNumber):
    """A real number that cannot receive text messages."""


class InvalidZipCode(ValueError):
    """Not 5 or 9 digits."""


# Who changed a preference on the person's behalf: (actor type, actor id); None for the person.
Actor = tuple[str, str] | None


class NoAttorneyLinked(Exception):
    """The person has no attorney of record and no verified attorney acting for them."""


@dataclass(frozen=True)
class ContactSummary:
    """What a person sees about how we reach them."""

    channel: ContactChannel
    language: str
    phone: str | None
    phone_verified: bool
    postal_address: str | None
    sms_stopped: bool
    has_attorney: bool


def normalise_phone_number(text: str, *, default_region: str = DEFAULT_PHONE_REGION, mobile_only: bool = True) -> str:
    """The E.164 form of a typed phone number. Numbers without a country code are read as US
    numbers; a leading 00 (the international prefix outside North America) is read as +.
    Raises InvalidPhoneNumber, or (with `mobile_only`) LandlineNumber for a number that
    cannot get texts."""
    compact = "".join(unicodedata.normalize("NFKC", text or "").split())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    try:
        number = phonenumbers.parse(compact, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber
    if mobile_only and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise LandlineNumber
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_for_display(e164: str) -> str:
    """A stored number as people write it internationally, like +1 619-555-0142."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_zip_code(text: str) -> str:
    """A ZIP code as 12345 or 12345-6789, from any spacing; raises InvalidZipCode."""
    compact = "".join(_ascii_digits(unicodedata.normalize("NFKC", text or "")).split())
    match = _ZIP_CODE.fullmatch(compact)
    if match is None:
        raise InvalidZipCode
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def us_address(*, line1: str, line2: str | None, city: str, state: str, zip_code: str) -> str:
    """A US postal address in the USPS layout: street lines, then "CITY, ST 12345"."""
    if state not in US_STATES:
        raise ValueError("unknown state code")
    last_line = f"{_clean(city)}, {state} {normalise_zip_code(zip_code)}"
    return "\n".join(line for line in (_clean(line1), _clean(line2), last_line) if line)


def international_address(
    *, lines: list[str | None], city: str, region: str | None, postal_code: str | None, country: str
) -> str:
    """An address outside the US: street lines, town and region, postal code, then the
    country in English capitals on the last line, as the Universal Postal Union asks for mail
    leaving the US. Layouts differ by country; this order is one every post office reads."""
    country_name = international_countries().get(country)
    if country_name is None:
        raise ValueError("unknown country code")
    town = ", ".join(part for part in (_clean(city), _clean(region)) if part)
    parts = [*(_clean(line) for line in lines), town, _clean(postal_code), country_name.upper()]
    return "\n".join(part for part in parts if part)


def international_countries(locale: str = "en") -> dict[str, str]:
    """ISO 3166-1 country codes outside US domestic mail, named in `locale`."""
    names = Locale.parse(locale).territories
    english = Locale("en").territories
    return {
        country.alpha_2: names.get(country.alpha_2) or english.get(country.alpha_2) or country.name
        for country in pycountry.countries
        if country.alpha_2 not in _DOMESTIC_TERRITORIES
    }


def preference_of(db: Session, person_id: uuid.UUID) -> ContactPreference | None:
    """The person's contact preference; None when neither the import nor the person made one."""
    return db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))


def texting_number(person: AffectedPerson, preference: ContactPreference | None) -> str | None:
    """The number (E.164) texts to the person go to: the one they confirmed, else the one on
    the agency's list. Whether they may be texted at all is `texts_stopped` and the channel."""
    confirmed = preference.phone if preference is not None and preference.phone_verified_at else None
    return confirmed or person.phone


def message_locale(person: AffectedPerson, preference: ContactPreference | None) -> str:
    """The language to write texts and letters to the person in: the one they chose, else
    their language on the agency's list, else English; always a language the portal speaks."""
    chosen = (preference.language if preference is not None else None) or person.preferred_language
    return chosen if is_supported(chosen) else DEFAULT_LOCALE


def texts_stopped(db: Session, preference: ContactPreference | None, phone: str | None) -> bool:
    """Whether texts to the person are stopped: by their own choice, or by a STOP (in any
    language) from `phone`, the number they would go to. An opt-out holds for the number,
    whoever's record it is on."""
    if preference is not None and preference.opted_out_at is not None:
        return True
    return bool(numbers_that_said_stop(db, [phone] if phone else []))


def numbers_that_said_stop(db: Session, phones: Iterable[str]) -> set[str]:
    """Which of `phones` (E.164) said STOP, in any language, and not START since; one query."""
    by_index = {blind_index().phone(phone): phone for phone in phones}
    if not by_index:
        return set()
    stopped = db.scalars(select(SmsOptOut.phone_index).where(
        SmsOptOut.phone_index.in_(list(by_index)), SmsOptOut.opted_out_at.is_not(None)))
    return {by_index[index] for index in stopped}


def people_who_stopped_texts(db: Session, person_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these people chose, in the portal or through staff, to get no texts; one query."""
    return set(db.scalars(select(ContactPreference.person_id).where(
        ContactPreference.person_id.in_(list(person_ids)), ContactPreference.opted_out_at.is_not(None))))


def contact_summary(db: Session, person_id: uuid.UUID) -> ContactSummary:
    """The person's current contact preference, as they should see it."""
    preference = preference_of(db, person_id)
    if preference is None:
        return ContactSummary(ContactChannel.NONE, _person_language(db, person_id), None, False, None, False,
                              has_attorney(db, person_id))
    return ContactSummary(
        channel=preference.channel, language=preference.language, phone=preference.phone,
        phone_verified=preference.phone_verified_at is not None, postal_address=preference.postal_address,
        sms_stopped=preference.opted_out_at is not None, has_attorney=has_attorney(db, person_id),
    )


def has_attorney(db: Session, person_id: uuid.UUID) -> bool:
    """Whether there is a lawyer to contact: the attorney of record from the agency's list,
    or a verified attorney whose link to the person has not been revoked."""
    of_record = db.scalar(
        select(AffectedPerson.attorney_of_record_index.is_not(None)).where(AffectedPerson.id == person_id)
    )
    acting = db.scalar(select(exists().where(
        Representation.person_id == person_id, Representation.revoked_at.is_(None),
        Representation.attorney_id == Attorney.id, Attorney.status == AttorneyStatus.VERIFIED,
    )))
    return bool(of_record or acting)


def request_phone_confirmation(
    db: Session, person_id: uuid.UUID, phone_e164: str, *, locale: str, now: datetime
) -> bool:
    """Queue a 6-digit code for the number the person wants texts at; the sender delivers it
    (`code_delivery.deliver_pending_codes`). At most PHONE_CODES_PER_HOUR an hour per person:
    returns False, queueing nothing, when they have asked for that many already."""
    person = db.get(AffectedPerson, person_id)
    if person is None:
        raise ValueError("no such person")
    if _phone_codes_requested_recently(db, person, now=now) >= PHONE_CODES_PER_HOUR:
        return False
    code = generate_one_time_code()
    record = OneTimeCode(
        a_number_index=person.a_number_index, purpose=CodePurpose.CONFIRM_PHONE, person_id=person_id,
        code_hash=hash_secret(code), locale=locale, created_at=now, expires_at=now + ONE_TIME_CODE_LIFETIME,
    )
    record.phone = phone_e164
    record.code_for_delivery = code
    db.add(record)
    _audit(db, person_id, "contact.phone_code_requested", {"channel": ContactChannel.SMS.value})
    return True


def phone_awaiting_confirmation(db: Session, person_id: uuid.UUID, *, now: datetime) -> str | None:
    """The number (E.164) of the person's newest unused, unexpired confirmation code."""
    record = _newest_phone_code(db, person_id, now=now)
    return record.phone if record else None


def confirm_phone(db: Session, person_id: uuid.UUID, typed_code: str, *, now: datetime) -> bool:
    """Check the typed code against the newest confirmation code (10 minutes, 5 tries; a
    wrong code counts against it, so commit either way). If it matches, texts go to that
    number from now on, and an earlier "stop texts" is lifted: confirming is asking for them."""
    record = _newest_phone_code(db, person_id, now=now)
    if not check_one_time_code(record, typed_code, now=now) or record is None or record.phone is None:
        return False
    preference = _preference_for_change(db, person_id, now=now)
    preference.channel = ContactChannel.SMS
    preference.phone = record.phone
    preference.phone_index = blind_index().phone(record.phone)
    preference.phone_verified_at = now
    preference.opted_out_at = None
    _audit(db, person_id, "contact.phone_confirmed", {"channel": ContactChannel.SMS.value})
    return True


def choose_letter(db: Session, person_id: uuid.UUID, address: str, *, now: datetime) -> None:
    """Send notices by post to `address` (formatted by `us_address` or `international_address`)."""
    preference = _preference_for_change(db, person_id, now=now)
    preference.channel = ContactChannel.LETTER
    preference.postal_address = address
    _audit(db, person_id, "contact.letter_chosen", {"channel": ContactChannel.LETTER.value})


def choose_attorney(db: Session, person_id: uuid.UUID, *, now: datetime, actor: Actor = None) -> None:
    """Send notices to the person's lawyer. Refused (NoAttorneyLinked) when there is no
    lawyer to send them to, so that no one is left with a channel that reaches nobody: the
    lawyer must first be the attorney of record or link their account to the person."""
    if not has_attorney(db, person_id):
        raise NoAttorneyLinked
    preference = _preference_for_change(db, person_id, now=now)
    preference.channel = ContactChannel.ATTORNEY
    _audit(db, person_id, "contact.attorney_chosen", {"channel": ContactChannel.ATTORNEY.value}, actor)


def reach_without_attorney(db: Session, person_id: uuid.UUID) -> ContactChannel | None:
    """After a lawyer's access ended: when notices went to the person's lawyer and no lawyer
    is left, send them by text to the number texts would use (unless texts are stopped), else
    by letter to the address on file, else nowhere until the person chooses. Returns the
    channel now in force, or None when nothing changed. Not the person's choice, so
    `chosen_at` stays as it was."""
    preference = preference_of(db, person_id)
    if preference is None or preference.channel is not ContactChannel.ATTORNEY or has_attorney(db, person_id):
        return None
    person = db.get_one(AffectedPerson, person_id)
    phone = texting_number(person, preference)
    if phone and not texts_stopped(db, preference, phone):
        preference.channel = ContactChannel.SMS
    elif preference.postal_address or person.postal_address:
        preference.channel = ContactChannel.LETTER
    else:
        preference.channel = ContactChannel.NONE
    _audit(db, person_id, "contact.attorney_channel_ended", {"channel": preference.channel.value})
    return preference.channel


def choose_language(db: Session, person_id: uuid.UUID, locale: str, *, now: datetime, actor: Actor = None) -> None:
    """Write texts and letters to the person in `locale` (one of the supported locales)."""
    preference = _preference_for_change(db, person_id, now=now)
    preference.language = locale
    _audit(db, person_id, "contact.language_chosen", {"language": locale}, actor)


def stop_sms(db: Session, person_id: uuid.UUID, *, now: datetime, actor: Actor = None) -> ContactChannel:
    """Stop all text messages. If texts were the channel, letters take over when there is an
    address, otherwise nothing does; another channel the person chose is kept. Returns the
    channel now in force."""
    preference = _preference_for_change(db, person_id, now=now)
    preference.opted_out_at = now
    if preference.channel is ContactChannel.SMS:
        preference.channel = ContactChannel.LETTER if preference.postal_address else ContactChannel.NONE
    _audit(db, person_id, "contact.sms_stopped", {"channel": preference.channel.value}, actor)
    return preference.channel


def _preference_for_change(db: Session, person_id: uuid.UUID, *, now: datetime) -> ContactPreference:
    """The person's preference row (made if the import left none), marked as their choice."""
    preference = preference_of(db, person_id)
    if preference is None:
        preference = ContactPreference(
            person_id=person_id, channel=ContactChannel.NONE, language=_person_language(db, person_id)
        )
        db.add(preference)
    preference.chosen_at = now
    return preference


def _person_language(db: Session, person_id: uuid.UUID) -> str:
    language = db.scalar(select(AffectedPerson.preferred_language).where(AffectedPerson.id == person_id))
    return language or DEFAULT_LOCALE


def _newest_phone_code(db: Session, person_id: uuid.UUID, *, now: datetime) -> OneTimeCode | None:
    index = db.scalar(select(AffectedPerson.a_number_index).where(AffectedPerson.id == person_id))
    if index is None:
        return None
    return latest_usable_code(db, index, CodePurpose.CONFIRM_PHONE, now=now, person_id=person_id)


def _phone_codes_requested_recently(db: Session, person: AffectedPerson, *, now: datetime) -> int:
    return db.scalar(
        select(func.count()).select_from(OneTimeCode)
        .where(OneTimeCode.a_number_index == person.a_number_index, OneTimeCode.purpose == CodePurpose.CONFIRM_PHONE)
        .where(OneTimeCode.person_id == person.id, OneTimeCode.created_at > now - timedelta(hours=1))
    ) or 0


def _audit(db: Session, person_id: uuid.UUID, action: str, details: dict[str, Any], actor: Actor = None) -> None:
    """`actor` is who acted when it was not the person themselves (their attorney)."""
    actor_type, actor_id = actor or ("person", str(person_id))
    record_event(db, actor_type=actor_type, actor_id=actor_id, action=action,
                 subject_type="person", subject_id=str(person_id), details=details)


def _clean(value: str | None) -> str:
    """One line of an address: surrounding and repeated spaces removed, no line breaks."""
    return " ".join((value or "").split())


def _ascii_digits(text: str) -> str:
    return "".join(str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char for char in text)
