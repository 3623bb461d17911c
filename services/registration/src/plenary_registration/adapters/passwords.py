"""Password hashing with argon2 (argon2-cffi's defaults: Argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# checked against when an e-mail has no account, so both cases take the same time
_DUMMY = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    """The stored form of a password."""
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; always does the work of one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
