"""Sessions: a sign-in starts one (its id is the token's `sid`), signing out ends it everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plenary_shared.auth import Principal, Role, mint_token
from plenary_shared.errors import Invalid
from plenary_shared.events.registration import SessionEnded

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork


async def start(uow: UnitOfWork[Repository], account, *, private_key: str, hours: float) -> str:
    """A new session of an account and its token (its expired sessions go); the caller commits."""
    session_id, now = uuid.uuid4(), datetime.now(UTC)
    expires_at = now + timedelta(hours=hours)
    await uow.repo.add_session(
        session_id=session_id, account_id=account.id, expires_at=expires_at, now=now
    )
    subject = (
        str(account.application_id) if account.role == Role.PARTICIPANT.value else account.email
    )
    return mint_token(
        private_key_pem=private_key,
        role=account.role,
        subject=subject,
        delegation_id=account.delegation_id,
        session_id=session_id,
        ttl=timedelta(hours=hours),
    )


async def end(uow: UnitOfWork[Repository], *, principal: Principal) -> None:
    """Sign out: the session ends, this service refuses its token now, the others once told."""
    if principal.session_id is None:
        raise Invalid(
            "this token carries no session (no sid claim: it was not issued by signing in), "
            "so there is no session to end; it stays valid until it expires"
        )
    row = await uow.repo.end_session(principal.session_id, now=datetime.now(UTC))
    if row is None:
        if not await uow.repo.session_known(principal.session_id):
            raise Invalid("this token's session is not one this service started")
        return  # ended already
    await uow.repo.record_ended_session(principal.session_id, expires_at=row.expires_at)
    await uow.emit(
        SessionEnded(
            sid=principal.session_id, account_id=row.account_id, expires_at=row.expires_at
        ),
        subject=str(principal.session_id),
    )
    await uow.commit()
