"""Bearer tokens: Ed25519-signed JWTs verified by every service from the public key."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

ALGORITHM = "EdDSA"
# tokens verified lately, each kept until it expires (a client sends the same one many times)
VERIFIED_KEPT = 1024


class Role(StrEnum):
    """What a caller is to the platform."""

    ORGANISER = "organiser"
    ACCREDITATION_DESK = "accreditation_desk"
    FOCAL_POINT = "focal_point"
    PARTICIPANT = "participant"


class Principal(BaseModel):
    """The verified caller of a request (one object for every request of a token: frozen)."""

    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    delegation_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    token: str

    @property
    def is_organiser(self) -> bool:
        """Organiser staff (the accreditation desk included); what each may do is in the policies."""
        return self.role in (Role.ORGANISER, Role.ACCREDITATION_DESK)


class TokenVerifier:
    """Verifies tokens against the platform's public key."""

    def __init__(self, *, public_key_pem: str, audience: str, issuer: str) -> None:
        self._key = _public_key(public_key_pem) if public_key_pem else None
        self._audience = audience
        self._issuer = issuer
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises 401 otherwise.

        A token verified before is known by its exact text until it expires: the signature
        check (the costly part) is not repeated.
        """
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_KEPT:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        if self._key is None:
            raise _unauthorized("this service has no public key configured, so no token is valid")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "role"]},
            )
            principal = Principal(
                subject=claims["sub"],
                role=Role(claims["role"]),
                delegation_id=claims.get("delegation_id"),
                session_id=claims.get("sid"),
                token=token,
            )
            return principal, float(claims["exp"])
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("the token has expired; sign in again") from exc
        except (jwt.InvalidTokenError, ValueError) as exc:
            raise _unauthorized(
                "the token is not valid (bad signature, audience, issuer or claims); sign in again"
            ) from exc


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


_bearer = HTTPBearer(auto_error=False, description="A Plenary JWT (`make token`)")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; every /v1 route depends on this."""
    if credentials is None:
        raise _unauthorized("this route needs a bearer token: Authorization: Bearer <token>")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    ended = getattr(request.app.state, "ended_sessions", None)
    sid = principal.session_id
    if sid is not None and ended is not None and await ended.contains(sid):
        raise _unauthorized("this session was signed out; sign in again")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def generate_key_pair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def mint_token(
    *,
    private_key_pem: str,
    role: Role | str,
    subject: str,
    delegation_id: uuid.UUID | str | None = None,
    session_id: uuid.UUID | str | None = None,
    ttl: timedelta = timedelta(hours=12),
    audience: str = "plenary",
    issuer: str = "plenary",
) -> str:
    """Sign a token (development and tests; production tokens come from the identity provider)."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": str(Role(role)),
        "iat": now,
        "exp": now + ttl,
        "aud": audience,
        "iss": issuer,
    }
    if delegation_id is not None:
        claims["delegation_id"] = str(delegation_id)
    if session_id is not None:
        claims["sid"] = str(session_id)
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the token signing key must be an Ed25519 private key (PEM)")
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the token public key must be an Ed25519 public key (PEM)")
    return key
