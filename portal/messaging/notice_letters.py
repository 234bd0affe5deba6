"""Notice letters by post: one letter per person, each in its reader's language, merged into
one print-ready PDF per batch.

Each letter starts on a new page, and a letter with an odd number of pages is followed by a
blank page, so that printed on both sides no sheet carries two people's letters. The plain
notice code exists only in this PDF; nothing here stores it. The PDF's metadata holds a title
and a creation time, nothing personal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from flask import current_app
from flask_babel import force_locale, gettext

from portal.i18n import long_date
from portal.messaging.letter_fonts import FALLBACK_BY_LOCALE, TYPEFACE_BY_LOCALE, LetterFontMissing
from portal.messaging.letter_layout import LINE, LetterPdf, write_heading, write_incidents, write_remedies, write_text
from portal.services.exposure import IncidentExposure
from portal.services.remedies import RemedyStanding

__all__ = ["LetterFontMissing", "NoticeLetter", "render_batch"]

# Shown instead of a real code when a batch is laid out only to count its pages.
SAMPLE_CODE = "WWWWW-WWWWW"
# Scripts DejaVu Sans sets correctly glyph by glyph, without HarfBuzz.
_SIMPLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC"})


@dataclass(frozen=True)
class NoticeLetter:
    """Everything one notice letter says, gathered for the renderer."""

    locale: str
    full_name: str
    address: str  # one line per line of the envelope
    notice_code: str  # display form, XXXXX-XXXXX
    incidents: tuple[IncidentExposure, ...]  # only the incidents the person was in
    remedies: tuple[RemedyStanding, ...]  # only the remedies that apply to them
    written_on: datetime


class _BatchPdf(LetterPdf):
    """Many letters in one document; the footer numbers each letter's own pages."""

    def __init__(self) -> None:
        super().__init__()
        self.letter_first_page = 1
        self.footer_done = False  # the current page needs no footer now: drawn already, or blank

    def start_letter(self, letter: NoticeLetter) -> None:
        """Start `letter` on a new page, in its language and with the fonts its texts need."""
        self.add_page()
        self.footer_done = False
        self.letter_first_page = self.page
        self.use_language(letter.locale, letter.full_name, letter.address, shaping=needs_shaping(letter))

    def finish_letter(self) -> None:
        """Draw the last page's footer now, while the letter's language and fonts are set
        (fpdf2 would draw it only when the next page begins), then back an odd page count
        with a blank page, so that printed on both sides no sheet holds two letters."""
        self._draw_footer()
        self.footer_done = True
        if (self.page - self.letter_first_page + 1) % 2:
            self.add_page()
            self.footer_done = True

    def footer(self) -> None:
        if not self.footer_done:
            self._draw_footer()

    def _draw_footer(self) -> None:
        self.in_footer = True  # no automatic page break while writing in the bottom margin
        self.set_y(-15)
        self.set_font(self.font_family_name, size=9)
        self.cell(0, LINE, gettext("Page %(page)s", page=self.page - self.letter_first_page + 1), align="C")
        self.in_footer = False


def needs_shaping(letter: NoticeLetter) -> bool:
    """Whether the letter needs HarfBuzz: a language with its own typeface or written right
    to left, or a name or address in another script or with combining marks. Most letters
    (Latin script) do not, and are set much faster without it."""
    if letter.locale in TYPEFACE_BY_LOCALE or letter.locale in FALLBACK_BY_LOCALE:
        return True
    if Locale.parse(letter.locale).text_direction == "rtl":
        return True
    texts = letter.full_name + letter.address
    return any(unicodedata.combining(char) or (char.isalpha() and _script_of(char) not in _SIMPLE_SCRIPTS)
               for char in texts)


def _script_of(char: str) -> str:
    return unicodedata.name(char, "").split(" ")[0]


def render_batch(letters: Iterable[NoticeLetter]) -> tuple[bytes, int]:
    """The letters as one PDF, and its page count (always even). Every word of a letter is in
    its own `locale`. Raises LetterFontMissing without a font a letter needs."""
    pdf = _BatchPdf()
    pdf.set_title("Notice letters")
    pdf.set_auto_page_break(auto=True, margin=22)
    for letter in letters:
        with force_locale(letter.locale):
            pdf.start_letter(letter)
            _write_letter(pdf, letter)
            pdf.finish_letter()
    return bytes(pdf.output()), pdf.pages_count


def _write_letter(pdf: _BatchPdf, letter: NoticeLetter) -> None:
    _letterhead(pdf, letter)
    write_incidents(pdf, letter.incidents)
    write_remedies(pdf, letter.remedies, letter.written_on)
    _how_to_sign_in(pdf, letter)


def _letterhead(pdf: _BatchPdf, letter: NoticeLetter) -> None:
    write_text(pdf, gettext("Data exposure help"), size=14, style="B")
    write_text(pdf, current_app.config["PUBLIC_BASE_URL"], size=9)
    write_text(pdf, gettext("Call the help line for free:") + " " + current_app.config["HELP_PHONE"], size=9)
    pdf.ln(8)
    # The address block is where a window envelope shows it, whatever the letter's language;
    # each line is shaped in its own direction.
    pdf.set_direction(None)
    write_text(pdf, letter.full_name, align="L")
    write_text(pdf, letter.address, align="L")
    pdf.set_direction()
    pdf.ln(8)
    write_text(pdf, long_date(letter.written_on))
    pdf.ln(2)
    write_text(pdf, gettext("Important information about your data"), size=16, style="B")
    pdf.ln(2)
    write_text(pdf, gettext("We are writing to you because the agency made your information public by mistake. "
                            "This letter says what happened, what help you can ask for, and how to see the "
                            "details online."))


def _how_to_sign_in(pdf: _BatchPdf, letter: NoticeLetter) -> None:
    write_heading(pdf, gettext("See your details online"))
    write_text(pdf, gettext("Go to %(url)s and choose “Check if you were affected”. Type your A-number and your "
                            "date of birth, then this code:", url=current_app.config["PUBLIC_BASE_URL"]))
    pdf.ln(2)
    # A code reads left to right in every language.
    pdf.set_direction("ltr")
    write_text(pdf, letter.notice_code, size=18, style="B", align="C")
    pdf.set_direction()
    pdf.ln(2)
    write_text(pdf, gettext("Keep this code private. It works only with your A-number and date of birth."))
    write_text(pdf, gettext("If you cannot go online, or need help in your language:") + " "
               + gettext("Call the help line for free:") + " " + current_app.config["HELP_PHONE"])
