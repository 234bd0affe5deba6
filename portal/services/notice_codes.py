"""Notice codes: the secret a person receives by letter or SMS to prove who they are."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.models import NoticeCode, utcnow
from portal.security.codes import generate_notice_code, normalise_notice_code
from portal.security.hashing import hash_secret

HASHING_THREADS = 4


def issue_notice_code(db: Session, person_id: uuid.UUID, *, valid_for: timedelta | None = None) -> str:
    """Create a notice code for a person and return it in display form (`XXXXX-XXXXX`).

    Only the Argon2id hash of the normalised code is stored: the caller must put the returned
    code into the letter or SMS now, because it can never be read back. Without `valid_for`
    the code does not expire (it can still be revoked). Flushes, does not commit."""
    code = generate_notice_code()
    issued_at = utcnow()
    db.add(NoticeCode(
        person_id=person_id,
        code_hash=hash_notice_code(code),
        issued_at=issued_at,
        expires_at=issued_at + valid_for if valid_for is not None else None,
    ))
    db.flush()
    return code


def hash_notice_code(code: str) -> str:
    """The Argon2id hash stored for a generated code: of its normalised form."""
    normalised = normalise_notice_code(code)
    assert normalised is not None  # noqa: S101 - a generated code is always valid
    return hash_secret(normalised)


def new_notice_codes(count: int) -> list[tuple[str, str]]:
    """`count` fresh codes with their hashes, for a mailing. Hashed on several threads, as
    argon2-cffi releases the GIL: Argon2id costs about 30 ms a code."""
    codes = [generate_notice_code() for _ in range(count)]
    with ThreadPoolExecutor(HASHING_THREADS) as pool:
        return list(zip(codes, pool.map(hash_notice_code, codes), strict=True))
