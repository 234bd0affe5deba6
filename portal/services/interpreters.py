"""Help in another language: the spoken languages an interpreter can call back in, and the
call-back request itself (a phone number and a language, nothing else).

Many people in detention speak a language they do not read (Mam, K'iche', Q'anjob'al and
other Mayan languages among them), so each language is named in itself, never translated.
A request is not matched against the file: it says nothing about who is in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import InterpreterCallRequest
from portal.services.audit import record_event


@dataclass(frozen=True)
class SpokenLanguage:
    code: str  # ISO 639-1 where there is one, else ISO 639-3
    own_name: str
    english_name: str  # for staff
    direction: str = "ltr"


SPOKEN_LANGUAGES = (
    SpokenLanguage("es", "Español", "Spanish"),
    SpokenLanguage("mam", "Mam", "Mam"),
    SpokenLanguage("quc", "K'iche'", "K'iche'"),
    SpokenLanguage("kjb", "Q'anjob'al", "Q'anjob'al"),
    SpokenLanguage("knj", "Akateko", "Akateko"),
    SpokenLanguage("kek", "Q'eqchi'", "Q'eqchi'"),
    SpokenLanguage("cak", "Kaqchikel", "Kaqchikel"),
    SpokenLanguage("cac", "Chuj", "Chuj"),
    SpokenLanguage("ixl", "Ixil", "Ixil"),
    SpokenLanguage("pt", "Português", "Portuguese"),
    SpokenLanguage("ht", "Kreyòl ayisyen", "Haitian Creole"),
    SpokenLanguage("fr", "Français", "French"),
    SpokenLanguage("cmn", "普通话", "Mandarin"),
    SpokenLanguage("yue", "廣東話", "Cantonese"),
    SpokenLanguage("pa", "ਪੰਜਾਬੀ", "Punjabi"),
    SpokenLanguage("hi", "हिन्दी", "Hindi"),
    SpokenLanguage("gu", "ગુજરાતી", "Gujarati"),
    SpokenLanguage("bn", "বাংলা", "Bengali"),
    SpokenLanguage("ne", "नेपाली", "Nepali"),
    SpokenLanguage("ur", "اردو", "Urdu", "rtl"),
    SpokenLanguage("ta", "தமிழ்", "Tamil"),
    SpokenLanguage("ru", "Русский", "Russian"),
    SpokenLanguage("uk", "Українська", "Ukrainian"),
    SpokenLanguage("ro", "Română", "Romanian"),
    SpokenLanguage("ka", "ქართული", "Georgian"),
    SpokenLanguage("uz", "Oʻzbekcha", "Uzbek"),
    SpokenLanguage("tr", "Türkçe", "Turkish"),
    SpokenLanguage("ar", "العربية", "Arabic", "rtl"),
    SpokenLanguage("fa", "فارسی", "Persian (Farsi)", "rtl"),
    SpokenLanguage("prs", "دری", "Dari", "rtl"),
    SpokenLanguage("ps", "پښتو", "Pashto", "rtl"),
    SpokenLanguage("ckb", "کوردی", "Kurdish (Sorani)", "rtl"),
    SpokenLanguage("ti", "ትግርኛ", "Tigrinya"),
    SpokenLanguage("am", "አማርኛ", "Amharic"),
    SpokenLanguage("so", "Soomaali", "Somali"),
    SpokenLanguage("wo", "Wolof", "Wolof"),
    SpokenLanguage("fuc", "Pulaar", "Pulaar"),
    SpokenLanguage("ln", "Lingála", "Lingala"),
    SpokenLanguage("sw", "Kiswahili", "Swahili"),
    SpokenLanguage("vi", "Tiếng Việt", "Vietnamese"),
    SpokenLanguage("en", "English", "English"),
)
_BY_CODE = {language.code: language for language in SPOKEN_LANGUAGES}


class UnknownLanguage(LookupError):
    """Not one of SPOKEN_LANGUAGES."""


def spoken_language(code: str) -> SpokenLanguage:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownLanguage(code) from None


def request_call_back(db: Session, *, phone_e164: str, language_code: str, now: datetime) -> InterpreterCallRequest:
    """Store a call-back request (flushed, not committed) for a number already in E.164 form;
    any number that can take a call will do, landlines included. Raises UnknownLanguage and
    then stores nothing."""
    language = spoken_language(language_code)
    request = InterpreterCallRequest(language=language.code, phone=phone_e164, created_at=now)
    db.add(request)
    db.flush()
    record_event(db, actor_type="public", actor_id=None, action="interpreter.requested",
                 subject_type="interpreter_call_request", subject_id=str(request.id),
                 details={"language": language.code})
    return request
