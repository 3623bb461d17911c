"""Sessions started by signing in, and the ended ones every service refuses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Row, delete, select, update

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import messaging, sessions
from plenary_shared.sessions import record_ended


class SessionRows(Rows):
    """registration.sessions and the ended-sessions table of the messaging schema."""

    async def add_session(
        self, *, session_id: uuid.UUID, account_id: uuid.UUID, expires_at: datetime, now: datetime
    ) -> None:
        """A new session of an account; its expired sessions go."""
        await self._conn.execute(
            delete(sessions).where(sessions.c.account_id == account_id, sessions.c.expires_at < now)
        )
        await self._conn.execute(
            sessions.insert().values(id=session_id, account_id=account_id, expires_at=expires_at)
        )

    async def end_session(self, session_id: uuid.UUID, *, now: datetime) -> Row | None:
        """End a session still open: its account and expiry, or None if it is not open."""
        return (
            await self._conn.execute(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.ended_at.is_(None))
                .values(ended_at=now)
                .returning(sessions.c.account_id, sessions.c.expires_at)
            )
        ).one_or_none()

    async def session_known(self, session_id: uuid.UUID) -> bool:
        """Whether this service started the session (open or ended)."""
        known = await self._conn.scalar(select(sessions.c.id).where(sessions.c.id == session_id))
        return known is not None

    async def record_ended_session(self, session_id: uuid.UUID, *, expires_at: datetime) -> None:
        """Remember an ended session so every request with its token is refused."""
        await record_ended(
            self._conn, messaging.ended_sessions, session_id=session_id, expires_at=expires_at
        )
