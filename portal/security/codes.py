"""The codes people type: notice codes (sent in a letter or SMS) and one-time codes.

Notice codes are 10 characters from Crockford's base32 alphabet (digits and capital letters
without I, L, O and U), shown as `XXXXX-XXXXX`. Ten characters of 32 symbols are 50 bits of
entropy from `secrets`: enough that guessing is hopeless when each guess costs an Argon2id
verification and failed attempts are limited per A-number and per client, yet short enough
to read over the phone or copy from a letter. The alphabet has no letters that look like
digits, and typing mistakes that do (O for 0, I or L for 1) are read as what was meant.

One-time codes are 6 digits: they live minutes, are tried only a few times, and must be easy
to type on any phone keypad.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

NOTICE_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NOTICE_CODE_LENGTH = 10
ONE_TIME_CODE_DIGITS = 6

_GROUP = NOTICE_CODE_LENGTH // 2
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Whitespace of any kind, and the hyphens and dashes phone keyboards substitute for "-".
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_VALID = re.compile(f"[{NOTICE_CODE_ALPHABET}]{{{NOTICE_CODE_LENGTH}}}")


def generate_notice_code() -> str:
    """A new random notice code in display form, `XXXXX-XXXXX`."""
    code = "".join(secrets.choice(NOTICE_CODE_ALPHABET) for _ in range(NOTICE_CODE_LENGTH))
    return format_notice_code(code)


def format_notice_code(normalised: str) -> str:
    """Display form of a normalised code: two groups of five joined by a hyphen."""
    return f"{normalised[:_GROUP]}-{normalised[_GROUP:]}"


def normalise_notice_code(text: str) -> str | None:
    """The 10-character canonical form of what someone typed, or None if it cannot be a code.

    Case, spaces and hyphens do not matter; O is read as 0 and I or L as 1. Full-width
    characters and digits from other scripts (Arabic-Indic, Persian, Devanagari...) are read
    as their ASCII equivalents, because people type on phones set to their own language."""
    folded = _ascii_digits(unicodedata.normalize("NFKC", text))
    compact = _SEPARATORS.sub("", folded).upper().translate(_LOOK_ALIKES)
    return compact if _VALID.fullmatch(compact) else None


def generate_one_time_code() -> str:
    """A new random one-time code: six digits, leading zeros kept."""
    return f"{secrets.randbelow(10**ONE_TIME_CODE_DIGITS):0{ONE_TIME_CODE_DIGITS}d}"


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char for char in text
    )
