"""Rows looked up by key, and the session with its room and venue: shared by the repository
(use cases) and the routes' queries, so each statement is written once."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Row, and_, func, select
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


async def all_sessions(conn: AsyncConnection, *, where: list) -> list[Row]:
    """Every session matching the filters, in time order (calendars, snapshots)."""
    query = session_query().where(and_(*where)).order_by(sessions.c.starts_at, sessions.c.id)
    return list((await conn.execute(query)).all())


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
