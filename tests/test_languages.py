"""Every page in every language: which language is chosen, the switcher, `lang` and `dir`,
and dates and country names written the way the language writes them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from portal.i18n import SUPPORTED_LOCALES
from portal.models import DataCategory, IncidentKind
from portal.services.incidents import add_incident
from portal.services.notice_codes import issue_notice_code
from tests.factories import add_person
from tests.pages import text_of
from tests.test_public_identify import identify, sign_in_with_notice_code
from tests.test_public_pages import PUBLIC_PAGES, parts

RIGHT_TO_LEFT = {"ar", "fa"}
OWN_NAMES = {"es": "Español", "ht": "Kreyòl ayisyen", "ar": "العربية", "pa": "ਪੰਜਾਬੀ", "fa": "فارسی",
             "zh_Hans": "简体中文", "ru": "Русский", "hi": "हिन्दी", "tr": "Türkçe", "fr": "Français",
             "pt_BR": "Português do Brasil", "en": "English"}
SIGNED_IN_PAGES = ["/you", "/you/exposure", "/you/remedies", "/you/remedies/release_review", "/you/contact",
                   "/you/contact/how", "/you/contact/phone", "/you/contact/letter", "/you/contact/language",
                   "/you/letter"]
OPEN_PAGES = [*PUBLIC_PAGES, "/help-in-your-language", "/help-in-your-language/mam"]


def choose_language(client, code: str, page: str = "/"):
    """What the switcher's link for `code` on `page` asks for (its form: see the switcher test)."""
    return client.get("/language", query_string={"next": page, "locale": code})


def shown_language(client, url: str = "/", **headers) -> str:
    return parts(text_of(client.get(url, headers=headers))).html_attributes["lang"]


@pytest.fixture
def farsi_speaker(db):
    person_id = add_person(db, a_number="201555077", preferred_language="fa")
    code = issue_notice_code(db, person_id)
    db.commit()
    return {"id": person_id, "a_number": "A-201-555-077", "born": date(1990, 3, 15), "notice_code": code}


# Which language


@pytest.mark.parametrize(("accept", "expected"), [
    ("es-MX,es;q=0.9,en;q=0.5", "es"), ("pt-BR", "pt-BR"), ("pt-PT", "pt-BR"), ("zh-CN,zh;q=0.9", "zh-Hans"),
    ("zh-TW", "zh-Hans"), ("fa-IR", "fa"), ("de-DE,ru;q=0.8", "ru"), ("de-DE", "en"), ("", "en"),
    ("en;q=0.2,ar;q=0.9", "ar"),
])
def test_the_browser_language_is_used_when_nothing_was_chosen(client, accept, expected):
    assert shown_language(client, "/", **{"Accept-Language": accept}) == expected


def test_an_explicit_choice_wins_over_the_browser_and_lasts_in_a_cookie(app, client):
    response = choose_language(client, "ht")

    assert response.status_code == 302
    assert "locale=ht" in response.headers["Set-Cookie"]
    assert shown_language(client, "/", **{"Accept-Language": "es"}) == "ht"
    later = app.test_client()
    later.set_cookie("locale", "ht")
    assert shown_language(later, "/check/a-number", **{"Accept-Language": "es"}) == "ht"


def test_a_signed_in_persons_language_on_record_wins_over_the_browser(client, farsi_speaker):
    sign_in_with_notice_code(client, farsi_speaker)

    assert shown_language(client, "/you", **{"Accept-Language": "es"}) == "fa"
    assert shown_language(client, "/", **{"Accept-Language": "es"}) == "fa"


def test_a_choice_on_this_device_wins_over_the_language_on_record(client, farsi_speaker):
    sign_in_with_notice_code(client, farsi_speaker)
    choose_language(client, "tr", page="/you")

    assert shown_language(client, "/you") == "tr"


def test_an_unknown_choice_changes_nothing(client):
    choose_language(client, "xx")

    assert shown_language(client, "/", **{"Accept-Language": "ru"}) == "ru"


# The switcher


def test_the_switcher_names_every_language_in_itself_and_works_without_javascript(client):
    page = text_of(client.get("/"))

    for code in SUPPORTED_LOCALES:
        tag, direction = code.replace("_", "-"), "rtl" if code in RIGHT_TO_LEFT else "ltr"
        assert f'lang="{tag}" dir="{direction}"' in page
        assert OWN_NAMES[code] in page
    switcher = page[page.index('<nav class="language-switcher"'):page.index("</nav>")]
    assert '<a href="/language?next=/&amp;locale=ar" hreflang="ar" lang="ar" dir="rtl">' in switcher
    assert 'href="/help-in-your-language"' in switcher


# Every page in every language


def all_pages(client, person) -> dict[str, str]:
    pages = {url: text_of(client.get(url)) for url in OPEN_PAGES}
    identify(client, person["a_number"], person["born"])
    for url in ("/check/date-of-birth", "/check/code", "/check/notice-code", "/check/text-code"):
        pages[url] = text_of(client.get(url))
    sign_in_with_notice_code(client, person)
    pages.update({url: text_of(client.get(url)) for url in SIGNED_IN_PAGES})
    return pages


@pytest.fixture
def english_pages(app, db, farsi_speaker):
    client = app.test_client()
    choose_language(client, "en")
    return all_pages(client, farsi_speaker)


@pytest.mark.parametrize("code", [code for code in SUPPORTED_LOCALES if code != "en"])
def test_every_page_renders_in_every_language_with_the_right_lang_and_dir(client, farsi_speaker, english_pages,
                                                                           code):
    choose_language(client, code)

    for url, html in all_pages(client, farsi_speaker).items():
        page = parts(html)
        assert page.html_attributes == {"lang": code.replace("_", "-"),
                                        "dir": "rtl" if code in RIGHT_TO_LEFT else "ltr"}, url
        assert _title(html) != _title(english_pages[url]), f"{url} has its English title in {code}"


def _title(html: str) -> str:
    return html[html.index("<title>"):html.index("</title>")]


# Dates, numbers and country names


@pytest.fixture
def incidents(db):
    add_incident(db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
                 exposure_hours=5, in_custody_on=date(2022, 11, 19), data_categories=[DataCategory.NAME])
    add_incident(db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
                 occurred_on=date(2022, 12, 7), disclosed_to_country="CU",
                 data_categories=[DataCategory.PROTECTION_CLAIM])
    db.commit()


@pytest.mark.parametrize(("code", "written"), [
    ("es", ["28 de noviembre de 2022", "Cuba"]),
    ("ru", ["28 ноября 2022", "Куб"]),
    ("fr", ["28 novembre 2022", "Cuba"]),
    ("ar", ["نوفمبر", "كوبا"]),
    ("fa", ["نوامبر", "کوبا"]),
    ("zh_Hans", ["2022年11月28日", "古巴"]),
    ("hi", ["नवंबर", "क्यूबा"]),
    ("tr", ["28 Kasım 2022", "Küba"]),
    ("ht", ["28 novanm 2022"]),
])
def test_dates_and_country_names_are_written_the_way_the_language_writes_them(client, incidents, code, written):
    choose_language(client, code)

    page = text_of(client.get("/"))

    for words in written:
        assert words in page, code


def test_the_stylesheet_mirrors_itself_with_logical_properties_only():
    stylesheet = (Path(__file__).resolve().parent.parent / "static" / "portal.css").read_text()

    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)|\b(?:left|right)\s*:|float\s*:|"
                          r"text-align\s*:\s*(?:left|right)", stylesheet)
    assert physical == []
