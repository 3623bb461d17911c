"""Queries of the notification schema."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    Row,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
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


def _lease_statement():
    """Claim due deliveries, built once: every value is a bound parameter, so each call only
    binds (building and hashing a statement this size costs more than running it)."""
    d, s = deliveries, subscriptions
    now = bindparam("now", type_=DateTime(timezone=True))
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
    # what this worker has in flight, one array per column
    taken = (
        func.unnest(
            bindparam("busy_ids", type_=ARRAY(Uuid)),
            bindparam("busy_counts", type_=ARRAY(Integer)),
        )
        .table_valued(column("sid", Uuid), column("n", Integer))
        .render_derived(name="busy")
    )
    room = bindparam("per_endpoint", type_=Integer) - func.coalesce(taken.c.n, 0)
    source = ranked.outerjoin(taken, taken.c.sid == ranked.c.subscription_id)
    chosen = (
        select(ranked.c.id)
        .select_from(source)
        .where(ranked.c.rank <= room)
        .order_by(ranked.c.next_attempt_at)
        .limit(bindparam("limit", type_=Integer))
    )
    # the subscription's address and secrets come back with each claimed row: one statement
    return (
        update(d)
        .where(d.c.id.in_(chosen.scalar_subquery()), *due, s.c.id == d.c.subscription_id)
        .values(
            lease_until=bindparam("lease_until", type_=DateTime(timezone=True)),
            attempts=d.c.attempts + 1,
        )
        .returning(
            d.c.id,
            d.c.subscription_id,
            d.c.event_id,
            d.c.envelope,
            d.c.attempts,
            d.c.event_type,
            s.c.url,
            s.c.secret,
            s.c.previous_secret,
            s.c.previous_secret_expires_at,
        )
    )


_LEASE = _lease_statement()


async def lease_due(
    conn: AsyncConnection,
    *,
    limit: int,
    lease: timedelta,
    per_endpoint: int,
    busy: dict[UUID, int],
) -> list[Row]:
    """Claim due deliveries of active subscriptions, at most `per_endpoint` in flight for each;
    each row carries its subscription's url and secrets.

    `busy` counts what this worker already has in flight per subscription. A row another worker
    claimed first is skipped: the update checks the lease again.
    """
    now = datetime.now(UTC)
    values = {
        "now": now,
        "lease_until": now + lease,
        "limit": limit,
        "per_endpoint": per_endpoint,
        "busy_ids": list(busy),
        "busy_counts": list(busy.values()),
    }
    return list((await conn.execute(_LEASE, values)).all())


def _settle_statement():
    """Successful attempts logged and their deliveries settled, built once (arrays bound)."""
    rows = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Uuid)),
            bindparam("codes", type_=ARRAY(Integer)),
            bindparam("latencies", type_=ARRAY(Float)),
        )
        .table_valued(
            column("delivery_id", Uuid), column("status_code", Integer), column("latency_ms", Float)
        )
        .render_derived(name="outcome")
    )
    a, d = delivery_attempts, deliveries
    logged = (
        insert(a)
        .from_select(
            [a.c.delivery_id, a.c.status_code, a.c.latency_ms],
            select(rows.c.delivery_id, rows.c.status_code, rows.c.latency_ms),
        )
        .returning(a.c.delivery_id, a.c.status_code)
        .cte("logged")
    )
    return (
        update(d)
        .where(d.c.id == logged.c.delivery_id)
        .values(
            status="delivered",
            delivered_at=bindparam("now", type_=DateTime(timezone=True)),
            last_status_code=logged.c.status_code,
            last_error=None,
            lease_until=None,
        )
    )


_SETTLE = _settle_statement()


async def settle_delivered(
    conn: AsyncConnection, outcomes: list[tuple[UUID, int | None, float]], *, now: datetime
) -> None:
    """Deliveries that succeeded, as (id, status code, latency ms): each attempt logged and each
    delivery settled, all in one statement."""
    values = {
        "ids": [o[0] for o in outcomes],
        "codes": [o[1] for o in outcomes],
        "latencies": [o[2] for o in outcomes],
        "now": now,
    }
    await conn.execute(_SETTLE, values)


async def receivers_answered(conn: AsyncConnection, subscription_ids: list[UUID], *, now) -> None:
    """These receivers answered well just now: none of them is failing."""
    s = subscriptions
    await conn.execute(
        update(s)
        .where(s.c.id.in_(subscription_ids))
        .values(failing_since=None, last_success_at=now)
    )


_GET_MEETING = select(meetings).where(meetings.c.id == bindparam("meeting_id", type_=Uuid))


async def get_meeting(conn: AsyncConnection, meeting_id: UUID | str) -> Row | None:
    """A meeting as notification knows it, or None."""
    found = await conn.execute(_GET_MEETING, {"meeting_id": UUID(str(meeting_id))})
    return found.one_or_none()


async def meeting_and_focal_points(
    conn: AsyncConnection, meeting_id: UUID | str, delegation_id: UUID | str
) -> tuple[str | None, list[Row]]:
    """A meeting's title (None when unknown) and a delegation's current focal points with their
    e-mail preferences, in one statement."""
    m, f, p = meetings, focal_points, email_preferences
    current = and_(f.c.delegation_id == UUID(str(delegation_id)), f.c.revoked_at.is_(None))
    query = (
        select(
            m.c.title,
            f.c.email,
            f.c.language,
            func.coalesce(p.c.decisions, "immediate").label("decisions"),
        )
        .select_from(m.outerjoin(f, current).outerjoin(p, p.c.email == f.c.email))
        .where(m.c.id == UUID(str(meeting_id)))
        .order_by(f.c.email)
    )
    rows = (await conn.execute(query)).all()
    if not rows:
        return None, []
    return rows[0].title, [r for r in rows if r.email is not None]


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


def _next_due_statement(table, *conditions):
    """When the next pending row of a queue falls due (its retry time, or the end of a lease
    held elsewhere), among those not due already; built once."""
    due_at = func.greatest(
        table.c.next_attempt_at, func.coalesce(table.c.lease_until, table.c.next_attempt_at)
    )
    now = bindparam("now", type_=DateTime(timezone=True))
    return select(func.min(due_at)).where(table.c.status == "pending", due_at > now, *conditions)


_NEXT_DELIVERY = _next_due_statement(
    deliveries,
    deliveries.c.subscription_id.in_(
        select(subscriptions.c.id).where(subscriptions.c.status == "active")
    ),
)
_NEXT_EMAIL = _next_due_statement(emails)


async def next_delivery_due(conn: AsyncConnection, *, now: datetime) -> datetime | None:
    """When the next delivery of an active subscription falls due, if any is waiting."""
    return await conn.scalar(_NEXT_DELIVERY, {"now": now})


async def next_email_due(conn: AsyncConnection, *, now: datetime) -> datetime | None:
    """When the next pending e-mail falls due, if any is waiting."""
    return await conn.scalar(_NEXT_EMAIL, {"now": now})


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


_GET_PARTICIPANT = select(participants).where(
    participants.c.application_id == bindparam("of_application", type_=Uuid)
)


async def get_participant(conn: AsyncConnection, application_id: UUID | str) -> Row | None:
    """An accredited participant as notification knows it, or None."""
    found = await conn.execute(_GET_PARTICIPANT, {"of_application": UUID(str(application_id))})
    return found.one_or_none()


_GET_PARTICIPANTS = select(participants).where(
    participants.c.application_id == any_(bindparam("of_applications", type_=ARRAY(Uuid)))
)


async def get_participants(conn: AsyncConnection, application_ids: list[str]) -> dict[str, Row]:
    """Accredited participants as notification knows them, by application id (as text); one
    not known is not there."""
    found = await conn.execute(
        _GET_PARTICIPANTS, {"of_applications": [UUID(str(a)) for a in application_ids]}
    )
    return {str(row.application_id): row for row in found}


_STREAM_COLUMNS = (
    "event_id",
    "event_type",
    "meeting_id",
    "delegation_id",
    "application_id",
    "session_id",
    "envelope",
)


def _keep_statement(lock: int):
    s = stream_events
    turn = select(func.pg_advisory_xact_lock(lock)).cte("turn").prefix_with("MATERIALIZED")
    arrays = [
        bindparam(name, type_=ARRAY(Text if name == "envelope" else s.c[name].type))
        for name in _STREAM_COLUMNS
    ]
    given = (
        func.unnest(*arrays)
        .table_valued(*_STREAM_COLUMNS, with_ordinality="n")
        .render_derived(name="given")
    )
    chosen = [
        cast(given.c[name], JSONB) if name == "envelope" else given.c[name]
        for name in _STREAM_COLUMNS
    ]
    return (
        pg_insert(s)
        .from_select(list(_STREAM_COLUMNS), select(*chosen).join(turn, true()).order_by(given.c.n))
        .on_conflict_do_nothing()
    )


@functools.cache
def _keep(lock: int):
    return _keep_statement(lock)


async def keep_in_turn(conn: AsyncConnection, rows: list[dict], *, lock: int) -> None:
    """Stream rows inserted in their order once the transaction holds the advisory lock `lock`:
    the lock is taken in the same statement, before the join hands any row to the insert (and
    so before any position is drawn from the sequence). The statement is built once; the rows
    are bound as one array per column."""
    values = {
        name: [json.dumps(r[name]) if name == "envelope" else r[name] for r in rows]
        for name in _STREAM_COLUMNS
    }
    await conn.execute(_keep(lock), values)
