"""Confirmation letters in every language: the translated sentences are in the PDF's text,
every glyph is in the embedded fonts, right-to-left letters are aligned on the right, and a
picture of each first page is kept in test-artifacts/letters/ for a person to look at."""

from __future__ import annotations

import io
import logging
import unicodedata
from pathlib import Path

import pypdfium2
import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from portal.i18n import SUPPORTED_LOCALES
from portal.messaging.letters import render_letter
from tests.test_confirmation_letters import contents  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "letters"
RIGHT_TO_LEFT = {"ar", "fa"}
SCRIPT_OF = {"ar": "ARABIC", "fa": "ARABIC", "hi": "DEVANAGARI", "pa": "GURMUKHI", "zh_Hans": "CJK",
             "ru": "CYRILLIC"}
SENTENCES = (
    "Confirmation letter",
    "What was made public",
    "Your information was part of this. It showed:",
    "This letter confirms that the agency made your information public by mistake, as described below. You can "
    "give this letter to a court or to your lawyer.",
    "The agency has promised not to remove you before you can raise this in immigration court.",
)


def comparable(text: str, locale: str) -> str:
    """The letters of a text, in order, as text extraction can recover them from a PDF.

    Extraction loses what line wrapping and shaping move about: spaces and line breaks, the
    vowel signs that Devanagari and Gurmukhi draw before their consonant, Arabic vowel marks.
    It also maps some shaped glyphs to stray Latin letters. So only letters are compared, and
    for languages in another script only that script's letters."""
    letters = (char for char in text if unicodedata.category(char).startswith("L"))
    if locale in SCRIPT_OF:
        return "".join(char for char in letters if unicodedata.name(char, "").startswith(SCRIPT_OF[locale]))
    return "".join(letters)


def translated_sentences(locale: str) -> list[str]:
    with force_locale(locale):
        return [gettext(sentence) for sentence in SENTENCES]


@pytest.fixture
def letter_pdf(db, contents, caplog):  # noqa: F811
    def render(locale: str) -> pypdfium2.PdfDocument:
        caplog.set_level(logging.WARNING)
        data = render_letter(contents(), locale=locale)
        missing_glyphs = [record.getMessage() for record in caplog.records if "missing" in record.getMessage()]
        assert missing_glyphs == [], locale
        return data

    return render


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_letter_says_its_sentences_in_the_language_with_every_glyph_embedded(app, letter_pdf, locale):
    data = letter_pdf(locale)

    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = comparable(extracted, locale)
    for sentence in translated_sentences(locale):
        assert comparable(sentence, locale), f"{sentence!r} is not in the script of {locale}"
        assert comparable(sentence, locale) in text, (locale, sentence)
    if locale != "en":
        assert "Confirmation letter" not in extracted
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pypdfium2.PdfDocument(data)[0].render(scale=1.5).to_pil().save(ARTIFACTS / f"letter-{locale}.png")


@pytest.mark.parametrize("locale", ["en", "ar", "fa", "hi"])
def test_lines_start_on_the_side_the_language_reads_from(app, letter_pdf, locale):
    page = pypdfium2.PdfDocument(letter_pdf(locale))[0]
    width = page.get_width()
    text_page = page.get_textpage()
    title = translated_sentences(locale)[0]
    found = text_page.search(title.split()[0] if locale not in RIGHT_TO_LEFT else title.split()[-1])
    first = found.get_next()
    assert first is not None, locale
    left = text_page.get_charbox(first[0])[0]
    if locale in RIGHT_TO_LEFT:
        line_end = max(text_page.get_charbox(index)[2] for index in range(first[0], first[0] + first[1]))
        assert line_end > width * 0.8, "a right-to-left title ends at the right margin"
    else:
        assert left < width * 0.2, "a left-to-right title starts at the left margin"
