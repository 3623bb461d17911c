"""Reads of the delegation schema for the routes: plain functions on a connection.

The use cases read and write through `repository.Repository` (on the unit of work); the routes
render what these return.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_delegation.adapters.tables import (
    accommodations,
    category_quotas,
    delegations,
    focal_points,
    liaison_officers,
    meetings,
    movements,
    nominations,
)
from plenary_delegation.domain.model import Decision, DelegationStatus, Direction


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """A meeting from the projection, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def get_delegation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """One delegation, or None."""
    query = select(delegations).where(delegations.c.id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def list_delegations(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    only: UUID | None,
    kind: str | None = None,
    status: str | None = None,
) -> list[Row]:
    """Every delegation of a meeting matching the filters (a meeting has a few hundred at most)."""
    where = [delegations.c.meeting_id == meeting_id]
    if only is not None:
        where.append(delegations.c.id == only)
    if kind is not None:
        where.append(delegations.c.kind == kind)
    if status is not None:
        where.append(delegations.c.status == status)
    return list((await conn.execute(select(delegations).where(*where))).all())


async def category_counters(
    conn: AsyncConnection, delegation_ids: Iterable[UUID]
) -> dict[UUID, list[Row]]:
    """The per-category quota and use of each delegation."""
    ids = list(delegation_ids)
    found: dict[UUID, list[Row]] = {i: [] for i in ids}
    if not ids:
        return found
    c = category_quotas
    rows = (
        await conn.execute(select(c).where(c.c.delegation_id.in_(ids)).order_by(c.c.category))
    ).all()
    for row in rows:
        found[row.delegation_id].append(row)
    return found


async def get_focal_point(conn: AsyncConnection, focal_point_id: UUID) -> Row | None:
    """One focal point assignment, or None."""
    query = select(focal_points).where(focal_points.c.id == focal_point_id)
    return (await conn.execute(query)).one_or_none()


async def list_focal_points(
    conn: AsyncConnection, delegation_id: UUID, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A delegation's current focal points, in the order they were assigned."""
    f = focal_points
    where = [f.c.delegation_id == delegation_id, f.c.revoked_at.is_(None)]
    total = await conn.scalar(select(func.count()).select_from(f).where(*where))
    rows = (
        await conn.execute(
            select(f).where(*where).order_by(f.c.assigned_at, f.c.id).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


def _movements_with_zone():
    """Movements joined with their meeting's time zone and their delegation's names."""
    m, d, mt = movements, delegations, meetings
    return (
        select(
            m,
            mt.c.timezone,
            d.c.name.label("delegation_name"),
            d.c.country_code,
        )
        .join(mt, mt.c.id == m.c.meeting_id)
        .join(d, d.c.id == m.c.delegation_id)
    )


async def get_movement(conn: AsyncConnection, movement_id: UUID) -> Row | None:
    """One movement with its time zone, or None."""
    query = _movements_with_zone().where(movements.c.id == movement_id)
    return (await conn.execute(query)).one_or_none()


async def list_movements(
    conn: AsyncConnection,
    delegation_id: UUID,
    *,
    direction: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A delegation's arrivals and departures in time order."""
    m = movements
    where = [m.c.delegation_id == delegation_id]
    if direction is not None:
        where.append(m.c.direction == direction)
    total = await conn.scalar(select(func.count()).select_from(m).where(*where))
    rows = (
        await conn.execute(
            _movements_with_zone()
            .where(*where)
            .order_by(m.c.scheduled_at, m.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_arrivals(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    start: datetime,
    end: datetime,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """Arrivals of a meeting's active delegations between two UTC moments, in time order."""
    m, d = movements, delegations
    where = [
        m.c.meeting_id == meeting_id,
        m.c.direction == Direction.ARRIVAL.value,
        m.c.scheduled_at >= start,
        m.c.scheduled_at < end,
        d.c.status == DelegationStatus.ACTIVE.value,
    ]
    total = await conn.scalar(
        select(func.count()).select_from(m.join(d, d.c.id == m.c.delegation_id)).where(*where)
    )
    rows = (
        await conn.execute(
            _movements_with_zone()
            .where(*where)
            .order_by(m.c.scheduled_at, d.c.name, m.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def get_accommodation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """A delegation's hotel and room block, or None."""
    query = select(accommodations).where(accommodations.c.delegation_id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def get_liaison(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """A delegation's liaison officer, or None."""
    query = select(liaison_officers).where(liaison_officers.c.delegation_id == delegation_id)
    return (await conn.execute(query)).one_or_none()


def waiting(delegation_id, category=None) -> list:
    """The conditions of a delegation's waiting nominations (of one category, if given)."""
    n = nominations
    where = [n.c.delegation_id == delegation_id, n.c.decision == Decision.WAITLISTED.value]
    if category is not None:
        where.append(n.c.category == category)
    return where


async def list_waiting(
    conn: AsyncConnection, delegation_id: UUID, *, category: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A delegation's waiting list in order, each entry with its place in its category's line."""
    n = nominations
    position = (
        func.row_number()
        .over(partition_by=n.c.category, order_by=(n.c.waitlisted_at, n.c.application_id))
        .label("position")
    )
    ranked = select(n, position).where(*waiting(delegation_id)).subquery()
    where = [] if category is None else [ranked.c.category == category]
    total = await conn.scalar(select(func.count()).select_from(ranked).where(*where))
    rows = (
        await conn.execute(
            select(ranked)
            .where(*where)
            .order_by(ranked.c.waitlisted_at, ranked.c.application_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0
