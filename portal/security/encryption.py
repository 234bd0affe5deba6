"""Authenticated encryption of personal fields (AES-256-GCM).

Stored form: format version (1 byte) | key id (2 bytes, big-endian) | nonce (12) | ciphertext+tag.
The associated data binds each value to its table, column and row id, and to its header, so a
value copied into another row or column, or relabelled with another key id, fails to decrypt.

Keys come only from configuration (`DATA_KEYS="2:base64,1:base64"`, newest first). New values
are written under the first key; older keys stay listed until `flask rotate-keys` has moved
every value to the newest one.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BH")
_NONCE_LENGTH = 12


class DecryptionError(ValueError):
    """A stored value could not be authenticated: wrong row, wrong key, or tampered with."""


class KeyConfigurationError(ValueError):
    """`DATA_KEYS` is malformed. The message names the problem, never the key."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes]
    current_id: int

    @classmethod
    def parse(cls, setting: str) -> Keyring:
        """Read `id:base64key` pairs separated by commas; the first is used for new writes."""
        keys: dict[int, bytes] = {}
        order: list[int] = []
        for entry in filter(None, (part.strip() for part in setting.split(","))):
            key_id, _, encoded = entry.partition(":")
            if not key_id.isdigit() or not 0 < int(key_id) < 65536:
                raise KeyConfigurationError("each DATA_KEYS entry must start with a key id from 1 to 65535")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise KeyConfigurationError(f"DATA_KEYS key {key_id} is not valid base64") from None
            if len(key) != 32:
                raise KeyConfigurationError(f"DATA_KEYS key {key_id} must be 32 bytes (256 bits)")
            if int(key_id) in keys:
                raise KeyConfigurationError(f"DATA_KEYS lists key {key_id} twice")
            keys[int(key_id)] = key
            order.append(int(key_id))
        if not keys:
            raise KeyConfigurationError("DATA_KEYS holds no key")
        return cls(keys=keys, current_id=order[0])


def field_context(table: str, column: str, row_id: object) -> bytes:
    """The associated data that ties a value to one column of one row."""
    return f"{table}.{column}:{row_id}".encode()


class FieldCipher:
    def __init__(self, keyring: Keyring):
        self._keyring = keyring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    @property
    def current_key_id(self) -> int:
        return self._keyring.current_id

    def encrypt(self, plaintext: str, context: bytes) -> bytes:
        header = _HEADER.pack(FORMAT_VERSION, self.current_key_id)
        nonce = os.urandom(_NONCE_LENGTH)
        sealed = self._ciphers[self.current_key_id].encrypt(nonce, plaintext.encode(), header + context)
        return header + nonce + sealed

    def decrypt(self, blob: bytes, context: bytes) -> str:
        version, key_id = self.key_header(blob)
        cipher = self._ciphers.get(key_id)
        if version != FORMAT_VERSION or cipher is None:
            raise DecryptionError(f"no configured key {key_id} for format {version}")
        header_end = _HEADER.size
        nonce = blob[header_end:header_end + _NONCE_LENGTH]
        try:
            plaintext = cipher.decrypt(nonce, blob[header_end + _NONCE_LENGTH:], blob[:header_end] + context)
        except InvalidTag:
            raise DecryptionError("value does not belong to this row and column, or was altered") from None
        return plaintext.decode()

    @staticmethod
    def key_header(blob: bytes) -> tuple[int, int]:
        """(format version, key id) of a stored value."""
        if len(blob) < _HEADER.size + _NONCE_LENGTH + 16:
            raise DecryptionError("stored value is too short")
        return _HEADER.unpack_from(blob)

    def is_current(self, blob: bytes) -> bool:
        return self.key_header(blob)[1] == self.current_key_id
