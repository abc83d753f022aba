"""Argon2id password hashing: m=19456 KiB, t=2, p=1 (OWASP's minimum for Argon2id).

argon2-cffi (a native library through cffi) is imported on the first hash or verification: most
requests of the functions that import this module (a token, not a password) never need it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from shared.settings import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# argon2-cffi's RFC 9106 "low memory" profile: the parameters the password hashes use.
REFERENCE_MEMORY_KIB = 19_456
REFERENCE_TIME_COST = 2
REFERENCE_PARALLELISM = 1


@lru_cache(maxsize=2)
def _hasher(fast: bool) -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    return PasswordHasher(
        time_cost=REFERENCE_TIME_COST,
        memory_cost=REFERENCE_MEMORY_KIB,
        parallelism=REFERENCE_PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


# Hashes of random secrets nobody knows, one per parameter set: verifying against them costs
# exactly what a real verification costs, with nothing computed at cold start.
_DUMMY_HASHES = {
    False: "$argon2id$v=19$m=19456,t=2,p=1$Ae+BaDM5qZSrCH24Ip472A$"
    "5Z9FT1bA0BbwnjAQbOFXU6jfQm875fHyRfy8oVFd0aM",
    True: "$argon2id$v=19$m=1024,t=1,p=1$cPSqPUWBLQayHlmDKTwPtw$"
    "gwVucXcpcwstsnGCAk62Aq19f8aYDXBl3Sv2Xh77GoY",
}


def _fast() -> bool:
    settings = get_settings()
    return settings.environment == "test" and settings.identity.argon2_fast_in_tests


def hasher() -> PasswordHasher:
    return _hasher(_fast())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification(password: str) -> None:
    """Verify against a hash nothing matches: unknown users take as long as wrong passwords."""
    verify_password(_DUMMY_HASHES[_fast()], password)
