"""Keyed hashes ("blind indexes") that let us find a row without storing the value.

HMAC-SHA256 under `LOOKUP_KEY`, which lives outside the database: a copy of the database
alone cannot be searched by guessing A-numbers. Each kind of value has its own domain label,
so an A-number and a phone number with the same digits never share an index value.
"""

from __future__ import annotations

import hashlib
import hmac

from portal.security.a_numbers import normalise_a_number

INDEX_LENGTH = 32


class BlindIndex:
    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError("LOOKUP_KEY must be at least 32 bytes")
        self._key = key

    def digest(self, domain: str, value: str) -> bytes:
        """HMAC of `value` in the given domain; the building block for every index."""
        message = domain.encode() + b"\x00" + value.encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def a_number(self, raw: str) -> bytes:
        """Index of an A-number in any accepted spelling (raises InvalidANumber)."""
        return self.digest("a-number", normalise_a_number(raw))

    def phone(self, e164: str) -> bytes:
        """Index of a phone number already in E.164 form."""
        return self.digest("phone", e164)

    def attorney_identifier(self, identifier: str) -> bytes:
        """Index of an EOIR ID or bar number, compared without case, spaces or hyphens."""
        compact = "".join(char for char in identifier.upper() if char.isalnum())
        return self.digest("attorney-identifier", compact)
