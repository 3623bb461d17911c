"""Reads the routes make (plain functions on a connection; the repository reuses some)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.tables import (
    attendance,
    deliveries,
    delivery_attempts,
    email_preferences,
    emails,
    stream_events,
    subscriptions,
)


async def get_subscription(
    conn: AsyncConnection, subscription_id: UUID, *, for_update: bool = False
) -> Row | None:
    """One subscription, or None."""
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    if for_update:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def list_subscriptions(
    conn: AsyncConnection,
    *,
    owner: str,
    owner_role: str,
    within,
    channel: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """One owner's subscriptions within a scope, newest first, by channel or status."""
    s = subscriptions
    where = [s.c.owner == owner, s.c.owner_role == owner_role]
    if within.delegation_id is not None:
        where.append(s.c.delegation_id == within.delegation_id)
    if within.application_id is not None:
        where.append(s.c.application_id == within.application_id)
    if channel:
        where.append(s.c.channel == channel)
    if status:
        where.append(s.c.status == status)
    total = await conn.scalar(select(func.count()).select_from(s).where(*where))
    rows = (
        await conn.execute(
            select(s).where(*where).order_by(s.c.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def get_delivery(conn: AsyncConnection, delivery_id: UUID) -> Row | None:
    """One delivery, or None."""
    return (
        await conn.execute(select(deliveries).where(deliveries.c.id == delivery_id))
    ).one_or_none()


async def list_deliveries(
    conn: AsyncConnection,
    subscription_id: UUID,
    *,
    status: str | None,
    event_type: str | None,
    since: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A subscription's deliveries, newest first, by status, event type or time."""
    d = deliveries
    where = [d.c.subscription_id == subscription_id]
    if status:
        where.append(d.c.status == status)
    if event_type:
        where.append(d.c.event_type.like(event_type.replace("*", "%")))
    if since:
        where.append(d.c.created_at >= since)
    total = await conn.scalar(select(func.count()).select_from(d).where(*where))
    rows = (
        await conn.execute(
            select(d).where(*where).order_by(d.c.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_attempts(conn: AsyncConnection, delivery_id: UUID) -> list[Row]:
    """Every attempt of a delivery, oldest first."""
    a = delivery_attempts
    query = select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.at, a.c.id)
    return list((await conn.execute(query)).all())


async def list_emails(
    conn: AsyncConnection,
    *,
    recipient: str | None,
    status: str | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """The e-mail log, newest first, filtered."""
    e = emails
    where = []
    if recipient:
        where.append(e.c.recipient == recipient.lower())
    if status:
        where.append(e.c.status == status)
    if kind:
        where.append(e.c.kind == kind)
    total = await conn.scalar(select(func.count()).select_from(e).where(*where))
    rows = (
        await conn.execute(
            select(e).where(*where).order_by(e.c.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def preference_of(conn: AsyncConnection, *, email: str) -> str:
    """Someone's choice for nomination decisions (immediate unless they chose the digest)."""
    chosen = await conn.scalar(
        select(email_preferences.c.decisions).where(email_preferences.c.email == email.lower())
    )
    return chosen or "immediate"


async def stream_after(
    conn: AsyncConnection, *, after: int, scope, meeting_id: UUID | None, limit: int
) -> list[Row]:
    """Stream events after a position, in order, within a scope (None: everything)."""
    e = stream_events
    where = [e.c.seq > after]
    if scope is not None:
        if scope.application_id is not None:
            # a participant's own events, and those of the sessions it attends
            theirs = select(attendance.c.session_id).where(
                attendance.c.application_id == scope.application_id
            )
            where.append((e.c.application_id == scope.application_id) | e.c.session_id.in_(theirs))
        elif scope.delegation_id is not None:
            where.append(e.c.delegation_id == scope.delegation_id)
    if meeting_id is not None:
        where.append(e.c.meeting_id == meeting_id)
    query = (
        select(e.c.seq, e.c.event_type, e.c.envelope).where(*where).order_by(e.c.seq).limit(limit)
    )
    return list((await conn.execute(query)).all())


async def last_stream_position(conn: AsyncConnection) -> int:
    """The newest stream position (0 when empty)."""
    return await conn.scalar(select(func.coalesce(func.max(stream_events.c.seq), 0))) or 0
