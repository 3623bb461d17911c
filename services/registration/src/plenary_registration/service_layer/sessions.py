"""Sessions: a sign-in starts one (its id is the token's `sid`), signing out ends it everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_registration.adapters.tables import messaging, sessions
from plenary_shared.auth import Principal, Role, mint_token
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Invalid
from plenary_shared.events.registration import SessionEnded
from plenary_shared.sessions import record_ended


async def start(conn: AsyncConnection, account, *, private_key: str, hours: float) -> str:
    """A new session of an account and its token (its expired sessions go); the caller commits."""
    session_id, now = uuid.uuid4(), datetime.now(UTC)
    expires_at = now + timedelta(hours=hours)
    await conn.execute(
        delete(sessions).where(sessions.c.account_id == account.id, sessions.c.expires_at < now)
    )
    await conn.execute(
        sessions.insert().values(id=session_id, account_id=account.id, expires_at=expires_at)
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


async def end(uow: UnitOfWork, *, principal: Principal) -> None:
    """Sign out: the session ends, this service refuses its token now, the others once told."""
    if principal.session_id is None:
        raise Invalid(
            "this token carries no session (no sid claim: it was not issued by signing in), "
            "so there is no session to end; it stays valid until it expires"
        )
    row = (
        await uow.conn.execute(
            update(sessions)
            .where(sessions.c.id == principal.session_id, sessions.c.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
            .returning(sessions.c.account_id, sessions.c.expires_at)
        )
    ).one_or_none()
    if row is None:
        known = await uow.conn.scalar(
            select(sessions.c.id).where(sessions.c.id == principal.session_id)
        )
        if known is None:
            raise Invalid("this token's session is not one this service started")
        return  # ended already
    await record_ended(
        uow.conn,
        messaging.ended_sessions,
        session_id=principal.session_id,
        expires_at=row.expires_at,
    )
    await uow.emit(
        SessionEnded(
            sid=principal.session_id, account_id=row.account_id, expires_at=row.expires_at
        ),
        subject=str(principal.session_id),
    )
    await uow.commit()
