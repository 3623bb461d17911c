"""Signing in with e-mail and password (throttled), and password resets: a helpdesk link, a
self-service request, and setting the new password."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plenary_registration.adapters import passwords
from plenary_registration.adapters.links import Links
from plenary_registration.domain.accounts import check_password, digest, ensure_usable, new_secret
from plenary_registration.domain.throttle import Action
from plenary_registration.service_layer import sessions, throttle
from plenary_shared.errors import NotFound
from plenary_shared.events.registration import PasswordResetRequested

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

RESET_PAGE = "reset-password"


async def sign_in(
    uow: UnitOfWork[Repository],
    *,
    email: str,
    password: str,
    client: str | None,
    limits: throttle.Limits,
    private_key: str,
    hours: float,
) -> str | None:
    """A session token for the right e-mail and password; None otherwise (same time either way).

    Wrong passwords count against the e-mail address and the client; while either is locked,
    every attempt is refused with the wait (Throttled), the right password too.
    """
    keys = throttle.keys_of(email, client)
    await throttle.ensure_open(uow, action=Action.SIGN_IN, keys=keys, now=datetime.now(UTC))
    row = await uow.repo.account_with_email(email.lower())
    if not passwords.verify(row.password_hash if row else None, password) or row is None:
        lock = await throttle.count_strike(
            uow,
            action=Action.SIGN_IN,
            keys=keys,
            limits=limits,
            account_id=row.id if row else None,
            now=datetime.now(UTC),
        )
        await uow.commit()
        if lock:
            raise throttle.Throttled(lock)
        return None
    await throttle.clear_account(uow, action=Action.SIGN_IN, keys=keys, now=datetime.now(UTC))
    token = await sessions.start(uow, row, private_key=private_key, hours=hours)
    await uow.commit()
    return token


async def start_session(
    uow: UnitOfWork[Repository], *, account_id: uuid.UUID, private_key: str, hours: float
) -> str:
    """A session token for an account just made (signed in by accepting its invitation)."""
    row = await uow.repo.account(account_id)
    token = await sessions.start(uow, row, private_key=private_key, hours=hours)
    await uow.commit()
    return token


async def reset_link(
    uow: UnitOfWork[Repository], *, account_id: uuid.UUID, actor: str, hours: float
) -> str:
    """A one-time password reset link for an account (earlier unused links stop working)."""
    if not await uow.repo.account_exists(account_id):
        raise NotFound(f"account {account_id} does not exist")
    token, _ = await _new_reset(uow, account_id=account_id, actor=actor, hours=hours)
    uow.remember_result(account_id)
    await uow.commit()
    return token


async def _new_reset(
    uow: UnitOfWork[Repository], *, account_id: uuid.UUID, actor: str, hours: float
) -> tuple[str, datetime]:
    """A new reset link secret and its expiry; earlier unused links of the account stop working."""
    now = datetime.now(UTC)
    await uow.repo.retire_resets(account_id, now=now)
    token, token_hash = new_secret()
    expires_at = now + timedelta(hours=hours)
    await uow.repo.add_reset(
        id=uuid.uuid4(),
        account_id=account_id,
        token_hash=token_hash,
        expires_at=expires_at,
        created_by=actor,
    )
    return token, expires_at


async def request_reset(
    uow: UnitOfWork[Repository],
    *,
    email: str,
    client: str | None,
    limits: throttle.Limits,
    links: Links,
    hours: float,
    throttle_seconds: float,
) -> None:
    """E-mail a reset link to an account holder who forgot the password; silent for strangers.

    Every request counts against the e-mail address and the client, whether or not the address
    has an account, so a lock (Throttled) tells nothing either.
    """
    keys = throttle.keys_of(email, client)
    now = datetime.now(UTC)
    await throttle.ensure_open(uow, action=Action.PASSWORD_RESET, keys=keys, now=now)
    account = await uow.repo.account_with_email(email.lower(), for_update=True)
    await throttle.count_strike(
        uow,
        action=Action.PASSWORD_RESET,
        keys=keys,
        limits=limits,
        account_id=account.id if account else None,
        now=now,
    )
    if account is None:
        await uow.commit()
        return  # the same answer either way, so nobody learns which addresses have accounts
    now = datetime.now(UTC)
    recent = await uow.repo.recent_reset(
        account.id, since=now - timedelta(seconds=throttle_seconds)
    )
    if recent is not None:
        await uow.commit()
        return  # a link went out a moment ago; repeated clicks do not flood the mailbox
    token, expires_at = await _new_reset(
        uow, account_id=account.id, actor="self-service", hours=hours
    )
    sealed = links.sealed(RESET_PAGE, token)
    if sealed is not None:
        await uow.emit(
            PasswordResetRequested(
                account_id=account.id,
                email=account.email,
                language=account.language,
                expires_at=expires_at,
                sealed_link=sealed,
            ),
            subject=str(account.id),
        )
    await uow.commit()


async def reset_password(uow: UnitOfWork[Repository], *, token: str, password: str) -> None:
    """Set a new password with a reset link; the link then stops working."""
    row = await uow.repo.locked_reset_with_token(digest(token))
    if row is None:
        raise NotFound("this reset link is not valid; check it was copied whole")
    now = datetime.now(UTC)
    ensure_usable(
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=None,
        now=now,
        what="password reset link",
    )
    check_password(password, email=row.email)
    await uow.repo.set_password(
        row.account_id, password_hash=passwords.hash_password(password), now=now
    )
    await uow.repo.use_reset(row.id, now=now)
    await uow.commit()
