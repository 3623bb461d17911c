"""Queries of the notification schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.tables import (
    deliveries,
    email_preferences,
    emails,
    focal_points,
    meetings,
    subscriptions,
)


async def active_subscriptions(conn: AsyncConnection) -> list[Row]:
    """Every active subscription."""
    query = select(subscriptions).where(subscriptions.c.status == "active")
    return list((await conn.execute(query)).all())


async def get_subscription(conn: AsyncConnection, subscription_id: UUID) -> Row | None:
    """One subscription, or None."""
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    return (await conn.execute(query)).one_or_none()


async def list_subscriptions(
    conn: AsyncConnection, *, owner: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Subscriptions, newest first; `owner` restricts to one owner's."""
    s = subscriptions
    where = [s.c.owner == owner] if owner else []
    total = await conn.scalar(select(func.count()).select_from(s).where(*where))
    rows = (
        await conn.execute(
            select(s).where(*where).order_by(s.c.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_deliveries(
    conn: AsyncConnection, subscription_id: UUID, *, status: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A subscription's deliveries, newest first."""
    d = deliveries
    where = [d.c.subscription_id == subscription_id]
    if status:
        where.append(d.c.status == status)
    total = await conn.scalar(select(func.count()).select_from(d).where(*where))
    rows = (
        await conn.execute(
            select(d).where(*where).order_by(d.c.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def lease_due(conn: AsyncConnection, *, limit: int, lease: timedelta) -> list[Row]:
    """Claim due deliveries for a while; another worker takes them over if this one dies."""
    now = datetime.now(UTC)
    d, s = deliveries, subscriptions
    due = (
        select(d.c.id)
        .where(
            d.c.status == "pending",
            d.c.next_attempt_at <= now,
            (d.c.lease_until.is_(None)) | (d.c.lease_until < now),
        )
        .order_by(d.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        await conn.execute(
            update(d)
            .where(d.c.id.in_(due.scalar_subquery()))
            .values(lease_until=now + lease, attempts=d.c.attempts + 1)
            .returning(
                d.c.id,
                d.c.subscription_id,
                d.c.event_id,
                d.c.envelope,
                d.c.attempts,
                d.c.event_type,
            )
        )
    ).all()
    if not claimed:
        return []
    subs = {
        r.id: r
        for r in (
            await conn.execute(select(s).where(s.c.id.in_({c.subscription_id for c in claimed})))
        ).all()
    }
    return [(c, subs[c.subscription_id]) for c in claimed]


async def get_meeting(conn: AsyncConnection, meeting_id: UUID | str) -> Row | None:
    """A meeting as notification knows it, or None."""
    return (
        await conn.execute(select(meetings).where(meetings.c.id == UUID(str(meeting_id))))
    ).one_or_none()


async def focal_points_of(conn: AsyncConnection, delegation_id: UUID | str) -> list[Row]:
    """The current focal points of a delegation, each with its e-mail preference."""
    f, p = focal_points, email_preferences
    query = (
        select(
            f.c.email, f.c.language, func.coalesce(p.c.decisions, "immediate").label("decisions")
        )
        .select_from(f.outerjoin(p, p.c.email == f.c.email))
        .where(f.c.delegation_id == UUID(str(delegation_id)), f.c.revoked_at.is_(None))
        .order_by(f.c.email)
    )
    return list((await conn.execute(query)).all())


async def lease_due_emails(conn: AsyncConnection, *, limit: int, lease: timedelta) -> list[Row]:
    """Claim due e-mails for a while; another worker takes them over if this one dies."""
    now = datetime.now(UTC)
    e = emails
    due = (
        select(e.c.id)
        .where(
            e.c.status == "pending",
            e.c.next_attempt_at <= now,
            (e.c.lease_until.is_(None)) | (e.c.lease_until < now),
        )
        .order_by(e.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(
        (
            await conn.execute(
                update(e)
                .where(e.c.id.in_(due.scalar_subquery()))
                .values(lease_until=now + lease, attempts=e.c.attempts + 1)
                .returning(e)
            )
        ).all()
    )


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


async def held_recipients(conn: AsyncConnection, *, before: datetime) -> list[str]:
    """Who has e-mails held for a digest, queued before a moment."""
    e = emails
    query = (
        select(e.c.recipient)
        .where(e.c.status == "held", e.c.created_at < before)
        .group_by(e.c.recipient)
        .order_by(e.c.recipient)
    )
    return list((await conn.execute(query)).scalars())
