"""Confirmation letters as PDF, rendered in memory with fpdf2, in the person's language.

Text is shaped with HarfBuzz (uharfbuzz), so Arabic letters join, Devanagari and Gurmukhi
form their conjuncts, and Arabic and Persian letters run right to left with their lines
aligned right. Fonts: see letter_fonts.py. The PDF's metadata holds a title and a creation
time, nothing personal.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import current_app
from flask_babel import force_locale, gettext
from fpdf import FPDF, XPos, YPos

from portal.i18n import long_date
from portal.messaging.letter_fonts import LetterFontMissing, font_files, typefaces_for
from portal.services.confirmation_letters import LetterContents, display_a_number
from portal.web.wording import CATEGORY_WORDS, STATUS_WORDS, describe_incident, remedy_words

__all__ = ["LetterFontMissing", "check_page_url", "render_letter"]

CHECK_ENDPOINT = "public.check_letter"
LINE = 5.5  # mm
BODY_SIZE = 11
BULLET_WIDTH = 6  # mm


class _LetterPdf(FPDF):
    """US Letter pages in one language, whose footer repeats the reference and numbers the pages."""

    def __init__(self, reference: str, locale: str) -> None:
        super().__init__(format="Letter")
        self._reference = reference
        self.right_to_left = Locale.parse(locale).text_direction == "rtl"
        self.align = "R" if self.right_to_left else "L"
        self.font_family_name = ""

    def use_fonts(self, locale: str, *texts: str) -> None:
        """Register the typefaces `locale` and `texts` need; the first is the letter's font."""
        font_dir = Path(current_app.config["LETTER_FONT_DIR"])
        typefaces = typefaces_for(locale, *texts)
        for typeface in typefaces:
            for style, path in font_files(typeface, font_dir).items():
                self.add_font(typeface.family, style, str(path))
        self.font_family_name = typefaces[0].family
        self.set_fallback_fonts([typeface.family for typeface in typefaces[1:]], exact_match=False)
        self.set_text_shaping(True, direction="rtl" if self.right_to_left else "ltr")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.font_family_name, size=9)
        pages = gettext("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        reference = gettext("Reference number: %(reference)s", reference=self._reference)
        self.cell(0, LINE, f"{reference}   {pages}", align="C")


def render_letter(contents: LetterContents, *, locale: str) -> bytes:
    """The letter as PDF bytes, every word in `locale`. Raises LetterFontMissing without the font."""
    with force_locale(locale):
        pdf = _LetterPdf(contents.reference, locale)
        pdf.use_fonts(locale, contents.family_name, contents.given_names)
        pdf.set_title(gettext("Confirmation letter"))
        pdf.set_lang(locale.replace("_", "-"))
        pdf.set_auto_page_break(auto=True, margin=22)
        pdf.add_page()
        _letterhead(pdf, contents)
        _incidents(pdf, contents)
        _remedies(pdf, contents)
        _how_to_check(pdf)
        return bytes(pdf.output())


def check_page_url() -> str:
    """The public address of the "check a confirmation letter" page, as printed on letters.

    Built from the route map, not the request, so letters rendered by a worker say the same."""
    path = current_app.url_map.bind("localhost").build(CHECK_ENDPOINT)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _letterhead(pdf: _LetterPdf, contents: LetterContents) -> None:
    _text(pdf, gettext("Data exposure help"), size=14, style="B")
    _text(pdf, current_app.config["PUBLIC_BASE_URL"], size=9)
    _text(pdf, gettext("Call the help line for free:") + " " + current_app.config["HELP_PHONE"], size=9)
    pdf.ln(8)
    _text(pdf, gettext("Confirmation letter"), size=18, style="B")
    pdf.ln(2)
    _text(pdf, gettext("Date of issue: %(date)s", date=long_date(contents.issued_at)))
    _text(pdf, gettext("Reference number: %(reference)s", reference=contents.reference), style="B")
    pdf.ln(4)
    _text(pdf, gettext("Family name: %(name)s", name=contents.family_name))
    _text(pdf, gettext("Given names: %(name)s", name=contents.given_names))
    _text(pdf, gettext("A-number: %(a_number)s", a_number=display_a_number(contents.a_number)))
    pdf.ln(4)
    _text(pdf, gettext("This letter confirms that the agency made your information public by mistake, as "
                       "described below. You can give this letter to a court or to your lawyer."))


def _incidents(pdf: _LetterPdf, contents: LetterContents) -> None:
    _heading(pdf, gettext("What was made public"))
    if not contents.incidents:
        _text(pdf, gettext("Our records do not show your information in any incident."))
    for item in contents.incidents:
        _text(pdf, long_date(item.incident.occurred_on), style="B")
        _text(pdf, describe_incident(item.incident))
        pdf.ln(1)
        _text(pdf, gettext("Your information was part of this. It showed:"))
        for category in item.categories:
            _bullet(pdf, str(CATEGORY_WORDS[category]))
        pdf.ln(2)
    _text(pdf, gettext("The agency has promised not to remove you before you can raise this in immigration court."))


def _remedies(pdf: _LetterPdf, contents: LetterContents) -> None:
    _heading(pdf, gettext("Help you can ask for"))
    if not contents.remedies:
        _text(pdf, gettext("Our records say none of this help applies to you now."))
        return
    _text(pdf, gettext("This is where each one stood on %(date)s:", date=long_date(contents.statuses_on)))
    for standing in contents.remedies:
        status = STATUS_WORDS[standing.record.status] if standing.record else ""
        _bullet(pdf, gettext("%(remedy)s: %(status)s", remedy=remedy_words(standing.remedy.code, "title"),
                             status=status))


def _how_to_check(pdf: _LetterPdf) -> None:
    _heading(pdf, gettext("Checking this letter"))
    _text(pdf, gettext("A court or a lawyer can check that this letter is genuine at %(url)s. They need the "
                       "reference number and the A-number printed on this letter.", url=check_page_url()))


def _heading(pdf: _LetterPdf, text: str) -> None:
    pdf.ln(4)
    _text(pdf, text, size=13, style="B")
    pdf.ln(1)


def _bullet(pdf: _LetterPdf, text: str) -> None:
    """A bullet on the side the lines start from, with the text indented beside it."""
    pdf.set_font(pdf.font_family_name, size=BODY_SIZE)
    top = pdf.get_y()
    bullet_x = pdf.l_margin + pdf.epw - BULLET_WIDTH if pdf.right_to_left else pdf.l_margin
    text_x = pdf.l_margin if pdf.right_to_left else pdf.l_margin + BULLET_WIDTH
    pdf.set_xy(bullet_x, top)
    pdf.cell(BULLET_WIDTH, LINE, "•", align="C")
    pdf.set_xy(text_x, top)
    pdf.multi_cell(pdf.epw - BULLET_WIDTH, LINE, text, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _text(pdf: _LetterPdf, text: str, *, size: int = BODY_SIZE, style: str = "") -> None:
    pdf.set_font(pdf.font_family_name, style=style, size=size)
    # Ragged, not fpdf2's default justification: even word spacing is easier to read.
    pdf.multi_cell(0, LINE if size <= BODY_SIZE else size * 0.5, text, align=pdf.align, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
