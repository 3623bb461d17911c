"""Queries of the delegation schema."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_delegation.adapters.tables import delegations, meetings


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """A meeting from the projection, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def remember_meeting(conn: AsyncConnection, **values) -> None:
    """Add a meeting to the projection (from an event or from asking scheduling)."""
    await conn.execute(insert(meetings).values(**values).on_conflict_do_nothing())


async def get_delegation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """One delegation, or None."""
    query = select(delegations).where(delegations.c.id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def list_delegations(
    conn: AsyncConnection, meeting_id: UUID, *, only: UUID | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A meeting's delegations by name; `only` restricts to one delegation."""
    where = [delegations.c.meeting_id == meeting_id]
    if only is not None:
        where.append(delegations.c.id == only)
    total = await conn.scalar(select(func.count()).select_from(delegations).where(*where))
    rows = (
        await conn.execute(
            select(delegations)
            .where(*where)
            .order_by(delegations.c.name)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def claim_seat(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """Take one seat of the quota atomically; None when it is full."""
    d = delegations
    return (
        await conn.execute(
            update(d)
            .where(d.c.id == delegation_id, d.c.quota_used < d.c.quota)
            .values(quota_used=d.c.quota_used + 1)
            .returning(d.c.quota, d.c.quota_used)
        )
    ).one_or_none()
