"""Password rules, link lifetimes and password hashing of portal accounts."""

from datetime import UTC, datetime, timedelta

import pytest

from plenary_registration.adapters.passwords import hash_password, verify
from plenary_registration.domain.accounts import check_password, digest, ensure_usable, new_secret
from plenary_shared.errors import Gone, Invalid

NOW = datetime(2025, 11, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "12 characters"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("my name is zarina.fp ok", "e-mail address"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, words):
    with pytest.raises(Invalid, match=words):
        check_password(password, email="zarina.fp@example.org")


def test_a_long_passphrase_is_accepted():
    check_password("correct horse battery staple", email="zarina.fp@example.org")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"revoked_at": NOW}, "withdrawn"),
        ({"used_at": NOW}, "already used"),
        ({"expires_at": NOW}, "expired"),
    ],
)
def test_a_link_works_once_before_it_expires(kwargs, words):
    values = {"expires_at": NOW + timedelta(days=1), "used_at": None, "revoked_at": None, **kwargs}
    with pytest.raises(Gone, match=words):
        ensure_usable(**values, now=NOW, what="invitation")
    ensure_usable(
        expires_at=NOW + timedelta(seconds=1), used_at=None, revoked_at=None, now=NOW, what="x"
    )


def test_only_a_hash_of_the_secret_is_kept():
    token, stored = new_secret()
    assert len(token) >= 40 and token not in stored and stored == digest(token)
    assert new_secret()[0] != token


def test_argon2_hashes_verify_only_the_right_password():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify(stored, "correct horse battery staple")
    assert not verify(stored, "correct horse battery stapler")
    assert not verify(None, "correct horse battery staple")
