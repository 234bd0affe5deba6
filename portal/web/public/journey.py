"""The answers typed during identification, kept between pages in the session cookie,
encrypted: the cookie is only signed by Flask, and a shared phone must not show anyone the
A-number or birth date typed on it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import session

from portal.security.a_numbers import InvalidANumber, normalise_a_number
from portal.security.context import field_cipher
from portal.security.encryption import DecryptionError
from portal.services.verification import IdentityClaim

_KEY = "identify"
_CONTEXT = b"public-journey"


def answers() -> dict[str, Any]:
    blob = session.get(_KEY)
    if not blob:
        return {}
    try:
        return json.loads(field_cipher().decrypt(blob, _CONTEXT))
    except (DecryptionError, ValueError):
        return {}


def remember(**values: Any) -> None:
    session[_KEY] = field_cipher().encrypt(json.dumps({**answers(), **values}), _CONTEXT)


def forget() -> None:
    session.pop(_KEY, None)


def claim() -> IdentityClaim | None:
    """The A-number and birth date typed so far, or None if a step is missing."""
    typed = answers()
    try:
        return IdentityClaim(normalise_a_number(typed["a_number"]), date.fromisoformat(typed["date_of_birth"]))
    except (KeyError, InvalidANumber, ValueError):
        return None
