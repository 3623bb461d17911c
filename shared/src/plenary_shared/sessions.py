"""Ended sessions: every service refuses a token whose session was signed out.

Registration publishes `registration.session.ended` when someone signs out; each service keeps
the ended session ids in its own `ended_sessions` table (filled by its consumer, and by
registration in the transaction that ends the session), and refuses a token whose `sid` is
there: one primary-key lookup per request. A row can go once the token has expired anyway.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.registration import SessionEnded


async def record_ended(
    conn: AsyncConnection, table: Table, *, session_id: uuid.UUID, expires_at: datetime
) -> None:
    """Remember an ended session (again is a no-op), and forget those whose tokens expired."""
    await conn.execute(
        insert(table)
        .values(session_id=session_id, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=[table.c.session_id])
    )
    await conn.execute(delete(table).where(table.c.expires_at < datetime.now(UTC)))


def on_session_ended(table: Table):
    """The consumer handler that keeps a service's `ended_sessions` table."""

    async def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        ended = SessionEnded.model_validate(event.data)
        await record_ended(uow.conn, table, session_id=ended.sid, expires_at=ended.expires_at)

    handle.__name__ = "on_session_ended"
    return handle


class EndedSessions:
    """Whether a session was signed out, read from the service's own table."""

    def __init__(self, engine: AsyncEngine, table: Table) -> None:
        self._engine = engine
        self._table = table

    async def contains(self, session_id: uuid.UUID) -> bool:
        """True if the session was signed out (one indexed lookup)."""
        async with self._engine.connect() as conn:
            found = await conn.scalar(
                select(self._table.c.session_id).where(self._table.c.session_id == session_id)
            )
        return found is not None
