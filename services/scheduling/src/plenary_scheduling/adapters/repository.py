"""Queries of the scheduling schema."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Text, and_, cast, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters.tables import (
    attendance,
    bilateral_requests,
    delegations,
    meetings,
    participants,
    rooms,
    schedule_versions,
    session_heads,
    session_waiting,
    sessions,
    venues,
)

LIVE = "scheduled"

# a session with its room and venue: everything needed to show it or announce it
SESSION_COLUMNS = (
    *sessions.c,
    rooms.c.name.label("room"),
    rooms.c.capacity.label("room_capacity"),
    rooms.c.access_zone.label("access_zone"),
    venues.c.id.label("venue_id"),
    venues.c.name.label("venue"),
    venues.c.timezone.label("timezone"),
)
SESSION_FROM = sessions.join(rooms, rooms.c.id == sessions.c.room_id).join(
    venues, venues.c.id == rooms.c.venue_id
)


def session_query():
    """Sessions joined with their room and venue."""
    return select(*SESSION_COLUMNS).select_from(SESSION_FROM)


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """One meeting, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def get_session(conn: AsyncConnection, session_id: UUID, *, lock: bool = False) -> Row | None:
    """One session with room and venue, or None."""
    query = session_query().where(sessions.c.id == session_id)
    if lock:
        query = query.with_for_update(of=sessions)
    return (await conn.execute(query)).one_or_none()


async def get_venue(conn: AsyncConnection, venue_id: UUID) -> Row | None:
    """One venue, or None."""
    return (await conn.execute(select(venues).where(venues.c.id == venue_id))).one_or_none()


async def get_room(conn: AsyncConnection, room_id: UUID, *, lock: bool = False) -> Row | None:
    """One room with its venue's name and time zone, or None."""
    query = (
        select(
            *rooms.c,
            venues.c.name.label("venue"),
            venues.c.timezone.label("timezone"),
        )
        .select_from(rooms.join(venues, venues.c.id == rooms.c.venue_id))
        .where(rooms.c.id == room_id)
    )
    if lock:
        query = query.with_for_update(of=rooms)
    return (await conn.execute(query)).one_or_none()


async def heads_of(conn: AsyncConnection, session_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
    """The delegations whose heads attend each session."""
    ids = list(session_ids)
    found: dict[UUID, list[UUID]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await conn.execute(
        select(session_heads.c.session_id, session_heads.c.delegation_id)
        .where(session_heads.c.session_id.in_(ids))
        .order_by(session_heads.c.delegation_id)
    )
    for row in rows:
        found[row.session_id].append(row.delegation_id)
    return found


async def attendee_counts(conn: AsyncConnection, session_ids: Iterable[UUID]) -> dict[UUID, int]:
    """How many participants are assigned to each session."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = await conn.execute(
        select(attendance.c.session_id, func.count())
        .where(attendance.c.session_id.in_(ids))
        .group_by(attendance.c.session_id)
    )
    return {r[0]: r[1] for r in rows}


async def room_bookings(
    conn: AsyncConnection,
    *,
    room_id: UUID,
    starts_at: datetime,
    ends_at: datetime,
    changeover,
    exclude: UUID | None,
) -> list[Row]:
    """Live sessions in a room that overlap a time widened by the changeover."""
    query = select(sessions.c.id, sessions.c.title, sessions.c.starts_at, sessions.c.ends_at).where(
        sessions.c.room_id == room_id,
        sessions.c.status == LIVE,
        sessions.c.starts_at < ends_at + changeover,
        sessions.c.ends_at > starts_at - changeover,
    )
    if exclude is not None:
        query = query.where(sessions.c.id != exclude)
    return list((await conn.execute(query.order_by(sessions.c.starts_at))).all())


async def participant_overlaps(
    conn: AsyncConnection,
    *,
    application_ids: list[UUID],
    session_id: UUID | None,
    starts_at: datetime,
    ends_at: datetime,
) -> list[Row]:
    """Live sessions at that time attended by these participants or the session's own attendees."""
    who = [attendance.c.application_id.in_(application_ids)] if application_ids else []
    if session_id is not None:
        own = select(attendance.c.application_id).where(attendance.c.session_id == session_id)
        who.append(attendance.c.application_id.in_(own))
    if not who:
        return []
    query = (
        select(
            attendance.c.application_id,
            sessions.c.id,
            sessions.c.title,
            sessions.c.starts_at,
            sessions.c.ends_at,
        )
        .select_from(attendance.join(sessions, sessions.c.id == attendance.c.session_id))
        .where(
            or_(*who),
            sessions.c.status == LIVE,
            sessions.c.starts_at < ends_at,
            sessions.c.ends_at > starts_at,
        )
        .order_by(sessions.c.starts_at, attendance.c.application_id)
    )
    if session_id is not None:
        query = query.where(sessions.c.id != session_id)
    return list((await conn.execute(query)).all())


async def head_overlaps(
    conn: AsyncConnection,
    *,
    delegation_ids: list[UUID],
    session_id: UUID | None,
    starts_at: datetime,
    ends_at: datetime,
) -> list[Row]:
    """Live sessions overlapping a time that these delegations' heads already attend."""
    if not delegation_ids:
        return []
    query = (
        select(
            session_heads.c.delegation_id,
            sessions.c.id,
            sessions.c.title,
            sessions.c.starts_at,
            sessions.c.ends_at,
        )
        .select_from(session_heads.join(sessions, sessions.c.id == session_heads.c.session_id))
        .where(
            session_heads.c.delegation_id.in_(delegation_ids),
            sessions.c.status == LIVE,
            sessions.c.starts_at < ends_at,
            sessions.c.ends_at > starts_at,
        )
        .order_by(sessions.c.starts_at)
    )
    if session_id is not None:
        query = query.where(sessions.c.id != session_id)
    return list((await conn.execute(query)).all())


async def attendees(conn: AsyncConnection, session_id: UUID) -> list[UUID]:
    """The participants assigned to a session."""
    rows = await conn.execute(
        select(attendance.c.application_id).where(attendance.c.session_id == session_id)
    )
    return [r[0] for r in rows]


async def delegation_use(conn: AsyncConnection, session_id: UUID) -> dict[UUID, int]:
    """Seats each delegation uses in a session."""
    rows = await conn.execute(
        select(attendance.c.delegation_id, func.count())
        .where(attendance.c.session_id == session_id)
        .group_by(attendance.c.delegation_id)
    )
    return {r[0]: r[1] for r in rows}


async def participants_by_id(
    conn: AsyncConnection, ids: Iterable[UUID], *, lock: bool = False
) -> dict[UUID, Row]:
    """Participants known to scheduling, by application id (locked in id order if asked)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    query = select(participants).where(participants.c.application_id.in_(ids))
    if lock:
        query = query.order_by(participants.c.application_id).with_for_update()
    return {r.application_id: r for r in (await conn.execute(query)).all()}


async def delegations_by_id(
    conn: AsyncConnection, ids: Iterable[UUID], *, lock: bool = False
) -> dict[UUID, Row]:
    """Delegations known to scheduling, by id."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    query = select(delegations).where(delegations.c.id.in_(ids))
    if lock:
        query = query.order_by(delegations.c.id).with_for_update()
    return {r.id: r for r in (await conn.execute(query)).all()}


async def get_participant(conn: AsyncConnection, application_id: UUID) -> Row | None:
    """One participant, or None."""
    return (
        await conn.execute(
            select(participants).where(participants.c.application_id == application_id)
        )
    ).one_or_none()


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


async def all_sessions(conn: AsyncConnection, *, where: list) -> list[Row]:
    """Every session matching the filters, in time order (calendars, snapshots)."""
    query = session_query().where(and_(*where)).order_by(sessions.c.starts_at, sessions.c.id)
    return list((await conn.execute(query)).all())


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


async def get_version(conn: AsyncConnection, meeting_id: UUID, number: int) -> Row | None:
    """One published version with its snapshot."""
    v = schedule_versions
    query = select(v).where(v.c.meeting_id == meeting_id, v.c.number == number)
    return (await conn.execute(query)).one_or_none()


async def get_bilateral(conn: AsyncConnection, request_id: UUID, *, lock: bool = False):
    """One bilateral request, or None."""
    query = select(bilateral_requests).where(bilateral_requests.c.id == request_id)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def waiting_line(conn: AsyncConnection, session_id: UUID, delegation_id: UUID) -> list[Row]:
    """Who of a delegation waits for a seat in a session, first come first, locked."""
    w = session_waiting
    query = (
        select(w)
        .where(w.c.session_id == session_id, w.c.delegation_id == delegation_id)
        .order_by(w.c.waiting_since, w.c.application_id)
        .with_for_update()
    )
    return list((await conn.execute(query)).all())


async def waiting_position(conn: AsyncConnection, session_id: UUID, application_id: UUID) -> int:
    """A waiting participant's place in its delegation's line for a session (1 = next)."""
    w, mine = session_waiting, session_waiting.alias("mine")
    query = (
        select(func.count())
        .select_from(w.join(mine, (mine.c.session_id == w.c.session_id)))
        .where(
            mine.c.session_id == session_id,
            mine.c.application_id == application_id,
            w.c.delegation_id == mine.c.delegation_id,
            tuple_(w.c.waiting_since, w.c.application_id)
            <= tuple_(mine.c.waiting_since, mine.c.application_id),
        )
    )
    return int(await conn.scalar(query) or 0)


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


async def sessions_waiting_for(conn: AsyncConnection, delegation_id: UUID) -> list[UUID]:
    """The sessions where someone of a delegation waits for a seat."""
    w = session_waiting
    rows = await conn.execute(
        select(w.c.session_id).where(w.c.delegation_id == delegation_id).distinct()
    )
    return sorted(r[0] for r in rows)
