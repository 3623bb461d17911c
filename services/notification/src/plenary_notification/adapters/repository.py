"""Queries of the notification schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Integer, Row, Uuid, bindparam, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.tables import (
    attendance,
    deliveries,
    delivery_attempts,
    email_preferences,
    emails,
    focal_points,
    meetings,
    participants,
    stream_events,
    subscriptions,
)


async def receiving_subscriptions(conn: AsyncConnection) -> list[Row]:
    """Subscriptions that take events now (paused ones keep them for later; stream ones need none)."""
    s = subscriptions
    query = select(s).where(s.c.status.in_(("active", "paused")), s.c.channel != "stream")
    return list((await conn.execute(query)).all())


async def get_subscription(
    conn: AsyncConnection, subscription_id: UUID, *, for_update: bool = False
) -> Row | None:
    """One subscription, or None."""
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    if for_update:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def get_delivery(conn: AsyncConnection, delivery_id: UUID) -> Row | None:
    """One delivery, or None."""
    return (
        await conn.execute(select(deliveries).where(deliveries.c.id == delivery_id))
    ).one_or_none()


async def list_attempts(conn: AsyncConnection, delivery_id: UUID) -> list[Row]:
    """Every attempt of a delivery, oldest first."""
    a = delivery_attempts
    query = select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.at, a.c.id)
    return list((await conn.execute(query)).all())


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


async def lease_due(
    conn: AsyncConnection,
    *,
    limit: int,
    lease: timedelta,
    per_endpoint: int,
    busy: dict[UUID, int],
) -> list[tuple[Row, Row]]:
    """Claim due deliveries of active subscriptions, at most `per_endpoint` in flight for each.

    `busy` counts what this worker already has in flight per subscription. A row another worker
    claimed first is skipped: the update checks the lease again.
    """
    now = datetime.now(UTC)
    d, s = deliveries, subscriptions
    due = [
        d.c.status == "pending",
        d.c.next_attempt_at <= now,
        (d.c.lease_until.is_(None)) | (d.c.lease_until < now),
    ]
    rank = (
        func.row_number()
        .over(partition_by=d.c.subscription_id, order_by=(d.c.next_attempt_at, d.c.created_at))
        .label("rank")
    )
    ranked = (
        select(d.c.id, d.c.subscription_id, d.c.next_attempt_at, rank)
        .join(s, s.c.id == d.c.subscription_id)
        .where(*due, s.c.status == "active")
        .subquery()
    )
    # what this worker has in flight, as arrays bound to one parameter each: the statement stays
    # the same whatever `busy` holds, so SQLAlchemy compiles it once (a VALUES list would not)
    taken = (
        func.unnest(
            bindparam("busy_ids", list(busy), type_=ARRAY(Uuid)),
            bindparam("busy_counts", list(busy.values()), type_=ARRAY(Integer)),
        )
        .table_valued(column("sid", Uuid), column("n", Integer))
        .render_derived(name="busy")
    )
    room = per_endpoint - func.coalesce(taken.c.n, 0)
    source = ranked.outerjoin(taken, taken.c.sid == ranked.c.subscription_id)
    chosen = (
        select(ranked.c.id)
        .select_from(source)
        .where(ranked.c.rank <= room)
        .order_by(ranked.c.next_attempt_at)
        .limit(limit)
    )
    claimed = (
        await conn.execute(
            update(d)
            .where(d.c.id.in_(chosen.scalar_subquery()), *due)
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


# e-mails someone is waiting for, sign-in page open: they go before any queue of notices
AWAITED = ("invitation_code", "password_reset", "invitation")


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
        .order_by(e.c.kind.in_(AWAITED).desc(), e.c.next_attempt_at)
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


async def attendees_of(conn: AsyncConnection, session_id: UUID | str) -> list[Row]:
    """Who attends a session, with how to write to them (None while their accreditation is
    still on its way to notification)."""
    a, p = attendance, participants
    query = (
        select(a.c.application_id, p.c.email, p.c.language)
        .outerjoin(p, a.c.application_id == p.c.application_id)
        .where(a.c.session_id == UUID(str(session_id)))
        .order_by(p.c.email)
    )
    return list((await conn.execute(query)).all())


async def get_participant(conn: AsyncConnection, application_id: UUID | str) -> Row | None:
    """An accredited participant as notification knows it, or None."""
    query = select(participants).where(participants.c.application_id == UUID(str(application_id)))
    return (await conn.execute(query)).one_or_none()
