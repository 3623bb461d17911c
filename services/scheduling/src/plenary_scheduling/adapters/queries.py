"""Reads of the routes: plain functions on a connection (lists, filters, pages, views).

The one-row lookups they share with the repository are in lookups.py and re-exported here, so a
route finds every read it needs in this module.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Text, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters.lookups import (
    SESSION_FROM,
    session_query,
)
from plenary_scheduling.adapters.lookups import all_sessions as all_sessions
from plenary_scheduling.adapters.lookups import attendee_counts as attendee_counts
from plenary_scheduling.adapters.lookups import delegations_by_id as delegations_by_id
from plenary_scheduling.adapters.lookups import get_bilateral as get_bilateral
from plenary_scheduling.adapters.lookups import get_meeting as get_meeting
from plenary_scheduling.adapters.lookups import get_participant as get_participant
from plenary_scheduling.adapters.lookups import get_room as get_room
from plenary_scheduling.adapters.lookups import get_session as get_session
from plenary_scheduling.adapters.lookups import get_venue as get_venue
from plenary_scheduling.adapters.lookups import get_version as get_version
from plenary_scheduling.adapters.lookups import heads_of as heads_of
from plenary_scheduling.adapters.tables import (
    attendance,
    bilateral_requests,
    meetings,
    participants,
    rooms,
    schedule_versions,
    session_heads,
    session_waiting,
    sessions,
    venues,
)


async def participant_by_token(conn: AsyncConnection, token: str) -> Row | None:
    """The participant whose personal calendar this token opens."""
    return (
        await conn.execute(select(participants).where(participants.c.calendar_token == token))
    ).one_or_none()


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


async def page(conn: AsyncConnection, query, *, order, limit: int, offset: int):
    """One page of a query and the total count."""
    total = await conn.scalar(select(func.count()).select_from(query.subquery()))
    rows = (await conn.execute(query.order_by(*order).limit(limit).offset(offset))).all()
    return list(rows), total or 0


async def list_venues(conn: AsyncConnection, meeting_id: UUID, *, limit: int, offset: int):
    """A meeting's venues by name."""
    query = select(venues).where(venues.c.meeting_id == meeting_id)
    return await page(conn, query, order=(venues.c.name,), limit=limit, offset=offset)


async def list_rooms(
    conn: AsyncConnection,
    *,
    meeting_id: UUID | None = None,
    venue_id: UUID | None = None,
    bilateral: bool | None = None,
    min_capacity: int | None = None,
    limit: int,
    offset: int,
):
    """Rooms of a meeting or of a venue, by venue and name."""
    query = select(*rooms.c, venues.c.name.label("venue"), venues.c.timezone).select_from(
        rooms.join(venues, venues.c.id == rooms.c.venue_id)
    )
    if meeting_id is not None:
        query = query.where(rooms.c.meeting_id == meeting_id)
    if venue_id is not None:
        query = query.where(rooms.c.venue_id == venue_id)
    if bilateral is not None:
        query = query.where(rooms.c.bilateral.is_(bilateral))
    if min_capacity is not None:
        query = query.where(rooms.c.capacity >= min_capacity)
    return await page(conn, query, order=(venues.c.name, rooms.c.name), limit=limit, offset=offset)


def session_filters(
    *,
    meeting_id: UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    room_id: UUID | None = None,
    venue_id: UUID | None = None,
    formats: list[str] | None = None,
    status: str | None = None,
    visibility: str | None = None,
    q: str | None = None,
    delegation_id: UUID | None = None,
    application_id: UUID | None = None,
    visible_to_delegation: UUID | None = None,
    visible_to_application: UUID | None = None,
    public_only: bool = False,
) -> list:
    """WHERE clauses of a session list."""
    where = []
    if meeting_id is not None:
        where.append(sessions.c.meeting_id == meeting_id)
    if start is not None:
        where.append(sessions.c.ends_at > start)
    if end is not None:
        where.append(sessions.c.starts_at < end)
    if room_id is not None:
        where.append(sessions.c.room_id == room_id)
    if venue_id is not None:
        where.append(rooms.c.venue_id == venue_id)
    if formats:
        where.append(sessions.c.format.in_(formats))
    if status is not None:
        where.append(sessions.c.status == status)
    if visibility is not None:
        where.append(sessions.c.visibility == visibility)
    if q:
        pattern = f"%{q}%"
        where.append(
            or_(sessions.c.title.ilike(pattern), cast(sessions.c.titles, Text).ilike(pattern))
        )
    if delegation_id is not None:
        where.append(involves_delegation(delegation_id))
    if application_id is not None:
        where.append(
            sessions.c.id.in_(
                select(attendance.c.session_id).where(attendance.c.application_id == application_id)
            )
        )
    if visible_to_delegation is not None:
        where.append(
            or_(sessions.c.visibility == "public", involves_delegation(visible_to_delegation))
        )
    if visible_to_application is not None:
        where.append(
            or_(
                sessions.c.visibility == "public",
                sessions.c.id.in_(
                    select(attendance.c.session_id).where(
                        attendance.c.application_id == visible_to_application
                    )
                ),
            )
        )
    if public_only:
        where.append(sessions.c.visibility == "public")
    return where


def involves_delegation(delegation_id: UUID):
    """Sessions a delegation's people or head attend."""
    return or_(
        sessions.c.id.in_(
            select(attendance.c.session_id).where(attendance.c.delegation_id == delegation_id)
        ),
        sessions.c.id.in_(
            select(session_heads.c.session_id).where(session_heads.c.delegation_id == delegation_id)
        ),
    )


async def sees_session(conn: AsyncConnection, session_id: UUID, **visibility) -> bool:
    """Whether a session passes the visibility filters of a grant (`session_filters` keywords)."""
    where = session_filters(**visibility)
    where.append(sessions.c.id == session_id)
    return bool(await all_sessions(conn, where=where))


SORTS = {
    "starts_at": (sessions.c.starts_at, rooms.c.name, sessions.c.id),
    "room": (rooms.c.name, sessions.c.starts_at, sessions.c.id),
    "title": (sessions.c.title, sessions.c.starts_at, sessions.c.id),
}


async def list_sessions(
    conn: AsyncConnection, *, where: list, sort: str = "starts_at", limit: int, offset: int
) -> tuple[list[Row], int]:
    """Sessions matching the filters, in the chosen order."""
    query = session_query().where(and_(*where)) if where else session_query()
    return await page(conn, query, order=SORTS[sort], limit=limit, offset=offset)


async def list_participants(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    delegation_id: UUID | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A meeting's accredited participants by family name."""
    query = select(participants).where(
        participants.c.meeting_id == meeting_id, participants.c.status == "accredited"
    )
    if delegation_id is not None:
        query = query.where(participants.c.delegation_id == delegation_id)
    if q:
        pattern = f"%{q}%"
        query = query.where(
            or_(participants.c.family_name.ilike(pattern), participants.c.given_name.ilike(pattern))
        )
    order = (participants.c.family_name, participants.c.given_name, participants.c.application_id)
    return await page(conn, query, order=order, limit=limit, offset=offset)


async def list_attendance(
    conn: AsyncConnection,
    session_id: UUID,
    *,
    delegation_id: UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A session's participants with their names, by family name."""
    query = (
        select(
            attendance.c.application_id,
            attendance.c.delegation_id,
            attendance.c.assigned_at,
            participants.c.given_name,
            participants.c.family_name,
            participants.c.category,
        )
        .select_from(
            attendance.join(
                participants, participants.c.application_id == attendance.c.application_id
            )
        )
        .where(attendance.c.session_id == session_id)
    )
    if delegation_id is not None:
        query = query.where(attendance.c.delegation_id == delegation_id)
    order = (participants.c.family_name, participants.c.given_name, attendance.c.application_id)
    return await page(conn, query, order=order, limit=limit, offset=offset)


async def versions(conn: AsyncConnection, meeting_id: UUID) -> list[Row]:
    """A meeting's published versions, newest first (without snapshots)."""
    v = schedule_versions
    rows = await conn.execute(
        select(v.c.id, v.c.meeting_id, v.c.number, v.c.note, v.c.published_by, v.c.published_at)
        .where(v.c.meeting_id == meeting_id)
        .order_by(v.c.number.desc())
    )
    return list(rows.all())


async def list_waiting(
    conn: AsyncConnection,
    *,
    session_id: UUID | None = None,
    delegation_id: UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """Waiting lists in order (of a session, a delegation, or both), each entry with its place in
    its delegation's line for its session, and the session and person it is about."""
    w = session_waiting
    position = (
        func.row_number()
        .over(
            partition_by=(w.c.session_id, w.c.delegation_id),
            order_by=(w.c.waiting_since, w.c.application_id),
        )
        .label("position")
    )
    where = [w.c.session_id == session_id] if session_id else []
    where += [w.c.delegation_id == delegation_id] if delegation_id else []
    ranked = select(w, position).where(*where).subquery()
    total = await conn.scalar(select(func.count()).select_from(ranked))
    rows = (
        await conn.execute(
            select(
                ranked,
                sessions.c.title,
                sessions.c.starts_at,
                venues.c.timezone,
                participants.c.given_name,
                participants.c.family_name,
            )
            .select_from(
                ranked.join(SESSION_FROM, sessions.c.id == ranked.c.session_id).join(
                    participants, participants.c.application_id == ranked.c.application_id
                )
            )
            .order_by(sessions.c.starts_at, ranked.c.waiting_since, ranked.c.application_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_bilaterals(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    delegation_id: UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A meeting's bilateral requests, newest first (those a delegation is party to, if given)."""
    b = bilateral_requests
    query = select(b).where(b.c.meeting_id == meeting_id)
    if delegation_id is not None:
        query = query.where(
            or_(b.c.requester_id == delegation_id, b.c.counterpart_id == delegation_id)
        )
    if status is not None:
        query = query.where(b.c.status == status)
    return await page(
        conn, query, order=(b.c.created_at.desc(), b.c.id), limit=limit, offset=offset
    )
