"""What every letter PDF shares: US Letter pages, the fonts and HarfBuzz shaping for the
letter's language (right to left, aligned right, for Arabic and Persian), and the paragraph,
heading and bullet helpers. A document may hold letters in several languages one after
another (a letter batch): `use_language` switches fonts and direction between them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from babel import Locale
from flask import current_app
from flask_babel import gettext
from fpdf import FPDF, XPos, YPos

from portal.i18n import long_date
from portal.messaging.letter_fonts import font_files, typefaces_for
from portal.services.exposure import IncidentExposure
from portal.services.remedies import RemedyStanding
from portal.web.wording import CATEGORY_WORDS, STATUS_WORDS, describe_incident, remedy_words

LINE = 5.5  # mm
BODY_SIZE = 11
BULLET_WIDTH = 6  # mm


class LetterPdf(FPDF):
    """US Letter pages whose text is shaped in the language last chosen with `use_language`."""

    def __init__(self) -> None:
        super().__init__(format="Letter")
        self.right_to_left = False
        self.align = "L"
        self.font_family_name = ""
        self.shaping = True

    def use_language(self, locale: str, *texts: str, shaping: bool = True) -> None:
        """Set the text that follows in `locale`: its typeface first, with the typefaces
        `texts` (a name, an address) need behind it, and its writing direction. Fonts already
        registered by an earlier letter are reused. Raises LetterFontMissing without them.

        Without `shaping` the text is set glyph by glyph, five times faster: enough for
        Latin and Cyrillic text without combining marks, and nothing else."""
        self.right_to_left = Locale.parse(locale).text_direction == "rtl"
        self.align = "R" if self.right_to_left else "L"
        font_dir = Path(current_app.config["LETTER_FONT_DIR"])
        typefaces = typefaces_for(locale, *texts)
        for typeface in typefaces:
            for style, path in font_files(typeface, font_dir).items():
                if f"{typeface.family.lower()}{style}" not in self.fonts:  # fpdf2 warns on a second add
                    self.add_font(typeface.family, style, str(path))
        self.font_family_name = typefaces[0].family
        self.set_fallback_fonts([typeface.family for typeface in typefaces[1:]], exact_match=False)
        self.shaping = shaping
        self.set_direction()

    def set_direction(self, direction: str | None = "letter") -> None:
        """Shape the text that follows in `direction` ("ltr", "rtl", or None: each paragraph
        its own); by default in the letter's language's direction."""
        if direction == "letter":
            direction = "rtl" if self.right_to_left else "ltr"
        self.set_text_shaping(self.shaping, direction=direction if self.shaping else None)


def write_text(pdf: LetterPdf, text: str, *, size: int = BODY_SIZE, style: str = "", align: str | None = None) -> None:
    """A paragraph, on the side the language's lines start from unless `align` says otherwise."""
    pdf.set_font(pdf.font_family_name, style=style, size=size)
    # Ragged, not fpdf2's default justification: even word spacing is easier to read.
    pdf.multi_cell(0, LINE if size <= BODY_SIZE else size * 0.5, text, align=align or pdf.align,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write_heading(pdf: LetterPdf, text: str) -> None:
    pdf.ln(4)
    write_text(pdf, text, size=13, style="B")
    pdf.ln(1)


def write_bullet(pdf: LetterPdf, text: str) -> None:
    """A bullet on the side the lines start from, with the text indented beside it."""
    pdf.set_font(pdf.font_family_name, size=BODY_SIZE)
    top = pdf.get_y()
    bullet_x = pdf.l_margin + pdf.epw - BULLET_WIDTH if pdf.right_to_left else pdf.l_margin
    text_x = pdf.l_margin if pdf.right_to_left else pdf.l_margin + BULLET_WIDTH
    pdf.set_xy(bullet_x, top)
    pdf.cell(BULLET_WIDTH, LINE, "•", align="C")
    pdf.set_xy(text_x, top)
    pdf.multi_cell(pdf.epw - BULLET_WIDTH, LINE, text, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write_incidents(pdf: LetterPdf, incidents: Sequence[IncidentExposure]) -> None:
    """"What was made public": each incident the person was in, and what it showed."""
    write_heading(pdf, gettext("What was made public"))
    if not incidents:
        write_text(pdf, gettext("Our records do not show your information in any incident."))
    for item in incidents:
        write_text(pdf, long_date(item.incident.occurred_on), style="B")
        write_text(pdf, describe_incident(item.incident))
        pdf.ln(1)
        write_text(pdf, gettext("Your information was part of this. It showed:"))
        for category in item.categories:
            write_bullet(pdf, str(CATEGORY_WORDS[category]))
        pdf.ln(2)
    write_text(pdf, gettext("The agency has promised not to remove you before you can raise this in immigration "
                            "court."))


def write_remedies(pdf: LetterPdf, remedies: Sequence[RemedyStanding], as_of: date) -> None:
    """"Help you can ask for": each remedy that applies and where it stood on `as_of`."""
    write_heading(pdf, gettext("Help you can ask for"))
    if not remedies:
        write_text(pdf, gettext("Our records say none of this help applies to you now."))
        return
    write_text(pdf, gettext("This is where each one stood on %(date)s:", date=long_date(as_of)))
    for standing in remedies:
        status = STATUS_WORDS[standing.record.status] if standing.record else ""
        write_bullet(pdf, gettext("%(remedy)s: %(status)s", remedy=remedy_words(standing.remedy.code, "title"),
                                  status=status))
