"""How complete and how sound each language's catalogue is.

Used by `flask translations status` (for translators and reviewers) and by the tests, so a
language cannot ship with a missing, fuzzy or broken message. A message is broken when its
placeholders differ from the English ones, when it is the English text unchanged (except
names and examples, which stay as they are), or when a language with its own script is
written without it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from portal.config import REPOSITORY_ROOT
from portal.i18n import SUPPORTED_LOCALES
from portal.services.contact import US_STATES

TRANSLATIONS = REPOSITORY_ROOT / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

# The script each language is written in, by the prefix of Unicode character names.
SCRIPTS = {
    "ar": "ARABIC", "fa": "ARABIC", "hi": "DEVANAGARI", "pa": "GURMUKHI", "zh_Hans": "CJK",
    "ru": "CYRILLIC",
}



@dataclass
class CatalogueReport:
    locale: str
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    placeholder_mismatch: list[str] = field(default_factory=list)
    same_as_english: list[str] = field(default_factory=list)
    wrong_script: list[str] = field(default_factory=list)

    @property
    def problems(self) -> dict[str, list[str]]:
        return {
            "untranslated": self.untranslated, "fuzzy": self.fuzzy,
            "placeholders differ": self.placeholder_mismatch, "same as English": self.same_as_english,
            "not in the language's script": self.wrong_script,
        }

    @property
    def complete(self) -> bool:
        return not any(self.problems.values())

    @property
    def translated_share(self) -> float:
        return 1 - len(self.untranslated) / self.total if self.total else 1.0


def catalogue_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def translatable_locales() -> list[str]:
    """Every supported language but the source language, English."""
    return [code for code in SUPPORTED_LOCALES if code != "en"]


def check_catalogue(locale: str, path: Path | None = None) -> CatalogueReport:
    """Every problem in one language's catalogue (by default the committed one)."""
    with (path or catalogue_path(locale)).open("rb") as file:
        catalogue = read_po(file, locale=locale)
    report = CatalogueReport(locale)
    # Latin-script languages often write US place names as English does ("Texas").
    allowed_same = place_names() if locale not in SCRIPTS else frozenset()
    for message in _messages(catalogue):
        report.total += 1
        _check_message(message, report, allowed_same)
        _check_as_compiled(message, catalogue, report)
    return report


def _check_as_compiled(message: Message, catalogue: Catalog, report: CatalogueReport) -> None:
    """Babel's own checks, as `pybabel compile` runs them: it refuses a plural form that uses
    a placeholder its singular does not have, which the checks below would allow."""
    label = message.id[0] if isinstance(message.id, tuple) else message.id
    if all(message.string or ()) and message.check(catalogue) and label not in report.placeholder_mismatch:
        report.placeholder_mismatch.append(label)


def place_names() -> frozenset[str]:
    """Names that Latin-script languages often write as English does ("Texas", "Ohio")."""
    return frozenset(str(name) for name in US_STATES.values())


def _messages(catalogue: Catalog) -> Iterator[Message]:
    return (message for message in catalogue if message.id)


def _check_message(message: Message, report: CatalogueReport, allowed_same: frozenset[str]) -> None:
    sources = message.id if isinstance(message.id, tuple) else (message.id,)
    translations = message.string if isinstance(message.string, tuple) else (message.string,)
    label = sources[0]
    if not all(translations):
        report.untranslated.append(label)
        return
    if message.fuzzy:
        report.fuzzy.append(label)
    expected = _placeholders(sources[-1]) | _placeholders(sources[0])
    if any(_placeholders(text) != _placeholders(sources[0]) and _placeholders(text) != expected
           for text in translations):
        report.placeholder_mismatch.append(label)
    if translations[0] == sources[0] and label not in allowed_same:
        report.same_as_english.append(label)
    script = SCRIPTS.get(report.locale)
    if script and _has_words(sources[0]) and not all(_written_in(text, script) for text in translations):
        report.wrong_script.append(label)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", text)))


def _written_in(text: str, script: str) -> bool:
    """Most letters of the text (placeholders and Latin examples aside) are in the script."""
    letters = [char for char in PLACEHOLDER.sub("", text) if char.isalpha()]
    own = sum(1 for char in letters if unicodedata.name(char, "").startswith(script))
    return bool(letters) and own * 2 >= len(letters)
