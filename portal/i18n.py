"""Which language a page is shown in, and the languages the portal offers.

Order of choice: the person's explicit choice (session, then a long-lived cookie), then the
browser's Accept-Language, then English. Selecting is read-only; the `choose_language` view
is the only place a choice is written."""

from __future__ import annotations

from babel import Locale
from flask import Flask, g, has_request_context, request, session

from portal.extensions import babel

# Adding a language: its catalogue under translations/, and one entry here.
SUPPORTED_LOCALES = ("en", "es", "pt_BR", "ht", "zh_Hans", "pa", "hi", "ru", "fr", "ar", "fa", "tr")
DEFAULT_LOCALE = "en"
CHOICE_COOKIE = "locale"


def is_supported(code: str | None) -> bool:
    return code in SUPPORTED_LOCALES


def select_locale() -> str:
    """The locale for this request; outside a request (CLI, workers) English, unless the
    caller wraps its work in `force_locale`."""
    if not has_request_context():
        return DEFAULT_LOCALE
    for candidate in (session.get(CHOICE_COOKIE), request.cookies.get(CHOICE_COOKIE), g.get("person_locale")):
        if is_supported(candidate):
            return candidate
    accepted = [code.replace("_", "-") for code in SUPPORTED_LOCALES]
    best = request.accept_languages.best_match(accepted)
    return best.replace("-", "_") if best else DEFAULT_LOCALE


def language_choices() -> list[tuple[str, str]]:
    """Each supported language, named in itself ("Español", "العربية")."""
    return [(code, _own_name(code)) for code in SUPPORTED_LOCALES]


def _own_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
