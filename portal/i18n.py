"""Which language a page is shown in, and the languages the portal offers.

Order of choice: the person's explicit choice (session, then a long-lived cookie), then, once
they are verified, their preferred language on record, then the browser's Accept-Language,
then English. Selecting is read-only; the `choose_language` view is the only place a choice
is written."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import cache

from babel import Locale
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, get_locale, to_user_timezone

from portal.extensions import babel

# Adding a language: its catalogue under translations/ (`pybabel init`), and one entry here.
SUPPORTED_LOCALES = ("en", "es", "pt_BR", "ht", "zh_Hans", "pa", "hi", "ru", "fr", "ar", "fa", "tr")
DEFAULT_LOCALE = "en"
CHOICE_COOKIE = "locale"
# CLDR's Haitian Creole data falls back to French month names ("novembre"); these are Kreyòl.
MONTH_NAMES = {"ht": ("janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb",
                      "novanm", "desanm")}
# Where CLDR's own name is not the one speakers write on a sign (it capitalises "Ayisyen").
OWN_NAMES = {"ht": "Kreyòl ayisyen", "zh_Hans": "简体中文", "pt_BR": "Português do Brasil"}


def is_supported(code: str | None) -> bool:
    return code in SUPPORTED_LOCALES


def select_locale() -> str:
    """The locale for this request; outside a request (CLI, workers) English, unless the
    caller wraps its work in `force_locale`."""
    if not has_request_context():
        return DEFAULT_LOCALE
    on_record = g.get("person_locale")
    if not is_supported(on_record):
        on_record = None
    return device_language() or on_record or _best_accepted_language() or DEFAULT_LOCALE


def device_language() -> str | None:
    """The language chosen with the switcher on this device (session, then cookie), if any."""
    for candidate in (session.get(CHOICE_COOKIE), request.cookies.get(CHOICE_COOKIE)):
        if is_supported(candidate):
            return candidate
    return None


def _best_accepted_language() -> str | None:
    """The browser's most preferred language we have, matched on the language alone when the
    region or script differs: a zh-CN or zh-TW reader gets Simplified Chinese, pt-PT gets
    Brazilian Portuguese, es-MX gets Spanish. Any of these beats English for them."""
    by_language = {code.split("_")[0]: code for code in SUPPORTED_LOCALES}
    for tag, _quality in request.accept_languages:  # werkzeug sorts by quality
        exact = tag.replace("-", "_")
        if is_supported(exact):
            return exact
        language = tag.split("-")[0].lower()
        if language in by_language:
            return by_language[language]
    return None


def language_choices() -> list[tuple[str, str]]:
    """Each supported language, named in itself ("Español", "العربية")."""
    return [(code, own_name(code)) for code in SUPPORTED_LOCALES]


@cache  # every page shows the switcher
def switcher_languages() -> tuple[tuple[str, str, str, str], ...]:
    """(code, name in itself, `lang` tag, text direction) of each supported language."""
    return tuple((code, own_name(code), language_tag(code), text_direction(code)) for code in SUPPORTED_LOCALES)


@cache  # forms that offer a language name every language too
def own_name(code: str) -> str:
    """The language's name in itself: "Español", "Kreyòl ayisyen", "العربية"."""
    if code in OWN_NAMES:
        return OWN_NAMES[code]
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def long_date(value: date) -> str:
    """A date written out in the page's language: "November 28, 2022", "28 de noviembre de
    2022", "28 novanm 2022"."""
    months = MONTH_NAMES.get(str(get_locale()))
    if not months:
        return format_date(value, format="long")
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return f"{value.day} {months[value.month - 1]} {value.year}"


def folded(text: str) -> str:
    """Text as compared and sorted regardless of case and accents: "Déportación" → "deportacion"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def language_tag(code: str) -> str:
    """The BCP 47 tag for `lang` attributes: pt_BR → pt-BR, zh_Hans → zh-Hans."""
    return code.replace("_", "-")


@cache
def text_direction(code: str) -> str:
    return Locale.parse(code).text_direction


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
