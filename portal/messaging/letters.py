"""Confirmation letters as PDF, rendered in memory with fpdf2, in the person's language.

The font is DejaVu Sans, embedded (subset) so names in Latin, Cyrillic, Greek and other
scripts it covers print as written. It is read from the folder in the `LETTER_FONT_DIR`
setting (default: where Debian's fonts-dejavu-core puts it); nothing is fetched at run time.
The PDF's metadata holds a title and a creation time, nothing personal.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date, gettext
from fpdf import FPDF, XPos, YPos

from portal.services.confirmation_letters import LetterContents, display_a_number
from portal.web.wording import CATEGORY_WORDS, STATUS_WORDS, describe_incident, remedy_words

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVuSans"
CHECK_ENDPOINT = "public.check_letter"
LINE = 5.5  # mm
BODY_SIZE = 11


class LetterFontMissing(RuntimeError):
    """The font the letters are printed in is not installed where the settings say."""


class _LetterPdf(FPDF):
    """US Letter pages whose footer repeats the reference and numbers the pages."""

    def __init__(self, reference: str) -> None:
        super().__init__(format="Letter")
        self._reference = reference

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=9)
        pages = gettext("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        reference = gettext("Reference number: %(reference)s", reference=self._reference)
        self.cell(0, LINE, f"{reference}   {pages}", align="C")


def render_letter(contents: LetterContents, *, locale: str) -> bytes:
    """The letter as PDF bytes, every word in `locale`. Raises LetterFontMissing without the font."""
    fonts = _font_files()
    with force_locale(locale):
        pdf = _LetterPdf(contents.reference)
        for style, path in fonts.items():
            pdf.add_font(FONT, style, str(path))
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


def _font_files() -> dict[str, Path]:
    directory = Path(current_app.config["LETTER_FONT_DIR"])
    files = {style: directory / name for style, name in FONT_FILES.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise LetterFontMissing(
            f"Confirmation letters need the DejaVu Sans font, not found at: {', '.join(missing)}. "
            "Install it (Debian and Ubuntu: apt-get install fonts-dejavu-core) or set LETTER_FONT_DIR "
            f"to a folder holding {' and '.join(FONT_FILES.values())}."
        )
    return files


def _letterhead(pdf: FPDF, contents: LetterContents) -> None:
    _text(pdf, gettext("Data exposure help"), size=14, style="B")
    _text(pdf, current_app.config["PUBLIC_BASE_URL"], size=9)
    _text(pdf, gettext("Call the help line for free:") + " " + current_app.config["HELP_PHONE"], size=9)
    pdf.ln(8)
    _text(pdf, gettext("Confirmation letter"), size=18, style="B")
    pdf.ln(2)
    _text(pdf, gettext("Date of issue: %(date)s", date=format_date(contents.issued_at, format="long")))
    _text(pdf, gettext("Reference number: %(reference)s", reference=contents.reference), style="B")
    pdf.ln(4)
    _text(pdf, gettext("Family name: %(name)s", name=contents.family_name))
    _text(pdf, gettext("Given names: %(name)s", name=contents.given_names))
    _text(pdf, gettext("A-number: %(a_number)s", a_number=display_a_number(contents.a_number)))
    pdf.ln(4)
    _text(pdf, gettext("This letter confirms that the agency made your information public by mistake, as "
                       "described below. You can give this letter to a court or to your lawyer."))


def _incidents(pdf: FPDF, contents: LetterContents) -> None:
    _heading(pdf, gettext("What was made public"))
    if not contents.incidents:
        _text(pdf, gettext("Our records do not show your information in any incident."))
    for item in contents.incidents:
        _text(pdf, format_date(item.incident.occurred_on, format="long"), style="B")
        _text(pdf, describe_incident(item.incident))
        pdf.ln(1)
        _text(pdf, gettext("Your information was part of this. It showed:"))
        for category in item.categories:
            _bullet(pdf, str(CATEGORY_WORDS[category]))
        pdf.ln(2)
    _text(pdf, gettext("The agency has promised not to remove you before you can raise this in immigration court."))


def _remedies(pdf: FPDF, contents: LetterContents) -> None:
    _heading(pdf, gettext("Help you can ask for"))
    if not contents.remedies:
        _text(pdf, gettext("Our records say none of this help applies to you now."))
        return
    _text(pdf, gettext("This is where each one stood on %(date)s:", date=format_date(contents.statuses_on,
                                                                                     format="long")))
    for standing in contents.remedies:
        status = STATUS_WORDS[standing.record.status] if standing.record else ""
        _bullet(pdf, gettext("%(remedy)s: %(status)s", remedy=remedy_words(standing.remedy.code, "title"),
                             status=status))


def _how_to_check(pdf: FPDF) -> None:
    _heading(pdf, gettext("Checking this letter"))
    _text(pdf, gettext("A court or a lawyer can check that this letter is genuine at %(url)s. They need the "
                       "reference number and the A-number printed on this letter.", url=check_page_url()))


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    _text(pdf, text, size=13, style="B")
    pdf.ln(1)


def _bullet(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, size=BODY_SIZE)
    pdf.cell(6, LINE, "•")
    pdf.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _text(pdf: FPDF, text: str, *, size: int = BODY_SIZE, style: str = "") -> None:
    pdf.set_font(FONT, style=style, size=size)
    # Left-aligned, not fpdf2's default justification: even word spacing is easier to read.
    pdf.multi_cell(0, LINE if size <= BODY_SIZE else size * 0.5, text, align="L", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
