"""Texts people send back: opt-out, opt-in and help keywords in every supported language, and
any other reply, kept encrypted for staff.

Twilio honours only English opt-out keywords itself (DESIGN.md §7); the other languages are
ours. An opt-out is kept for the number (`SmsOptOut`, by blind index) and on the contact
preference of everyone whose texts go to that number. Answers never depend on whether the
number is in the file beyond the language they are written in, and go only to the phone that
wrote. Nothing here logs, and the audit log gets ids and language codes only. Nothing here
commits: the caller owns the transaction."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import force_locale, gettext
from sqlalchemy import and_, case, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.i18n import DEFAULT_LOCALE, is_supported
from portal.models import AffectedPerson, ContactPreference, InboundMessage, SmsOptOut
from portal.security.context import blind_index
from portal.services.audit import record_event
from portal.services.contact import InvalidPhoneNumber, normalise_phone_number

# One line per language: opt-out words | opt-in words | help words.
#
# Adding a language: add its line, with the words people there send to stop, restart and ask
# for help. Words are compared without case, accents (Latin, Cyrillic and Greek diacritics;
# Arabic short vowels, a hamza on alef except at a word's end, Persian/Arabic letter variants)
# or surrounding spaces and punctuation (see `fold`), so write each word once, spelt correctly.
# The FIRST opt-out and opt-in word of a line is the one our answers in that language tell
# people to reply with. A word may appear in several lines for one action (PARAR, توقف), never
# for two actions; English words are answered by Twilio, every other language by us.
# tests/test_webhooks.py checks every line (each supported locale needs one) and every word.
KEYWORDS = {
    "en": "STOP STOPALL UNSUBSCRIBE CANCEL END QUIT REVOKE OPTOUT | START YES UNSTOP | HELP INFO",
    "es": "PARA PARAR ALTO BAJA CANCELAR | EMPEZAR SÍ COMENZAR | AYUDA",
    "pt_BR": "PARAR SAIR CANCELAR | COMEÇAR | AJUDA",
    "ht": "SISPANN KANPE SÈ | KÒMANSE | ÈD",
    "zh_Hans": "停止 退订 退訂 取消 TD | 开始 開始 | 帮助 幫助",
    "pa": "ਬੰਦ ਰੋਕੋ | ਸ਼ੁਰੂ | ਮਦਦ",
    "hi": "बंद बन्द रोकें रोको | शुरू शुरु | मदद",
    "ru": "СТОП ОТПИСАТЬСЯ ОТПИСКА | СТАРТ | ПОМОЩЬ",
    "fr": "ARRÊT ARRÊTER DÉSABONNER | COMMENCER | AIDE",
    "ar": "توقف إيقاف إلغاء | ابدأ | مساعدة",
    "fa": "لغو توقف | شروع | کمک",
    "tr": "DUR İPTAL | BAŞLA | YARDIM",
}
TWILIO_LANGUAGE = "en"  # Twilio itself confirms its own (English) opt-out and opt-in keywords


class KeywordAction(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class Keyword:
    """One keyword as written in the table, what it does, and the languages it belongs to."""

    word: str
    action: KeywordAction
    languages: tuple[str, ...]


@dataclass(frozen=True)
class InboundSms:
    """A text as the provider hands it over."""

    message_sid: str
    sender: str
    body: str


# Combining marks dropped before comparing: Latin/Cyrillic/Greek diacritics, Arabic short
# vowels, madda and the tatweel. Indic vowel signs are letters, not accents, and are kept; so
# is the Arabic hamza, folded below only where it does not change the word.
_HAMZA_MARKS = (0x0654, 0x0655)
_DROPPED_MARKS = frozenset(
    mark for mark in [*range(0x0300, 0x0370), *range(0x064B, 0x0660), 0x0670, 0x0640] if mark not in _HAMZA_MARKS
)
_SAME_LETTER = str.maketrans({"ı": "i", "ٱ": "ا", "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"})
# Alef with hamza is often typed as a bare alef (ايقاف for إيقاف), except at the end of a
# word, where it makes another word: ابدأ is "start", أبدا "never".
_ALEF_WITH_HAMZA = str.maketrans({"أ": "ا", "إ": "ا"})


def fold(text: str) -> str:
    """The form a typed word and a keyword are compared in: compatibility-normalised, without
    surrounding spaces, punctuation or symbols, case-folded, without accents."""
    compact = unicodedata.normalize("NFKC", text)
    start, end = 0, len(compact)
    while start < end and _is_edge_noise(compact[start]):
        start += 1
    while end > start and _is_edge_noise(compact[end - 1]):
        end -= 1
    decomposed = unicodedata.normalize("NFD", compact[start:end].casefold())
    bare = unicodedata.normalize("NFC", "".join(char for char in decomposed if ord(char) not in _DROPPED_MARKS))
    return (bare[:-1].translate(_ALEF_WITH_HAMZA) + bare[-1:]).translate(_SAME_LETTER)


def _is_edge_noise(char: str) -> bool:
    return unicodedata.category(char)[0] in "PZSC"


def _parse_table(table: dict[str, str]) -> dict[str, Keyword]:
    """Each folded word → its keyword; the first spelling of a word shared by languages is kept."""
    found: dict[str, Keyword] = {}
    for language, line in table.items():
        for action, group in zip(KeywordAction, line.split("|"), strict=True):
            for word in group.split():
                known = found.setdefault(fold(word), Keyword(word, action, ()))
                if known.action is not action:
                    raise ValueError(f"keyword {word} ({language}) is already a {known.action} keyword")
                found[fold(word)] = Keyword(known.word, action, (*known.languages, language))
    return found


_BY_FOLDED_WORD = _parse_table(KEYWORDS)


def match_keyword(body: str) -> Keyword | None:
    """The keyword a whole text is, or None when it is anything else (or more than one word)."""
    return _BY_FOLDED_WORD.get(fold(body or ""))


def all_keywords() -> list[Keyword]:
    """Every keyword in the table, once each."""
    return list(_BY_FOLDED_WORD.values())


def reply_word(language: str, action: KeywordAction) -> str:
    """The word our answers in `language` tell people to send for `action`."""
    groups = KEYWORDS.get(language, KEYWORDS[DEFAULT_LOCALE]).split("|")
    return groups[list(KeywordAction).index(action)].split()[0]


def help_message(language: str, *, help_phone: str, website: str) -> str:
    """The answer to HELP: where to get help, and how to stop texts. The same for everyone
    writing in one language: it never says whether the number is known."""
    with force_locale(language):
        return gettext("For help, call %(phone)s or go to %(website)s. To stop texts, reply %(keyword)s.",
                       phone=help_phone, website=website, keyword=reply_word(language, KeywordAction.OPT_OUT))


def opt_out_message(language: str) -> str:
    """The confirmation of an opt-out sent in a language Twilio does not confirm itself."""
    with force_locale(language):
        return gettext("We will not send you any more notices by text. To get them again, reply %(keyword)s.",
                       keyword=reply_word(language, KeywordAction.OPT_IN))


def opt_in_message(language: str) -> str:
    """The confirmation of an opt-in sent in a language Twilio does not confirm itself."""
    with force_locale(language):
        return gettext("We will send you notices by text again. To stop them, reply %(keyword)s.",
                       keyword=reply_word(language, KeywordAction.OPT_OUT))


def handle_inbound_sms(
    db: Session, message: InboundSms, *, help_phone: str, website: str, now: datetime
) -> str | None:
    """Act on one text someone sent us and return the text to answer with (None: no answer).

    A keyword opts the number out or in, or asks for help; anything else is stored for staff,
    once per provider message id. A text without a sender or message id is ignored."""
    if not message.message_sid or not message.sender:
        return None
    phone = _e164(message.sender)
    phone_index = blind_index().phone(phone)
    keyword = match_keyword(message.body)
    if keyword is None:
        store_reply(db, message, phone=phone, phone_index=phone_index, now=now)
        return None
    if keyword.action is KeywordAction.HELP:
        language = _language_of(_preferences_for_phone(db, phone_index)) or keyword.languages[0]
        return help_message(language, help_phone=help_phone, website=website)
    stop = keyword.action is KeywordAction.OPT_OUT
    language = set_texts_stopped(db, phone_index, keyword, stop=stop, now=now)
    if language == TWILIO_LANGUAGE:
        return None
    return opt_out_message(language) if stop else opt_in_message(language)


def set_texts_stopped(db: Session, phone_index: bytes, keyword: Keyword, *, stop: bool, now: datetime) -> str:
    """Stop (`stop`) or restart texts to the number after an opt-out or opt-in keyword: the
    number's own opt-out record, and `opted_out_at` on every preference whose texts go to
    it. Repeating either changes nothing and records nothing. Returns the language to
    answer in: the person's, if the keyword is a word of it, else the keyword's own."""
    record = _opt_out_record(db, phone_index, keyword.word)
    # Read once the number is locked, so a keyword that waited for another sees its changes.
    preferences = _preferences_for_phone(db, phone_index)
    person_language = _language_of(preferences)
    language = person_language if person_language in keyword.languages else keyword.languages[0]
    number_changed = record.opted_out_at is None if stop else (record.opted_out_at is not None
                                                               or record.opted_in_at is None)
    if number_changed:
        record.opted_out_at, record.opted_in_at = (now, None) if stop else (None, now)
        record.keyword = keyword.word
    people = []
    for preference in preferences:
        if (preference.opted_out_at is None) is stop:
            preference.opted_out_at = now if stop else None
            people.append(preference.person_id)
    _audit(db, "sms.opted_out" if stop else "sms.opted_in", people, number_changed, language)
    return language


def store_reply(db: Session, message: InboundSms, *, phone: str, phone_index: bytes, now: datetime) -> bool:
    """Keep a reply for staff, sender and text encrypted. A message the provider delivers
    twice (same message id) is stored once: returns False the second time."""
    taken = select(InboundMessage.id).where(InboundMessage.provider_message_id == message.message_sid)
    if db.scalar(taken) is not None:
        return False
    record = InboundMessage(provider_message_id=message.message_sid, sender_index=phone_index, received_at=now)
    record.sender = phone
    record.body = message.body
    try:
        with db.begin_nested():  # the same message, delivered twice at once, loses the race here
            db.add(record)
    except IntegrityError:
        return False
    return True


def _e164(sender: str) -> str:
    """The sender as stored everywhere else (E.164); Twilio sends E.164 already, so a sender
    phonenumbers does not know (a short code) is kept as given."""
    try:
        return normalise_phone_number(sender, mobile_only=False)
    except InvalidPhoneNumber:
        return sender.strip()


def _preferences_for_phone(db: Session, phone_index: bytes) -> list[ContactPreference]:
    """Every preference whose texts go to this number: those holding it, and those holding no
    number of their own for people whose record has it. A person who has since confirmed
    another number is not stopped (or restarted) by whoever has the old one now.
    Those holding the number come first, then the most recently changed."""
    on_record = select(AffectedPerson.id).where(AffectedPerson.phone_index == phone_index)
    return list(db.scalars(
        select(ContactPreference).where(or_(
            ContactPreference.phone_index == phone_index,
            and_(ContactPreference.phone_index.is_(None), ContactPreference.person_id.in_(on_record)),
        )).order_by(
            case((ContactPreference.phone_index == phone_index, 0), else_=1),
            ContactPreference.updated_at.desc(), ContactPreference.id,
        )
    ))


def _language_of(preferences: list[ContactPreference]) -> str | None:
    """The language of the person a number reaches (the first of `_preferences_for_phone`,
    if several share it); None when it is not one the portal speaks."""
    language = preferences[0].language if preferences else None
    return language if is_supported(language) else None


def _opt_out_record(db: Session, phone_index: bytes, keyword: str) -> SmsOptOut:
    """The number's opt-out row, made if missing, and locked (on PostgreSQL) until commit so
    that two keywords from one number at once are applied one after the other."""
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(SmsOptOut).values(phone_index=phone_index, keyword=keyword)
               .on_conflict_do_nothing(index_elements=["phone_index"]))
    return db.scalars(
        select(SmsOptOut).where(SmsOptOut.phone_index == phone_index)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def _audit(db: Session, action: str, people: list[uuid.UUID], number_changed: bool, language: str) -> None:
    """One event per person whose preference changed, or one without a subject when only the
    number's own record did. Ids and the keyword's language only: never the number."""
    details = {"keyword_language": language}
    for person_id in people:
        record_event(db, actor_type="phone", actor_id=None, action=action, subject_type="person",
                     subject_id=str(person_id), details=details)
    if number_changed and not people:
        record_event(db, actor_type="phone", actor_id=None, action=action, details=details)
