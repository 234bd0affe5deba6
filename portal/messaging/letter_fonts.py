"""Which fonts a letter is printed in, so every script prints as written.

Each language's letters are set in a typeface for its script, with DejaVu Sans behind it for
Latin and Cyrillic (names, addresses, web addresses). A name in yet another script pulls in
that script's typeface too. The files come from Debian's font packages, installed by the
set-up (bin/setup-venv, the Dockerfile) under the `LETTER_FONT_DIR` setting; nothing is
fetched at run time. Fonts are embedded as subsets of the glyphs used.

Droid Sans Fallback (Chinese) has no bold weight: Chinese headings are set apart by size.
It is also the slowest to load (about 0.3 s), so it is only loaded when a letter needs it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Typeface:
    family: str
    regular: str  # path under LETTER_FONT_DIR
    bold: str | None  # None: the typeface has no bold weight
    package: str  # the Debian package that installs it
    script: str  # prefix of the Unicode character names it is needed for

    def files(self, font_dir: Path) -> dict[str, Path]:
        files = {"": font_dir / self.regular}
        if self.bold:
            files["B"] = font_dir / self.bold
        return files


LATIN = Typeface("DejaVuSans", "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core",
                 "LATIN")
ARABIC = Typeface("NotoNaskhArabic", "noto/NotoNaskhArabic-Regular.ttf", "noto/NotoNaskhArabic-Bold.ttf",
                  "fonts-noto-core", "ARABIC")
DEVANAGARI = Typeface("NotoSansDevanagari", "noto/NotoSansDevanagari-Regular.ttf",
                      "noto/NotoSansDevanagari-Bold.ttf", "fonts-noto-core", "DEVANAGARI")
GURMUKHI = Typeface("NotoSansGurmukhi", "noto/NotoSansGurmukhi-Regular.ttf", "noto/NotoSansGurmukhi-Bold.ttf",
                    "fonts-noto-core", "GURMUKHI")
HAN = Typeface("DroidSansFallback", "droid/DroidSansFallbackFull.ttf", None, "fonts-droid-fallback", "CJK")
TYPEFACES = (LATIN, ARABIC, DEVANAGARI, GURMUKHI, HAN)
TYPEFACE_BY_LOCALE = {"ar": ARABIC, "fa": ARABIC, "hi": DEVANAGARI, "pa": GURMUKHI}
# Chinese is set in DejaVu Sans with Droid Sans Fallback behind it: with Droid as the main
# font, fpdf2 2.8.9 garbles a Chinese line that follows a Latin-only one.
FALLBACK_BY_LOCALE = {"zh_Hans": HAN}


class LetterFontMissing(RuntimeError):
    """A font the letters are printed in is not installed where the settings say."""


def typefaces_for(locale: str, *texts: str) -> list[Typeface]:
    """The main typeface for `locale` first, then DejaVu Sans, then any other script's
    typeface that the language or `texts` (the person's name) need."""
    main = TYPEFACE_BY_LOCALE.get(locale, LATIN)
    chosen = [main] if main is LATIN else [main, LATIN]
    scripts = {_script_of(char) for text in texts for char in text if char.isalpha()}
    if locale in FALLBACK_BY_LOCALE:
        scripts.add(FALLBACK_BY_LOCALE[locale].script)
    chosen += [face for face in TYPEFACES if face.script in scripts and face not in chosen]
    return chosen


def font_files(typeface: Typeface, font_dir: Path) -> dict[str, Path]:
    """The typeface's files, or LetterFontMissing saying how to install them."""
    files = typeface.files(font_dir)
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise LetterFontMissing(
            f"Letters need the {typeface.family} font, not found at: {', '.join(missing)}. Install it "
            f"(Debian and Ubuntu: apt-get install {typeface.package}) or set LETTER_FONT_DIR to the folder "
            f"holding {typeface.regular}."
        )
    return files


def _script_of(char: str) -> str:
    return unicodedata.name(char, "").split(" ")[0]
