"""Portal accounts: password rules and the life of an invitation or reset link, free of I/O."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from plenary_shared.errors import Gone, Invalid

MIN_PASSWORD = 12


def new_secret() -> tuple[str, str]:
    """A link secret and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def new_code() -> tuple[str, str]:
    """A six-digit code to prove control of an address, and its stored hash."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    return code, digest(code)


def masked(email: str) -> str:
    """An address shown without giving it away, e.g. o***@example.org."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def digest(token: str) -> str:
    """The stored form of a link secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str, *, email: str) -> None:
    """At least 12 characters, not just one repeated character, and not the e-mail address."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"the password must have at least {MIN_PASSWORD} characters")
    if len(set(password)) < 4:
        raise Invalid("the password repeats too few different characters; choose a longer phrase")
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        raise Invalid("the password must not contain the e-mail address")


def ensure_usable(
    *,
    expires_at: datetime,
    used_at: datetime | None,
    revoked_at: datetime | None,
    now: datetime,
    what: str,
) -> None:
    """A link works once, before it expires, unless it was revoked."""
    if revoked_at is not None:
        raise Gone(f"this {what} was withdrawn; ask the secretariat for a new one")
    if used_at is not None:
        raise Gone(f"this {what} was already used; sign in, or ask for a password reset")
    if now >= expires_at:
        raise Gone(f"this {what} expired on {expires_at:%Y-%m-%d %H:%M} UTC; ask for a new one")


def invitation_status(
    *,
    accepted_at: datetime | None,
    revoked_at: datetime | None,
    expires_at: datetime,
    now: datetime,
) -> str:
    """Where an invitation stands: accepted, revoked, expired or pending."""
    if accepted_at is not None:
        return "accepted"
    if revoked_at is not None:
        return "revoked"
    return "expired" if expires_at <= now else "pending"


def code_still_fresh(
    *,
    sent_at: datetime | None,
    expires_at: datetime | None,
    attempts: int,
    max_attempts: int,
    throttle_seconds: float,
    now: datetime,
) -> bool:
    """A code e-mailed moments ago stays valid rather than being replaced, unless it expired or
    was mistyped too often."""
    return (
        sent_at is not None
        and expires_at is not None
        and expires_at > now
        and attempts < max_attempts
        and (now - sent_at).total_seconds() < throttle_seconds
    )


def ensure_invitation_names(role: str, *, delegation_id: object, application_id: object) -> None:
    """A focal point is invited for a delegation, a participant for an application."""
    if role == "focal_point" and delegation_id is None:
        raise Invalid("a focal point invitation needs the delegation_id")
    if role == "participant" and application_id is None:
        raise Invalid("a participant invitation needs the application_id")
