"""Confirmation letters as PDF, rendered in memory with fpdf2, in the person's language.

Text is shaped with HarfBuzz (uharfbuzz), so Arabic letters join, Devanagari and Gurmukhi
form their conjuncts, and Arabic and Persian letters run right to left with their lines
aligned right. Fonts: see letter_fonts.py. The PDF's metadata holds a title and a creation
time, nothing personal.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext

from portal.i18n import long_date
from portal.messaging.letter_fonts import LetterFontMissing
from portal.messaging.letter_layout import LINE, LetterPdf, write_heading, write_incidents, write_remedies, write_text
from portal.services.confirmation_letters import LetterContents, display_a_number

__all__ = ["LetterFontMissing", "check_page_url", "render_letter"]

CHECK_ENDPOINT = "public.check_letter"


class _LetterPdf(LetterPdf):
    """A confirmation letter, whose footer repeats the reference and numbers the pages."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self._reference = reference

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.font_family_name, size=9)
        pages = gettext("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        reference = gettext("Reference number: %(reference)s", reference=self._reference)
        self.cell(0, LINE, f"{reference}   {pages}", align="C")


def render_letter(contents: LetterContents, *, locale: str) -> bytes:
    """The letter as PDF bytes, every word in `locale`. Raises LetterFontMissing without the font."""
    with force_locale(locale):
        pdf = _LetterPdf(contents.reference)
        pdf.use_language(locale, contents.family_name, contents.given_names)
        pdf.set_title(gettext("Confirmation letter"))
        pdf.set_lang(locale.replace("_", "-"))
        pdf.set_auto_page_break(auto=True, margin=22)
        pdf.add_page()
        _letterhead(pdf, contents)
        write_incidents(pdf, contents.incidents)
        write_remedies(pdf, contents.remedies, contents.statuses_on)
        _how_to_check(pdf)
        return bytes(pdf.output())


def check_page_url() -> str:
    """The public address of the "check a confirmation letter" page, as printed on letters.

    Built from the route map, not the request, so letters rendered by a worker say the same."""
    path = current_app.url_map.bind("localhost").build(CHECK_ENDPOINT)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _letterhead(pdf: _LetterPdf, contents: LetterContents) -> None:
    write_text(pdf, gettext("Data exposure help"), size=14, style="B")
    write_text(pdf, current_app.config["PUBLIC_BASE_URL"], size=9)
    write_text(pdf, gettext("Call the help line for free:") + " " + current_app.config["HELP_PHONE"], size=9)
    pdf.ln(8)
    write_text(pdf, gettext("Confirmation letter"), size=18, style="B")
    pdf.ln(2)
    write_text(pdf, gettext("Date of issue: %(date)s", date=long_date(contents.issued_at)))
    write_text(pdf, gettext("Reference number: %(reference)s", reference=contents.reference), style="B")
    pdf.ln(4)
    write_text(pdf, gettext("Family name: %(name)s", name=contents.family_name))
    write_text(pdf, gettext("Given names: %(name)s", name=contents.given_names))
    write_text(pdf, gettext("A-number: %(a_number)s", a_number=display_a_number(contents.a_number)))
    pdf.ln(4)
    write_text(pdf, gettext("This letter confirms that the agency made your information public by mistake, as "
                            "described below. You can give this letter to a court or to your lawyer."))


def _how_to_check(pdf: _LetterPdf) -> None:
    write_heading(pdf, gettext("Checking this letter"))
    write_text(pdf, gettext("A court or a lawyer can check that this letter is genuine at %(url)s. They need the "
                            "reference number and the A-number printed on this letter.", url=check_page_url()))
