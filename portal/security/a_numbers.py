"""A-numbers (alien registration numbers): parsing and display.

Accepted: 8 or 9 digits, optionally behind an `A`, with spaces, hyphens or dots between
groups (`A-123-456-789`, `A123456789`, `12345678`, `a 123 456 789`). Digits from any script
(Arabic-Indic, Devanagari, ...) are read as the same digits, because people type on phones
set to their own language. Eight-digit numbers are padded to nine, as the agency does.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-.]+")
_NINE_DIGITS = re.compile(r"[0-9]{8,9}")


class InvalidANumber(ValueError):
    """The text is not an A-number. The message never repeats the text."""


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(char)) if unicodedata.decimal(char, None) is not None else char
        for char in text
    )


def normalise_a_number(raw: str) -> str:
    """Return the A-number as exactly nine ASCII digits, or raise InvalidANumber."""
    text = _SEPARATORS.sub("", _ascii_digits(raw.strip()))
    if text[:1] in ("A", "a"):
        text = text[1:]
    if not _NINE_DIGITS.fullmatch(text) or not text.strip("0"):
        raise InvalidANumber("not an A-number")
    return text.zfill(9)


def masked_a_number(normalised: str) -> str:
    """Show only the last three digits, for lists where the full number is not needed."""
    return "A-•••-•••-" + normalised[-3:]
