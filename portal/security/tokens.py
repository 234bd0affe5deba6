"""Session tokens: the cookie holds a random token, the database only its SHA-256.

A 256-bit random token needs no slow hash: nobody can guess it, so a copy of the database
alone does not let anyone resume a session."""

from __future__ import annotations

import hashlib
import secrets


def new_session_token() -> tuple[str, bytes]:
    """A fresh token for the cookie, and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
