"""The application's configured key holders, looked up from the current app context.

Models, services, CLI commands and workers all run inside an app context, so they share one
place to find the keys without passing them through every call."""

from __future__ import annotations

import base64

from flask import Flask, current_app

from portal.security.blind_index import BlindIndex
from portal.security.encryption import FieldCipher, Keyring

_CIPHER = "portal.field_cipher"
_BLIND_INDEX = "portal.blind_index"


def init_app(app: Flask) -> None:
    app.extensions[_CIPHER] = FieldCipher(Keyring.parse(app.config["DATA_KEYS"]))
    app.extensions[_BLIND_INDEX] = BlindIndex(base64.b64decode(app.config["LOOKUP_KEY"]))


def field_cipher() -> FieldCipher:
    return current_app.extensions[_CIPHER]


def blind_index() -> BlindIndex:
    return current_app.extensions[_BLIND_INDEX]
