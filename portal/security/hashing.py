"""Argon2id for everything that is checked but never read back: passwords, notice codes,
one-time codes. The cost parameters are set here and nowhere else."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for Argon2id: 19 MiB of memory, two passes, one lane.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)


def hash_secret(secret: str) -> str:
    """Argon2id hash of a secret, with its salt and parameters, in the PHC string format."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when `secret` matches. With no stored hash it does the same work and says False,
    so the time taken does not tell whether there was anything to compare against."""
    try:
        return _hasher.verify(stored_hash or _placeholder_hash(), secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _placeholder_hash() -> str:
    return _hasher.hash("placeholder that no real secret equals")
