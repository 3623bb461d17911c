"""Queries of the scheduling schema."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters.tables import meetings, participants, sessions


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """One meeting, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def get_session(conn: AsyncConnection, session_id: UUID) -> Row | None:
    """One session, or None."""
    return (await conn.execute(select(sessions).where(sessions.c.id == session_id))).one_or_none()


async def list_meetings(
    conn: AsyncConnection, *, limit: int, offset: int, q: str | None
) -> tuple[list[Row], int]:
    """Meetings by start date, optionally filtered by a title search."""
    where = [meetings.c.title.ilike(f"%{q}%")] if q else []
    total = await conn.scalar(select(func.count()).select_from(meetings).where(*where))
    rows = (
        await conn.execute(
            select(meetings)
            .where(*where)
            .order_by(meetings.c.starts_on, meetings.c.title)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_sessions(
    conn: AsyncConnection, meeting_id: UUID, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A meeting's sessions in time order."""
    where = [sessions.c.meeting_id == meeting_id]
    total = await conn.scalar(select(func.count()).select_from(sessions).where(*where))
    rows = (
        await conn.execute(
            select(sessions)
            .where(*where)
            .order_by(sessions.c.starts_at, sessions.c.room)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_participants(
    conn: AsyncConnection, meeting_id: UUID, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A meeting's accredited participants by family name."""
    where = [participants.c.meeting_id == meeting_id]
    total = await conn.scalar(select(func.count()).select_from(participants).where(*where))
    rows = (
        await conn.execute(
            select(participants)
            .where(*where)
            .order_by(participants.c.family_name, participants.c.given_name)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0
