"""Unit tests of token minting, verification and the delegation access rule."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import jwt
import pytest
from fastapi import HTTPException

from plenary_shared.auth import (
    Role,
    TokenVerifier,
    generate_key_pair,
    mint_token,
)


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def verifier(keys: tuple[str, str]) -> TokenVerifier:
    return TokenVerifier(public_key_pem=keys[1], audience="plenary", issuer="plenary")


def _refused(verifier: TokenVerifier, token: str) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        verifier.verify(token)
    assert caught.value.status_code == 401
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
    assert caught.value.detail in OUR_WORDS, "a 401 says our own words, never the JWT library's"
    return caught.value


OUR_WORDS = {
    "the token has expired; sign in again",
    "the token is not valid (bad signature, audience, issuer or claims); sign in again",
    "this service has no public key configured, so no token is valid",
}


def test_key_pair_is_pem() -> None:
    private_pem, public_pem = generate_key_pair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert generate_key_pair()[0] != private_pem


def test_round_trip_organiser(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="staff-1")
    principal = verifier.verify(token)
    assert principal.subject == "staff-1"
    assert principal.role is Role.ORGANISER
    assert principal.delegation_id is None
    assert principal.token == token
    assert principal.is_organiser


def test_round_trip_focal_point(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    delegation = uuid.uuid4()
    token = mint_token(
        private_key_pem=keys[0], role="focal_point", subject="fp-1", delegation_id=delegation
    )
    principal = verifier.verify(token)
    assert principal.role is Role.FOCAL_POINT
    assert principal.delegation_id == delegation
    assert not principal.is_organiser


def test_token_is_eddsa(keys: tuple[str, str]) -> None:
    token = mint_token(private_key_pem=keys[0], role=Role.PARTICIPANT, subject="p")
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


def test_expired_token_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = mint_token(
        private_key_pem=keys[0], role=Role.ORGANISER, subject="s", ttl=timedelta(seconds=-1)
    )
    assert "expired" in _refused(verifier, token).detail


def test_a_token_verified_before_is_known_without_its_signature_checked_again(
    keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(public_key_pem=keys[1], audience="plenary", issuer="plenary")
    token = mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="s")
    decoded = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append(1) or decode(*a, **k))
    assert verifier.verify(token) == verifier.verify(token)
    assert len(decoded) == 1


def test_a_known_token_is_refused_once_it_expires(
    keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = TokenVerifier(public_key_pem=keys[1], audience="plenary", issuer="plenary")
    token = mint_token(
        private_key_pem=keys[0], role=Role.ORGANISER, subject="s", ttl=timedelta(seconds=30)
    )
    verifier.verify(token)
    later = time.time() + 31
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _Clock(later))
    assert "expired" in _refused(verifier, token).detail


class _Clock:
    """`datetime` for PyJWT, at a fixed moment."""

    def __init__(self, at: float) -> None:
        self._at = at

    def now(self, tz=None) -> datetime:
        return datetime.fromtimestamp(self._at, tz)


def test_token_signed_by_another_key_refused(verifier: TokenVerifier) -> None:
    other_private, _ = generate_key_pair()
    token = mint_token(private_key_pem=other_private, role=Role.ORGANISER, subject="s")
    detail = _refused(verifier, token).detail
    assert "not valid" in detail


def test_wrong_audience_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="s", audience="other")
    _refused(verifier, token)


def test_wrong_issuer_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="s", issuer="evil")
    _refused(verifier, token)


def test_garbage_token_refused(verifier: TokenVerifier) -> None:
    _refused(verifier, "not.a.jwt")


def test_tampered_token_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    token = mint_token(private_key_pem=keys[0], role=Role.PARTICIPANT, subject="s")
    header, _claims, signature = token.split(".")
    forged_claims = jwt.api_jws.base64url_encode(
        b'{"sub":"s","role":"organiser","exp":9999999999,"aud":"plenary","iss":"plenary"}'
    ).decode()
    _refused(verifier, f"{header}.{forged_claims}.{signature}")


def test_unknown_role_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(keys[0].encode(), password=None)
    token = jwt.encode(
        {"sub": "s", "role": "emperor", "exp": 9999999999, "aud": "plenary", "iss": "plenary"},
        key,
        algorithm="EdDSA",
    )
    _refused(verifier, token)


def test_missing_role_claim_refused(keys: tuple[str, str], verifier: TokenVerifier) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(keys[0].encode(), password=None)
    token = jwt.encode(
        {"sub": "s", "exp": 9999999999, "aud": "plenary", "iss": "plenary"}, key, algorithm="EdDSA"
    )
    _refused(verifier, token)


def test_unsigned_token_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(
        {"sub": "s", "role": "organiser", "exp": 9999999999, "aud": "plenary", "iss": "plenary"},
        None,
        algorithm="none",
    )
    _refused(verifier, token)


def test_verifier_without_public_key_refuses_everything(keys: tuple[str, str]) -> None:
    verifier = TokenVerifier(public_key_pem="", audience="plenary", issuer="plenary")
    token = mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="s")
    assert "no public key" in _refused(verifier, token).detail
