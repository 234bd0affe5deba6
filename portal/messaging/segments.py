"""How many SMS segments a text takes, and in which encoding.

A text is sent in GSM-7 when every character is in the GSM 03.38 alphabet (characters of its
extension table, like € and [, count twice), otherwise in UCS-2, counted in UTF-16 code
units. One segment holds 160 GSM-7 or 70 UCS-2 units; a longer text is split into parts of
153 or 67, the rest carrying the header that joins them again. The same arithmetic serves
the one-time code texts and the staff's campaign estimates."""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7 = "GSM-7"
UCS2 = "UCS-2"
_SINGLE = {GSM7: 160, UCS2: 70}
_PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SmsLength:
    encoding: str
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def measure(text: str) -> SmsLength:
    if is_gsm7(text):
        encoding, units = GSM7, sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    else:
        encoding, units = UCS2, len(text.encode("utf-16-le")) // 2
    segments = 1 if units <= _SINGLE[encoding] else math.ceil(units / _PART[encoding])
    return SmsLength(encoding, units, segments)
