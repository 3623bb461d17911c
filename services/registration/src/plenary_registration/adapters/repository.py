"""Queries of the registration schema."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_registration.adapters.tables import (
    application_history,
    applications,
    delegations,
    meetings,
)


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """A meeting from the projection, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def remember_meeting(conn: AsyncConnection, **values) -> None:
    """Add a meeting to the projection (from an event or from asking scheduling)."""
    await conn.execute(insert(meetings).values(**values).on_conflict_do_nothing())


async def open_applications(
    conn: AsyncConnection, delegation_id: UUID, *, exclude: frozenset
) -> list[Row]:
    """A delegation's applications not in the excluded states, locked for a state change."""
    a = applications
    query = (
        select(a)
        .where(a.c.delegation_id == delegation_id, a.c.state.not_in([s.value for s in exclude]))
        .order_by(a.c.created_at)
        .with_for_update()
    )
    return list((await conn.execute(query)).all())


async def get_delegation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """A delegation from the projection, or None."""
    query = select(delegations).where(delegations.c.id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def remember_delegation(conn: AsyncConnection, **values) -> None:
    """Add a delegation to the projection (from an event or from asking its owner)."""
    await conn.execute(insert(delegations).values(**values).on_conflict_do_nothing())


async def get_application(
    conn: AsyncConnection, application_id: UUID, *, for_update: bool = False
) -> Row | None:
    """One application, or None; optionally locked for a state change."""
    query = select(applications).where(applications.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def list_applications(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    delegation_id: UUID | None,
    state: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A meeting's applications, newest first, filtered by delegation and state."""
    a = applications
    where = [a.c.meeting_id == meeting_id]
    if delegation_id is not None:
        where.append(a.c.delegation_id == delegation_id)
    if state is not None:
        where.append(a.c.state == state)
    total = await conn.scalar(select(func.count()).select_from(a).where(*where))
    rows = (
        await conn.execute(
            select(a)
            .where(*where)
            .order_by(a.c.created_at.desc(), a.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def history(conn: AsyncConnection, application_id: UUID) -> list[Row]:
    """The audit trail of an application, oldest first."""
    h = application_history
    query = select(h).where(h.c.application_id == application_id).order_by(h.c.id)
    return list((await conn.execute(query)).all())
